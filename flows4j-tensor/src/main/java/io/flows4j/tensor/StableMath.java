package io.flows4j.tensor;

/**
 * The one home of numerically stable scalar formulas. Everything that needs {@code log(1 +
 * exp(x))}, a log-sigmoid or a log-sum-exp calls these, never a hand-written naive form.
 */
public final class StableMath {
  private StableMath() {}

  /** {@code log(1 + exp(x))} without overflow for large {@code x} or loss for very negative. */
  public static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }

  /** Same as {@link #softplus}; the name used where the expression is read as log1p(exp(x)). */
  public static double log1pExp(double x) {
    return softplus(x);
  }

  /** {@code 1 / (1 + exp(-x))}, exact at both tails. */
  public static double sigmoid(double x) {
    if (x >= 0) {
      return 1.0 / (1.0 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1.0 + e);
  }

  /** {@code log(sigmoid(x)) = -softplus(-x)}. */
  public static double logSigmoid(double x) {
    return -softplus(-x);
  }

  /** {@code log(exp(a) + exp(b))}. */
  public static double logAddExp(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY) {
      return b;
    }
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    double m = Math.max(a, b);
    return m + Math.log1p(Math.exp(-Math.abs(a - b)));
  }
}
