package io.flows4j.speech.audio;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.NonFiniteException;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.util.Objects;

/**
 * Griffin-Lim phase reconstruction of a magnitude spectrogram, classic or fast (with momentum).
 *
 * <p>For a magnitude S of shape {@code [513, T]} and L samples:
 *
 * <pre>
 * phase_0 = e^{2πiu}, u ~ U[0, 1) per bin     (or phase_0 = 1: zero-phase start)
 * c_prev = 0
 * repeat K times:
 *     y = istft(S ⊙ phase, L);  c = stft(y)
 *     a = c − m/(1+m) · c_prev;  c_prev = c
 *     phase = a / max(|a|, 1e-16)
 * return istft(S ⊙ phase, L)
 * </pre>
 *
 * with {@link Stft}'s transforms. Momentum m = 0 is the classic algorithm (Griffin and Lim,
 * <i>Signal estimation from modified short-time Fourier transform</i>, IEEE TASSP 1984); m = 0.99
 * the fast Griffin-Lim of Perraudin, Balazs and Søndergaard (<i>A fast Griffin-Lim algorithm</i>,
 * WASPAA 2013). The quality measure is the spectral convergence {@code SC = ‖S − |stft(y)|‖_F /
 * ‖S‖_F}.
 */
public final class GriffinLim {
  /** The momentum of the fast variant. */
  public static final double FAST_MOMENTUM = 0.99;

  private static final double PHASE_FLOOR = 1e-16;

  private GriffinLim() {}

  /**
   * Reconstructs a signal from a random initial phase drawn from {@code rng}.
   *
   * @param magnitude of shape {@code [513, T]}, non-negative and finite
   * @param length the number of output samples; {@code (T − 1)·256} gives back T frames
   * @param iterations K ≥ 0
   * @param momentum m in [0, 1): 0 classic, 0.99 fast
   * @return the signal, {@code length} samples
   * @throws io.flows4j.tensor.ShapeMismatchException if the magnitude is not {@code [513, T]}
   * @throws IllegalArgumentException if an argument is out of range
   * @throws NonFiniteException if the magnitude holds NaN or infinity
   */
  public static float[] reconstruct(
      Tensor magnitude, int length, int iterations, double momentum, Rng rng) {
    Objects.requireNonNull(rng, "GriffinLim.reconstruct: rng");
    return toFloat(run(frameMajor(magnitude), magnitude.dim(1), length, iterations, momentum, rng));
  }

  /**
   * As {@link #reconstruct} from the zero-phase start (phase_0 = 1): deterministic, for tests and
   * reproducible output.
   */
  public static float[] reconstructFromZeroPhase(
      Tensor magnitude, int length, int iterations, double momentum) {
    return toFloat(
        run(frameMajor(magnitude), magnitude.dim(1), length, iterations, momentum, null));
  }

  /**
   * The spectral convergence after 0, 1, …, K iterations (K + 1 values), computed along the way,
   * for the given start ({@code rng == null}: zero phase).
   */
  static double[] trace(Tensor magnitude, int iterations, double momentum, Rng rng) {
    double[] trace = new double[iterations + 1];
    int t = magnitude.dim(1);
    run(frameMajor(magnitude), t, (t - 1) * Stft.HOP, iterations, momentum, rng, trace);
    return trace;
  }

  static double[] run(double[] mag, int t, int length, int iterations, double momentum, Rng rng) {
    return run(mag, t, length, iterations, momentum, rng, null);
  }

  /**
   * The algorithm on a frame-major magnitude {@code [T][513]}; if {@code trace} is not null, its
   * element k receives SC after k iterations (k = 0..K).
   */
  static double[] run(
      double[] mag, int t, int length, int iterations, double momentum, Rng rng, double[] trace) {
    Checks.requireNonNegative(length, "GriffinLim", "length");
    Checks.requireNonNegative(iterations, "GriffinLim", "iterations");
    Checks.requireArgument(
        momentum >= 0 && momentum < 1,
        "GriffinLim: momentum must be in [0, 1), but was %s",
        momentum);
    int size = mag.length;
    double[] phaseRe = new double[size];
    double[] phaseIm = new double[size];
    if (rng == null) {
      java.util.Arrays.fill(phaseRe, 1.0);
    } else {
      for (int i = 0; i < size; i++) {
        double angle = 2 * Math.PI * rng.nextUniform();
        phaseRe[i] = Math.cos(angle);
        phaseIm[i] = Math.sin(angle);
      }
    }
    double norm = 0;
    for (double v : mag) {
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    double beta = momentum / (1 + momentum);
    RealFft fft = RealFft.of(Stft.N_FFT);
    double[] specRe = new double[size];
    double[] specIm = new double[size];
    double[] cRe = new double[size];
    double[] cIm = new double[size];
    double[] prevRe = new double[size];
    double[] prevIm = new double[size];
    for (int k = 0; k < iterations; k++) {
      for (int i = 0; i < size; i++) {
        specRe[i] = mag[i] * phaseRe[i];
        specIm[i] = mag[i] * phaseIm[i];
      }
      double[] y = Stft.inverse(specRe, specIm, t, length, fft);
      Stft.forward(y, cRe, cIm, fft);
      if (trace != null) {
        trace[k] = convergence(mag, cRe, cIm, norm);
      }
      for (int i = 0; i < size; i++) {
        double ar = cRe[i] - beta * prevRe[i];
        double ai = cIm[i] - beta * prevIm[i];
        double abs = Math.max(Math.sqrt(ar * ar + ai * ai), PHASE_FLOOR);
        phaseRe[i] = ar / abs;
        phaseIm[i] = ai / abs;
      }
      double[] swap = prevRe;
      prevRe = cRe;
      cRe = swap;
      swap = prevIm;
      prevIm = cIm;
      cIm = swap;
    }
    for (int i = 0; i < size; i++) {
      specRe[i] = mag[i] * phaseRe[i];
      specIm[i] = mag[i] * phaseIm[i];
    }
    double[] y = Stft.inverse(specRe, specIm, t, length, fft);
    if (trace != null) {
      Stft.forward(y, cRe, cIm, fft);
      trace[iterations] = convergence(mag, cRe, cIm, norm);
    }
    return y;
  }

  /** ‖S − |c|‖_F / ‖S‖_F. */
  private static double convergence(double[] mag, double[] re, double[] im, double norm) {
    double sum = 0;
    for (int i = 0; i < mag.length; i++) {
      double d = mag[i] - Math.sqrt(re[i] * re[i] + im[i] * im[i]);
      sum += d * d;
    }
    return Math.sqrt(sum) / norm;
  }

  private static double[] frameMajor(Tensor magnitude) {
    Stft.requireSpectrum("GriffinLim", magnitude);
    double[] mag = Stft.fromFrequencyMajor(magnitude);
    for (int i = 0; i < mag.length; i++) {
      if (!Double.isFinite(mag[i]) || mag[i] < 0) {
        throw new NonFiniteException(
            "GriffinLim: magnitude must be finite and >= 0, but element [%d, %d] was %s"
                .formatted(i % Stft.BINS, i / Stft.BINS, mag[i]));
      }
    }
    return mag;
  }

  private static float[] toFloat(double[] y) {
    float[] out = new float[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = (float) y[i];
    }
    return out;
  }
}
