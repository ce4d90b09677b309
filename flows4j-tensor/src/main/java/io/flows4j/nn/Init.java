package io.flows4j.nn;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;
import java.util.SplittableRandom;

/** Parameter initialisers, all filling a tensor in place from a seeded generator. */
public final class Init {
  private Init() {}

  /**
   * Fills {@code t} with {@code U(lo, hi)}.
   *
   * @throws IllegalArgumentException unless {@code lo <= hi}, both finite
   */
  public static Tensor uniform(Tensor t, double lo, double hi, SplittableRandom random) {
    Checks.requireArgument(
        Double.isFinite(lo) && Double.isFinite(hi) && lo <= hi,
        "Init.uniform: bounds must be finite with lo <= hi, but were [%s, %s]",
        lo,
        hi);
    for (int i = 0; i < t.size(); i++) {
      t.setFlat(i, (float) (lo + (hi - lo) * random.nextDouble()));
    }
    return t;
  }

  /**
   * Fills {@code t} with {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))}, the default of PyTorch's dense
   * layers for both weight and bias (its Kaiming-uniform with {@code a = sqrt(5)} reduces to this
   * bound).
   *
   * @throws IllegalArgumentException if {@code fanIn < 1}
   */
  public static Tensor uniformFanIn(Tensor t, int fanIn, SplittableRandom random) {
    Checks.requirePositive(fanIn, "Init.uniformFanIn", "fanIn");
    double bound = 1.0 / Math.sqrt(fanIn);
    return uniform(t, -bound, bound, random);
  }

  /**
   * Fills {@code t} with {@code N(mean, std^2)}.
   *
   * @throws IllegalArgumentException unless {@code std >= 0} and both are finite
   */
  public static Tensor normal(Tensor t, double mean, double std, SplittableRandom random) {
    Checks.requireArgument(
        Double.isFinite(mean) && Double.isFinite(std) && std >= 0,
        "Init.normal: mean must be finite and std finite and >= 0, but were %s and %s",
        mean,
        std);
    for (int i = 0; i < t.size(); i++) {
      t.setFlat(i, (float) (mean + std * random.nextGaussian()));
    }
    return t;
  }

  /** Fills {@code t} with zeros. */
  public static Tensor zeros(Tensor t) {
    return t.fill(0f);
  }
}
