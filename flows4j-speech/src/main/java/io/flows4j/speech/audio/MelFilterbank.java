package io.flows4j.speech.audio;

import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The Slaney mel filterbank M of shape {@code [80, 513]} of the speech kit: 80 triangles from 0 to
 * 8000 Hz at 22050 Hz sample rate and n_fft 1024.
 *
 * <p>Slaney mel scale (Slaney, <i>Auditory Toolbox</i>, 1998): {@code mel(f) = f / (200/3)} below
 * 1000 Hz and {@code 15 + 27·ln(f/1000)/ln 6.4} above. 82 edge frequencies f_0..f_81 are equally
 * spaced in mel from mel(0) to mel(8000); band m rises linearly from 0 at f_m to 1 at f_{m+1} and
 * falls to 0 at f_{m+2}, evaluated at the bin frequencies {@code k·22050/1024}, and is scaled by
 * {@code 2/(f_{m+2} − f_m)} (area normalisation). M is sparse (each bin lies in at most two bands),
 * so products with M and M^T run over each band's non-zero bins only.
 */
final class MelFilterbank {
  static final int MELS = 80;
  static final int SAMPLE_RATE = 22050;
  static final double F_MAX = 8000.0;

  private static final MelFilterbank INSTANCE = new MelFilterbank();

  /** Dense [80][513] values. */
  private final double[][] dense;

  /** First non-zero bin of each band, and the band's values from there. */
  private final int[] first;

  private final double[][] values;

  private MelFilterbank() {
    dense = new double[MELS][Stft.BINS];
    double melMax = hzToMel(F_MAX);
    double[] edges = new double[MELS + 2];
    for (int i = 0; i < edges.length; i++) {
      edges[i] = melToHz(melMax * i / (MELS + 1));
    }
    first = new int[MELS];
    values = new double[MELS][];
    for (int m = 0; m < MELS; m++) {
      double left = edges[m];
      double centre = edges[m + 1];
      double right = edges[m + 2];
      double scale = 2.0 / (right - left);
      int lo = -1;
      int hi = -1;
      for (int k = 0; k < Stft.BINS; k++) {
        double f = (double) k * SAMPLE_RATE / Stft.N_FFT;
        double rising = (f - left) / (centre - left);
        double falling = (right - f) / (right - centre);
        double w = Math.max(0, Math.min(rising, falling));
        if (w > 0) {
          dense[m][k] = w * scale;
          if (lo < 0) {
            lo = k;
          }
          hi = k;
        }
      }
      first[m] = lo;
      values[m] = new double[hi - lo + 1];
      for (int k = lo; k <= hi; k++) {
        values[m][k - lo] = dense[m][k];
      }
    }
  }

  static MelFilterbank get() {
    return INSTANCE;
  }

  /** Slaney mel of a frequency in Hz. */
  static double hzToMel(double hz) {
    double linearStep = 200.0 / 3;
    double logStep = Math.log(6.4) / 27.0;
    double minLogMel = 1000.0 / linearStep;
    return hz >= 1000.0 ? minLogMel + Math.log(hz / 1000.0) / logStep : hz / linearStep;
  }

  /** Inverse of {@link #hzToMel}. */
  static double melToHz(double mel) {
    double linearStep = 200.0 / 3;
    double logStep = Math.log(6.4) / 27.0;
    double minLogMel = 1000.0 / linearStep;
    return mel >= minLogMel ? 1000.0 * Math.exp(logStep * (mel - minLogMel)) : linearStep * mel;
  }

  /** M[m][k]. */
  double weight(int m, int k) {
    return dense[m][k];
  }

  /** M as a float tensor of shape {@code [80, 513]}. */
  Tensor toTensor() {
    float[] out = new float[MELS * Stft.BINS];
    for (int m = 0; m < MELS; m++) {
      for (int k = 0; k < Stft.BINS; k++) {
        out[m * Stft.BINS + k] = (float) dense[m][k];
      }
    }
    return Tensor.wrap(out, 0, new Shape(MELS, Stft.BINS));
  }

  /** {@code mel[m] = Σ_k M[m][k]·spectrum[k]} for one frame (offsets into frame-major arrays). */
  void apply(double[] spectrum, int spectrumOffset, double[] mel, int melOffset) {
    for (int m = 0; m < MELS; m++) {
      double[] v = values[m];
      int base = spectrumOffset + first[m];
      double sum = 0;
      for (int j = 0; j < v.length; j++) {
        sum += v[j] * spectrum[base + j];
      }
      mel[melOffset + m] = sum;
    }
  }

  /** {@code spectrum[k] = Σ_m M[m][k]·mel[m]} for one frame (M transposed). */
  void applyTransposed(double[] mel, int melOffset, double[] spectrum, int spectrumOffset) {
    java.util.Arrays.fill(spectrum, spectrumOffset, spectrumOffset + Stft.BINS, 0.0);
    for (int m = 0; m < MELS; m++) {
      double[] v = values[m];
      int base = spectrumOffset + first[m];
      double a = mel[melOffset + m];
      for (int j = 0; j < v.length; j++) {
        spectrum[base + j] += v[j] * a;
      }
    }
  }

  /** The Gram matrix M·M^T, [80][80]. */
  double[][] gram() {
    double[][] g = new double[MELS][MELS];
    for (int a = 0; a < MELS; a++) {
      for (int b = 0; b < MELS; b++) {
        double sum = 0;
        for (int k = 0; k < Stft.BINS; k++) {
          sum += dense[a][k] * dense[b][k];
        }
        g[a][b] = sum;
      }
    }
    return g;
  }
}
