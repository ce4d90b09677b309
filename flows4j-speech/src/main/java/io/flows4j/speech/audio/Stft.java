package io.flows4j.speech.audio;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;

/**
 * Short-time Fourier transform with the speech kit's settings: n_fft = window = 1024, hop 256,
 * periodic Hann window {@code w[n] = 0.5 − 0.5 cos(2πn/1024)}, centred frames.
 *
 * <p>Analysis: the signal x of length L is padded with 512 samples on both sides by reflection
 * ({@code x[512], …, x[1] | x | x[L−2], …, x[L−513]}, the edge sample not repeated; a signal
 * shorter than 513 samples is reflected again, periodically, as numpy's {@code pad(mode='reflect')}
 * does), giving T = 1 + ⌊L/256⌋ frames, and {@code X[k, t] = Σ_{n<1024} xp[256t + n] w[n]
 * e^{−2πikn/1024}} for k = 0..512. Synthesis ({@link #inverse}): the least-squares inverse of
 * Griffin and Lim (1984): each column's inverse real FFT times the window, overlap-added at hop
 * 256, divided by the overlap-added squared window (floor 1e-8), the first 512 samples dropped, cut
 * or zero-padded to the requested length.
 *
 * <p>Layout: public methods take and return frequency-major tensors {@code [513, T]} (as the kit's
 * fixtures); the package-private double routines use frame-major arrays {@code [T][513]} flattened,
 * which is how the FFT produces them.
 */
public final class Stft {
  /** FFT length and window length. */
  public static final int N_FFT = 1024;

  /** Hop between frames, in samples. */
  public static final int HOP = 256;

  /** Frequency bins per frame: N_FFT / 2 + 1. */
  public static final int BINS = N_FFT / 2 + 1;

  private static final int PAD = N_FFT / 2;
  private static final double WINDOW_SUM_FLOOR = 1e-8;
  private static final double[] WINDOW = hann(N_FFT);

  private Stft() {}

  /** The periodic Hann window {@code w[n] = 0.5 − 0.5 cos(2πn/size)}. */
  static double[] hann(int size) {
    double[] w = new double[size];
    for (int i = 0; i < size; i++) {
      w[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / size);
    }
    return w;
  }

  /** The frame count T = 1 + ⌊length/256⌋ of a signal of {@code length} samples. */
  public static int frames(int length) {
    return 1 + length / HOP;
  }

  /**
   * The STFT magnitude {@code |X[k, t]|} of a signal.
   *
   * @param samples the signal, length L ≥ 1
   * @return a tensor of shape {@code [513, T]}, T = 1 + ⌊L/256⌋
   * @throws IllegalArgumentException if the signal is empty
   */
  public static Tensor magnitude(float[] samples) {
    double[] x = toDouble(samples, "Stft.magnitude");
    int t = frames(x.length);
    double[] re = new double[t * BINS];
    double[] im = new double[t * BINS];
    forward(x, re, im, RealFft.of(N_FFT));
    double[] mag = new double[t * BINS];
    for (int i = 0; i < mag.length; i++) {
      mag[i] = Math.hypot(re[i], im[i]);
    }
    return toFrequencyMajor(mag, t);
  }

  /**
   * The least-squares inverse STFT of a spectrum given as magnitude and phase angle.
   *
   * @param magnitude of shape {@code [513, T]}
   * @param phase angles in radians, of shape {@code [513, T]}
   * @param length the number of output samples
   * @return the signal, {@code length} samples
   * @throws ShapeMismatchException if the shapes are not {@code [513, T]} or differ
   * @throws IllegalArgumentException if {@code length} is negative
   */
  public static float[] inverse(Tensor magnitude, Tensor phase, int length) {
    requireSpectrum("Stft.inverse", magnitude);
    if (!phase.shape().equals(magnitude.shape())) {
      throw new ShapeMismatchException(
          "Stft.inverse: phase shape "
              + phase.shape()
              + " differs from magnitude shape "
              + magnitude.shape());
    }
    Checks.requireNonNegative(length, "Stft.inverse", "length");
    int t = magnitude.dim(1);
    double[] mag = fromFrequencyMajor(magnitude);
    double[] angle = fromFrequencyMajor(phase);
    double[] re = new double[mag.length];
    double[] im = new double[mag.length];
    for (int i = 0; i < mag.length; i++) {
      re[i] = mag[i] * Math.cos(angle[i]);
      im[i] = mag[i] * Math.sin(angle[i]);
    }
    double[] y = inverse(re, im, t, length, RealFft.of(N_FFT));
    float[] out = new float[length];
    for (int i = 0; i < length; i++) {
      out[i] = (float) y[i];
    }
    return out;
  }

