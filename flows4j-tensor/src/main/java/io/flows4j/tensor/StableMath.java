package io.flows4j.tensor;

/**
 * The one home of numerically stable scalar formulas. Everything that needs {@code log(1 +
 * exp(x))}, a log-sigmoid or a log-sum-exp calls these, never a hand-written naive form.
 */
public final class StableMath {
  private static final double LN2 = Math.log(2);

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

  /**
   * {@code log(1 - exp(x))} for {@code x <= 0}, accurate near both ends: {@code log(-expm1(x))}
   * when {@code x > -ln 2} and {@code log1p(-exp(x))} otherwise (Mächler 2012, "Accurately
   * Computing log(1 - exp(-|a|))").
   *
   * @return the value; {@code -inf} at {@code x = 0}, NaN for {@code x > 0} or NaN
   */
  public static double log1mExp(double x) {
    if (x > 0 || Double.isNaN(x)) {
      return Double.NaN;
    }
    return x > -LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
  }

  /**
   * {@code log(exp(a) - exp(b))} for {@code a >= b}, as {@code a + log1mExp(b - a)}.
   *
   * @return the value; {@code -inf} when {@code a == b}, NaN when {@code a < b}
   */
  public static double logSubExp(double a, double b) {
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    return a + log1mExp(b - a);
  }

  /**
   * The inverse of {@link #softplus}: {@code x = log(exp(y) - 1) = y + log(1 - exp(-y))} for {@code
   * y > 0}, without overflow for large {@code y}.
   *
   * @return the value; {@code -inf} at {@code y = 0}, NaN for {@code y < 0}
   */
  public static double softplusInverse(double y) {
    return y + log1mExp(-y);
  }

  /**
   * {@code log(sum_i exp(x_i))} over {@code x[offset, offset + length)}, shifted by the maximum so
   * no term overflows; the sum is accumulated in double.
   *
   * @return {@code -inf} for an empty range or when every element is {@code -inf}; {@code +inf} if
   *     some element is {@code +inf}; NaN if some element is NaN
   */
  public static double logSumExp(float[] x, int offset, int length) {
    return logSumExp(x, offset, length, 1);
  }

  /**
   * {@code log(sum_k exp(x[offset + k * stride]))} for {@code k} in {@code [0, length)}: the
   * strided form of {@link #logSumExp(float[], int, int)}, for reductions along an inner axis.
   */
  public static double logSumExp(float[] x, int offset, int length, int stride) {
    double m = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < length; k++) {
      float v = x[offset + k * stride];
      if (Float.isNaN(v)) {
        return Double.NaN;
      }
      m = Math.max(m, v);
    }
    if (Double.isInfinite(m)) {
      return m;
    }
    double s = 0;
    for (int k = 0; k < length; k++) {
      s += Math.exp(x[offset + k * stride] - m);
    }
    return m + Math.log(s);
  }

  /**
   * {@code log(sum_i exp(x_i))}, shifted by the maximum so no term overflows.
   *
   * @return {@code -inf} for no arguments or when every element is {@code -inf}; {@code +inf} if
   *     some element is {@code +inf}; NaN if some element is NaN
   */
  public static double logSumExp(double... x) {
    double m = Double.NEGATIVE_INFINITY;
    for (double v : x) {
      if (Double.isNaN(v)) {
        return Double.NaN;
      }
      m = Math.max(m, v);
    }
    if (Double.isInfinite(m)) {
      return m;
    }
    double s = 0;
    for (double v : x) {
      s += Math.exp(v - m);
    }
    return m + Math.log(s);
  }

  /**
   * The real roots of {@code a x^2 + b x + c = 0}, in ascending order, computed without
   * cancellation: with {@code q = -(b + sign(b) sqrt(b^2 - 4ac)) / 2} the roots are {@code q / a}
   * and {@code c / q} (Press et al., Numerical Recipes, section 5.6), and the discriminant is
   * formed with fused multiply-adds so that nearly equal roots keep their accuracy (Kahan 2004, "On
   * the Cost of Floating-Point Computation Without Extra-Precise Arithmetic").
   *
   * <p>When {@code a == 0} the equation is linear and its one root {@code -c / b} is returned. A
   * double root is returned once.
   *
   * @return zero, one or two roots, ascending; empty if there is no real root, or if {@code a == b
   *     == 0} (no root, or every x when also {@code c == 0})
   */
  public static double[] solveQuadratic(double a, double b, double c) {
    if (a == 0) {
      return b == 0 ? new double[0] : new double[] {-c / b};
    }
    double d = discriminant(a, b, c);
    if (d < 0 || Double.isNaN(d)) {
      return new double[0];
    }
    if (d == 0) {
      // + 0.0 turns a root of -0.0 into 0.0
      return new double[] {-b / (2 * a) + 0.0};
    }
    double q = -0.5 * (b + Math.copySign(Math.sqrt(d), b));
    double r1 = q / a;
    double r2 = c / q;
    return r1 <= r2 ? new double[] {r1, r2} : new double[] {r2, r1};
  }

  /** {@code b^2 - 4ac} with the rounding errors of both products recovered by FMA. */
  private static double discriminant(double a, double b, double c) {
    double p = b * b;
    double dp = Math.fma(b, b, -p);
    double q = 4 * a * c;
    double dq = Math.fma(4 * a, c, -q);
    return (p - q) + (dp - dq);
  }
}
