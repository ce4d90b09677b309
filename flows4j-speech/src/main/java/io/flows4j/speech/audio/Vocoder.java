package io.flows4j.speech.audio;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.util.Objects;

/**
 * Turns a log-mel into a waveform: {@link MelInversion} (NNLS, 100 updates) to a linear magnitude
 * {@code [513, T]}, then {@link GriffinLim} to {@code (T − 1)·256} samples at 22050 Hz, scaled down
 * to a peak of 0.999 only if it would otherwise clip (as the kit's {@code melspec.py gl}).
 */
public final class Vocoder {
  /** The kit's default Griffin-Lim iterations. */
  public static final int DEFAULT_ITERATIONS = 32;

  private static final double PEAK = 0.999;

  private Vocoder() {}

  /**
   * Fast (or classic) Griffin-Lim vocoding of a log-mel from a random initial phase.
   *
   * @param logMel of shape {@code [80, T]}, natural-log mel magnitudes
   * @param iterations Griffin-Lim iterations K ≥ 0 (kit default 32)
   * @param momentum 0.99 fast (default), 0 classic; in [0, 1)
   * @param rng the source of the initial phase (seeded: the output is reproducible)
   * @return {@code (T − 1)·256} samples in [−1, 1]
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code logMel} is not {@code [80, T]}
   * @throws IllegalArgumentException if {@code iterations < 0} or momentum is outside [0, 1)
   * @throws io.flows4j.tensor.NonFiniteException if {@code logMel} holds NaN or infinity
   */
  public static float[] griffinLim(Tensor logMel, int iterations, double momentum, Rng rng) {
    Objects.requireNonNull(rng, "Vocoder.griffinLim: rng");
    return synthesize(logMel, iterations, momentum, rng);
  }

  /** As {@link #griffinLim} from the zero-phase start (deterministic). */
  public static float[] griffinLimFromZeroPhase(Tensor logMel, int iterations, double momentum) {
    return synthesize(logMel, iterations, momentum, null);
  }

  private static float[] synthesize(Tensor logMel, int iterations, double momentum, Rng rng) {
    Checks.requireNonNegative(iterations, "Vocoder.griffinLim", "iterations");
    int t = logMel.rank() == 2 ? logMel.dim(1) : 0;
    double[] mag = MelInversion.toLinearFrameMajor(logMel, MelInversion.DEFAULT_ITERATIONS);
    double[] y = GriffinLim.run(mag, t, (t - 1) * Stft.HOP, iterations, momentum, rng);
    double peak = 0;
    for (double v : y) {
      peak = Math.max(peak, Math.abs(v));
    }
    double scale = peak > PEAK ? PEAK / peak : 1.0;
    float[] out = new float[y.length];
    for (int i = 0; i < y.length; i++) {
      out[i] = (float) (y[i] * scale);
    }
    return out;
  }
}
