package io.flows4j.tensor;

import java.util.SplittableRandom;

/**
 * A seeded source of random numbers for initialisation, sampling and minibatches, built on {@link
 * SplittableRandom} so that a seed gives the same stream on every JDK. Normal variates use
 * Marsaglia's polar method (Marsaglia and Bray 1964, "A Convenient Method for Generating Normal
 * Variables"), written here rather than taken from the JDK so the stream does not change with the
 * JDK's choice of algorithm.
 *
 * <p>Not thread-safe: give each thread its own instance with {@link #split()}.
 */
public final class Rng {
  private final SplittableRandom random;
  private double spare;
  private boolean hasSpare;

  /** A generator seeded with {@code seed}. */
  public Rng(long seed) {
    this(new SplittableRandom(seed));
  }

  private Rng(SplittableRandom random) {
    this.random = random;
  }

  /** A new, statistically independent generator split off this one (for another thread). */
  public Rng split() {
    return new Rng(random.split());
  }

  /** A uniform double in {@code [0, 1)}. */
  public double nextUniform() {
    return random.nextDouble();
  }

  /**
   * A uniform double in {@code [lo, hi)}.
   *
   * @throws IllegalArgumentException unless {@code lo < hi}, both finite
   */
  public double nextUniform(double lo, double hi) {
    Checks.requireArgument(
        lo < hi && Double.isFinite(hi - lo),
        "Rng.nextUniform: bounds must satisfy lo < hi, both finite, but were [%s, %s)",
        lo,
        hi);
    return lo + (hi - lo) * random.nextDouble();
  }

  /**
   * A uniform int in {@code [0, bound)}.
   *
   * @throws IllegalArgumentException if {@code bound <= 0}
   */
  public int nextInt(int bound) {
    Checks.requirePositive(bound, "Rng.nextInt", "bound");
    return random.nextInt(bound);
  }

  /** A uniform {@code long}. */
  public long nextLong() {
    return random.nextLong();
  }

  /** A standard normal variate (mean 0, variance 1), by Marsaglia's polar method. */
  public double nextGaussian() {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    double u;
    double v;
    double s;
    do {
      u = 2 * random.nextDouble() - 1;
      v = 2 * random.nextDouble() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    double m = Math.sqrt(-2 * Math.log(s) / s);
    spare = v * m;
    hasSpare = true;
    return u * m;
  }

  /**
   * Fills {@code t} with independent normal values of the given mean and standard deviation.
   *
   * @throws IllegalArgumentException if {@code std < 0} or either is not finite
   */
  public Tensor fillNormal(Tensor t, double mean, double std) {
    Checks.requireArgument(
        std >= 0 && Double.isFinite(std) && Double.isFinite(mean),
        "Rng.fillNormal: mean must be finite and std finite and >= 0, but were %s and %s",
        mean,
        std);
    float[] d = t.data();
    int o = t.offset();
    for (int i = 0; i < t.size(); i++) {
      d[o + i] = (float) (mean + std * nextGaussian());
    }
    return t;
  }

  /**
   * Fills {@code t} with independent uniform values in {@code [lo, hi)} (after rounding to float, a
   * value may equal {@code hi} when the interval is tiny).
   *
   * @throws IllegalArgumentException unless {@code lo < hi}, both finite
   */
  public Tensor fillUniform(Tensor t, double lo, double hi) {
    Checks.requireArgument(
        lo < hi && Double.isFinite(hi - lo),
        "Rng.fillUniform: bounds must satisfy lo < hi, both finite, but were [%s, %s)",
        lo,
        hi);
    float[] d = t.data();
    int o = t.offset();
    double w = hi - lo;
    for (int i = 0; i < t.size(); i++) {
      d[o + i] = (float) (lo + w * random.nextDouble());
    }
    return t;
  }

  /**
   * {@code count} independent uniform indices in {@code [0, bound)}: a minibatch drawn with
   * replacement.
   *
   * @throws IllegalArgumentException if {@code count < 0} or {@code bound <= 0}
   */
  public int[] indices(int count, int bound) {
    Checks.requireNonNegative(count, "Rng.indices", "count");
    Checks.requirePositive(bound, "Rng.indices", "bound");
    int[] idx = new int[count];
    for (int i = 0; i < count; i++) {
      idx[i] = random.nextInt(bound);
    }
    return idx;
  }

  /**
   * A uniformly random permutation of {@code 0 .. n-1} (Fisher–Yates).
   *
   * @throws IllegalArgumentException if {@code n < 0}
   */
  public int[] permutation(int n) {
    Checks.requireNonNegative(n, "Rng.permutation", "n");
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
