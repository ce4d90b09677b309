package io.flows4j.speech.audio;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.NonFiniteException;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;

/**
 * Mel → linear magnitude by non-negative least squares, as the speech kit's {@code mel_to_linear}:
 * for each frame, {@code min_{S ≥ 0} ‖M·S − e^{logmel}‖²}, started from {@code S₀ =
 * max(pinv(M)·e^{logmel}, 1e-8)} and improved by multiplicative updates {@code S ← S ⊙ (Mᵀ·mel) /
 * max(MᵀM·S, 1e-12)} (Lee and Seung, <i>Algorithms for non-negative matrix factorization</i>, NIPS
 * 2000).
 *
 * <p>M has full row rank (80 ≤ 513, condition number 4.5), so {@code pinv(M) = Mᵀ(MMᵀ)⁻¹}; the 80 ×
 * 80 system is solved by a Cholesky factorisation. {@code MᵀM·S} is computed as {@code Mᵀ(M·S)}
 * over M's non-zero entries. Bins that no band covers (0 and 372–512) come out exactly 0.
 */
public final class MelInversion {
  /** The kit's number of multiplicative updates. */
  public static final int DEFAULT_ITERATIONS = 100;

  private static final double START_FLOOR = 1e-8;
  private static final double DENOMINATOR_FLOOR = 1e-12;
  private static final double[][] CHOLESKY = cholesky(MelFilterbank.get().gram());

  private MelInversion() {}

  /**
   * The linear magnitude of a log-mel, with the kit's 100 updates.
   *
   * @param logMel of shape {@code [80, T]}
   * @return a tensor of shape {@code [513, T]}
   * @throws ShapeMismatchException if {@code logMel} is not {@code [80, T]}
   * @throws NonFiniteException if {@code logMel} holds NaN or infinity
   */
  public static Tensor toLinear(Tensor logMel) {
    return toLinear(logMel, DEFAULT_ITERATIONS);
  }

  /**
   * As {@link #toLinear(Tensor)} with {@code iterations} multiplicative updates (0: the clipped
   * pseudo-inverse only).
   *
   * @throws IllegalArgumentException if {@code iterations} is negative
   */
  public static Tensor toLinear(Tensor logMel, int iterations) {
    Checks.requireNonNegative(iterations, "MelInversion.toLinear", "iterations");
    return Stft.toFrequencyMajor(toLinearFrameMajor(logMel, iterations), logMel.dim(1));
  }

  /** The magnitude, frame-major {@code [T][513]}. */
  static double[] toLinearFrameMajor(Tensor logMel, int iterations) {
    if (logMel.rank() != 2 || logMel.dim(0) != LogMel.MELS || logMel.dim(1) < 1) {
      throw new ShapeMismatchException(
          "MelInversion.toLinear: log-mel must have shape [80, T] with T >= 1, but was "
              + logMel.shape());
    }
    int t = logMel.dim(1);
    double[] mel = Stft.fromFrequencyMajor(logMel);
    for (int i = 0; i < mel.length; i++) {
      if (!Double.isFinite(mel[i])) {
        throw new NonFiniteException(
            "MelInversion.toLinear: log-mel must be finite, but element [%d, %d] was %s"
                .formatted(i % LogMel.MELS, i / LogMel.MELS, mel[i]));
      }
      mel[i] = Math.exp(mel[i]);
    }
    MelFilterbank bank = MelFilterbank.get();
    int bins = Stft.BINS;
    double[] s = new double[t * bins];
    double[] target = new double[t * bins];
    double[] u = new double[LogMel.MELS];
    double[] ms = new double[LogMel.MELS];
    double[] denominator = new double[bins];
    for (int f = 0; f < t; f++) {
      int mo = f * LogMel.MELS;
      int so = f * bins;
      System.arraycopy(mel, mo, u, 0, LogMel.MELS);
      choleskySolve(CHOLESKY, u);
      bank.applyTransposed(u, 0, s, so);
      for (int k = 0; k < bins; k++) {
        s[so + k] = Math.max(s[so + k], START_FLOOR);
      }
      bank.applyTransposed(mel, mo, target, so);
      for (int it = 0; it < iterations; it++) {
        bank.apply(s, so, ms, 0);
        bank.applyTransposed(ms, 0, denominator, 0);
        for (int k = 0; k < bins; k++) {
          s[so + k] *= target[so + k] / Math.max(denominator[k], DENOMINATOR_FLOOR);
        }
      }
    }
    return s;
  }

  /** Lower-triangular L with A = L·Lᵀ. */
  static double[][] cholesky(double[][] a) {
    int n = a.length;
    double[][] l = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double sum = a[i][j];
        for (int k = 0; k < j; k++) {
          sum -= l[i][k] * l[j][k];
        }
        if (i == j) {
          if (sum <= 0) {
            throw new ArithmeticException(
                "MelInversion: the Gram matrix M·Mᵀ is not positive definite at row " + i);
          }
          l[i][i] = Math.sqrt(sum);
        } else {
          l[i][j] = sum / l[j][j];
        }
      }
    }
    return l;
  }

  /** Solves L·Lᵀ·x = b in place. */
  static void choleskySolve(double[][] l, double[] b) {
    int n = l.length;
    for (int i = 0; i < n; i++) {
      double sum = b[i];
      for (int k = 0; k < i; k++) {
        sum -= l[i][k] * b[k];
      }
      b[i] = sum / l[i][i];
    }
    for (int i = n - 1; i >= 0; i--) {
      double sum = b[i];
      for (int k = i + 1; k < n; k++) {
        sum -= l[k][i] * b[k];
      }
      b[i] = sum / l[i][i];
    }
  }
}