  /** Index into x of padded position p − 512 under (periodic) reflection at both ends. */
  static int reflect(int i, int length) {
    if (length == 1) {
      return 0;
    }
    int period = 2 * (length - 1);
    int r = Math.floorMod(i, period);
    return r < length ? r : period - r;
  }

  /**
   * Complex STFT of {@code x} into frame-major {@code re/im [T][513]} (T = frames(x.length)).
   *
   * @param fft a transform of length 1024 (scratch owned by the caller's thread)
   */
  static void forward(double[] x, double[] re, double[] im, RealFft fft) {
    int length = x.length;
    int t = frames(length);
    double[] frame = new double[N_FFT];
    for (int f = 0; f < t; f++) {
      int start = f * HOP - PAD;
      if (start >= 0 && start + N_FFT <= length) {
        for (int n = 0; n < N_FFT; n++) {
          frame[n] = x[start + n] * WINDOW[n];
        }
      } else {
        for (int n = 0; n < N_FFT; n++) {
          frame[n] = x[reflect(start + n, length)] * WINDOW[n];
        }
      }
      fft.forward(frame, 0, re, im, f * BINS);
    }
  }

  /**
   * Least-squares inverse STFT of frame-major {@code re/im [T][513]}, cut or zero-padded to {@code
   * length} samples.
   */
  static double[] inverse(double[] re, double[] im, int t, int length, RealFft fft) {
    int total = N_FFT + HOP * (t - 1);
    double[] y = new double[total];
    double[] windowSum = new double[total];
    double[] frame = new double[N_FFT];
    for (int f = 0; f < t; f++) {
      fft.inverse(re, im, f * BINS, frame, 0);
      int start = f * HOP;
      for (int n = 0; n < N_FFT; n++) {
        y[start + n] += frame[n] * WINDOW[n];
        windowSum[start + n] += WINDOW[n] * WINDOW[n];
      }
    }
    double[] out = new double[length];
    int available = Math.min(length, total - PAD);
    for (int i = 0; i < available; i++) {
      out[i] = y[i + PAD] / Math.max(windowSum[i + PAD], WINDOW_SUM_FLOOR);
    }
    return out;
  }

  static void requireSpectrum(String op, Tensor spectrum) {
    if (spectrum.rank() != 2 || spectrum.dim(0) != BINS || spectrum.dim(1) < 1) {
      throw new ShapeMismatchException(
          op + ": spectrum must have shape [513, T] with T >= 1, but was " + spectrum.shape());
    }
  }

  static double[] toDouble(float[] samples, String op) {
    Checks.requireArgument(
        samples.length >= 1, "%s: signal must have at least 1 sample, but had 0", op);
    double[] x = new double[samples.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = samples[i];
    }
    return x;
  }

  /** Frame-major {@code [T][rows]} doubles to a frequency-major float tensor {@code [rows, T]}. */
  static Tensor toFrequencyMajor(double[] frameMajor, int t) {
    int rows = frameMajor.length / t;
    float[] out = new float[frameMajor.length];
    for (int f = 0; f < t; f++) {
      for (int k = 0; k < rows; k++) {
        out[k * t + f] = (float) frameMajor[f * rows + k];
      }
    }
    return Tensor.wrap(out, 0, new Shape(rows, t));
  }

  /** A frequency-major tensor {@code [rows, T]} to frame-major {@code [T][rows]} doubles. */
  static double[] fromFrequencyMajor(Tensor tensor) {
    int rows = tensor.dim(0);
    int t = tensor.dim(1);
    float[] data = tensor.data();
    int off = tensor.offset();
    double[] out = new double[rows * t];
    for (int k = 0; k < rows; k++) {
      for (int f = 0; f < t; f++) {
        out[f * rows + k] = data[off + k * t + f];
      }
    }
    return out;
  }
}
