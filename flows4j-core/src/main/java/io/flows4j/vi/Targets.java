package io.flows4j.vi;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.MathOps;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The built-in targets and their registry by name ({@link #NAMES}, {@link #byName}).
 *
 * <p>The 2-D energies U1 to U4 are those of Rezende and Mohamed, "Variational Inference with
 * Normalizing Flows" (ICML 2015), Table 1, with {@code w1(z) = sin(2 pi z1 / 4)}, {@code w2(z) = 3
 * exp(-((z1 - 1) / 0.6)^2 / 2)}, {@code w3(z) = 3 sigmoid((z1 - 1) / 0.3)}:
 *
 * <pre>
 * U1(z) = ((|z| - 2) / 0.4)^2 / 2 - log(exp(-((z1 - 2) / 0.6)^2 / 2) + exp(-((z1 + 2) / 0.6)^2 / 2))
 * U2(z) = ((z2 - w1) / 0.4)^2 / 2
 * U3(z) = -log(exp(-((z2 - w1) / 0.35)^2 / 2) + exp(-((z2 - w1 + w2) / 0.35)^2 / 2))
 * U4(z) = -log(exp(-((z2 - w1) / 0.4)^2 / 2) + exp(-((z2 - w1 + w3) / 0.35)^2 / 2))
 * </pre>
 *
 * The sums of two exponentials are computed as a stable log-sum-exp. Their {@code log Z} is that of
 * {@code exp(-U)} restricted to the box {@code [-6, 6]^2} (midpoint rule on a 4000 x 4000 grid,
 * {@code shared/data/vi/logZ.json}): U1 has negligible mass outside the box, but U2 to U4 do not
 * decay along {@code z1} and are not normalizable on the plane, so a KL against them is a KL to the
 * box-restricted target and means something only when the flow puts (almost) no mass outside the
 * box.
 */
public final class Targets {
  /** The names of the built-in targets, in the order the command line lists them. */
  public static final List<String> NAMES =
      List.of("U1", "U2", "U3", "U4", "banana", "funnel", "mixture");

  /** {@code log Z} of U1 on {@code [-6, 6]^2}, from {@code shared/data/vi/logZ.json}. */
  public static final double LOG_Z_U1 = 1.8775016261097086;

  /** {@code log Z} of U2 on {@code [-6, 6]^2}: {@code log(12 * 0.4 sqrt(2 pi))}. */
  public static final double LOG_Z_U2 = 2.4875544511185073;

  /** {@code log Z} of U3 on {@code [-6, 6]^2}, from {@code shared/data/vi/logZ.json}. */
  public static final double LOG_Z_U3 = 3.04717023905393;

  /** {@code log Z} of U4 on {@code [-6, 6]^2}, from {@code shared/data/vi/logZ.json}. */
  public static final double LOG_Z_U4 = 3.1161631104636296;

  /** Spread of {@code x1} in {@link #banana()}. */
  static final double BANANA_SCALE = 2;

  /** Curvature {@code b} of {@link #banana()}. */
  static final double BANANA_CURVATURE = 0.25;

  /** Standard deviation of {@code v} in {@link #funnel(int)}. */
  static final double FUNNEL_SCALE = 3;

  /** Component standard deviation of the built-in {@link #mixture()}. */
  static final double MIXTURE_STD = 0.6;

  private static final double LOG_2PI = Math.log(2 * Math.PI);

  private Targets() {}

  /**
   * The built-in target of the given name, ignoring case: {@code U1}..{@code U4}, {@code banana},
   * {@code funnel} (2-D), {@code mixture}.
   *
   * @throws IllegalArgumentException listing the names if there is none of that name
   */
  public static Target byName(String name) {
    String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    return switch (key) {
      case "u1" -> u1();
      case "u2" -> u2();
      case "u3" -> u3();
      case "u4" -> u4();
      case "banana" -> banana();
      case "funnel" -> funnel(2);
      case "mixture" -> mixture();
      default ->
          throw new IllegalArgumentException(
              "target: must be one of " + String.join(", ", NAMES) + ", but was '" + name + "'");
    };
  }

  /** U1, a ring split in two (see the class comment); {@code log Z} = {@link #LOG_Z_U1}. */
  public static Target u1() {
    return new FormulaTarget(
        "U1",
        2,
        OptionalDouble.of(LOG_Z_U1),
        "U1(z) = ((|z| - 2)/0.4)^2/2 - log(exp(-((z1 - 2)/0.6)^2/2) + exp(-((z1 + 2)/0.6)^2/2))",
        x -> {
          Var[] z = columns(x);
          Var r = MathOps.sqrt(ArithmeticOps.add(MathOps.square(z[0]), MathOps.square(z[1])));
          Var ring = halfSquare(ArithmeticOps.addScalar(r, -2f), 0.4);
          Var left = halfSquare(ArithmeticOps.addScalar(z[0], -2f), 0.6);
          Var right = halfSquare(ArithmeticOps.addScalar(z[0], 2f), 0.6);
          Var modes = logAddExp(ArithmeticOps.neg(left), ArithmeticOps.neg(right));
          return ArithmeticOps.sub(modes, flat(ring));
        });
  }

  /** U2, a sine-shaped ridge (see the class comment); {@code log Z} = {@link #LOG_Z_U2}. */
  public static Target u2() {
    return new FormulaTarget(
        "U2",
        2,
        OptionalDouble.of(LOG_Z_U2),
        "U2(z) = ((z2 - w1(z))/0.4)^2/2, w1(z) = sin(2 pi z1/4)",
        x -> {
          Var[] z = columns(x);
          return flat(ArithmeticOps.neg(halfSquare(ArithmeticOps.sub(z[1], w1(z[0])), 0.4)));
        });
  }

  /** U3, two ridges that part near {@code z1 = 1}; {@code log Z} = {@link #LOG_Z_U3}. */
  public static Target u3() {
    return new FormulaTarget(
        "U3",
        2,
        OptionalDouble.of(LOG_Z_U3),
        "U3(z) = -log(exp(-((z2 - w1)/0.35)^2/2) + exp(-((z2 - w1 + w2)/0.35)^2/2)), w2(z) = 3"
            + " exp(-((z1 - 1)/0.6)^2/2)",
        x -> {
          Var[] z = columns(x);
          Var d = ArithmeticOps.sub(z[1], w1(z[0]));
          Var w2 = ArithmeticOps.scale(MathOps.exp(ArithmeticOps.neg(shifted(z[0], 0.6))), 3f);
          Var a = halfSquare(d, 0.35);
          Var b = halfSquare(ArithmeticOps.add(d, w2), 0.35);
          return logAddExp(ArithmeticOps.neg(a), ArithmeticOps.neg(b));
        });
  }

  /** U4, two ridges joined by a step; {@code log Z} = {@link #LOG_Z_U4}. */
  public static Target u4() {
    return new FormulaTarget(
        "U4",
        2,
        OptionalDouble.of(LOG_Z_U4),
        "U4(z) = -log(exp(-((z2 - w1)/0.4)^2/2) + exp(-((z2 - w1 + w3)/0.35)^2/2)), w3(z) = 3"
            + " sigmoid((z1 - 1)/0.3)",
        x -> {
          Var[] z = columns(x);
          Var d = ArithmeticOps.sub(z[1], w1(z[0]));
          Var w3 =
              ArithmeticOps.scale(
                  MathOps.sigmoid(
                      ArithmeticOps.scale(ArithmeticOps.addScalar(z[0], -1f), 1 / 0.3f)),
                  3f);
          Var a = halfSquare(d, 0.4);
          Var b = halfSquare(ArithmeticOps.add(d, w3), 0.35);
          return logAddExp(ArithmeticOps.neg(a), ArithmeticOps.neg(b));
        });
  }

  /**
   * A banana: {@code x1 ~ N(0, 2^2)} and {@code x2 | x1 ~ N(b (x1^2 - 4), 1)} with {@code b = 1/4},
   * so {@code U(x) = x1^2 / 8 + (x2 - x1^2 / 4 + 1)^2 / 2}. As a product of two normalized Gaussian
   * factors without their constants, {@code Z = (2 sqrt(2 pi)) (sqrt(2 pi)) = 4 pi} exactly: {@code
   * log Z = log(4 pi)}. Its mean is 0 ({@code E[x2] = b (E[x1^2] - 4) = 0}).
   */
  public static Target banana() {
    double a = BANANA_SCALE;
    double b = BANANA_CURVATURE;
    return new FormulaTarget(
        "banana",
        2,
        OptionalDouble.of(Math.log(2 * Math.PI * a)),
        "U(x) = x1^2/8 + (x2 - x1^2/4 + 1)^2/2",
        x -> {
          Var[] z = columns(x);
          Var first = halfSquare(z[0], a);
          Var bend =
              ArithmeticOps.addScalar(
                  ArithmeticOps.scale(MathOps.square(z[0]), (float) b), (float) (-b * a * a));
          Var second = halfSquare(ArithmeticOps.sub(z[1], bend), 1);
          return flat(ArithmeticOps.neg(ArithmeticOps.add(first, second)));
        });
  }

  /**
   * Neal's funnel (Neal, "Slice sampling", Annals of Statistics 2003) in {@code D} dimensions:
   * {@code v ~ N(0, 3^2)} and {@code x_i | v ~ N(0, exp(v))} for {@code i = 1..D-1}, with {@code x
   * = (v, x_1, ..., x_{D-1})}:
   *
   * <pre>
   * U(x) = v^2 / 18 + exp(-v) sum_i x_i^2 / 2 + (D - 1) v / 2
   * </pre>
   *
   * The last term is the conditional's normalizer, kept so that {@code Z} is exact: {@code log Z =
   * log(3 sqrt(2 pi)) + (D - 1) log(2 pi) / 2}.
   *
   * @throws IllegalArgumentException if {@code dimension < 2}
   */
  public static Target funnel(int dimension) {
    Checks.requireArgument(dimension >= 2, "funnel: dimension must be >= 2, but was %d", dimension);
    int rest = dimension - 1;
    double logZ = Math.log(FUNNEL_SCALE) + 0.5 * LOG_2PI + 0.5 * rest * LOG_2PI;
    return new FormulaTarget(
        dimension == 2 ? "funnel" : "funnel" + dimension,
        dimension,
        OptionalDouble.of(logZ),
        "U(x) = v^2/18 + exp(-v) sum_i x_i^2/2 + (D - 1) v/2, x = (v, x_1..x_{D-1}), D = "
            + dimension,
        x -> {
          Var[] parts = ShapeOps.split(x, 1, 1, rest);
          Var v = parts[0];
          Var spread =
              ArithmeticOps.mul(
                  ShapeOps.reshape(Reductions.sumRows(MathOps.square(parts[1])), -1, 1),
                  MathOps.exp(ArithmeticOps.neg(v)));
          Var u =
              ArithmeticOps.add(
                  ArithmeticOps.add(halfSquare(v, FUNNEL_SCALE), ArithmeticOps.scale(spread, 0.5f)),
                  ArithmeticOps.scale(v, 0.5f * rest));
          return flat(ArithmeticOps.neg(u));
        });
  }

  /**
   * The built-in mixture: four isotropic Gaussians of standard deviation 0.6 at {@code (-2, -2)},
   * {@code (2, -2)}, {@code (-2, 2)}, {@code (2, 2)} with weights 0.1, 0.2, 0.3, 0.4 (see {@link
   * #gaussianMixture}).
   */
  public static Target mixture() {
    return gaussianMixture(
        "mixture",
        new double[][] {{-2, -2}, {2, -2}, {-2, 2}, {2, 2}},
        new double[] {0.1, 0.2, 0.3, 0.4},
        MIXTURE_STD);
  }

  /**
   * A mixture of isotropic Gaussians without their normalizing constants: {@code p~(x) = sum_k w_k
   * exp(-|x - mu_k|^2 / (2 s^2))}, computed as a log-sum-exp over the components, so {@code log Z =
   * log(sum_k w_k) + (D / 2) log(2 pi s^2)} exactly.
   *
   * @param means the component means, each of length {@code D}
   * @param weights positive weights, one per component (they need not sum to 1)
   * @param std the components' standard deviation {@code s > 0}
   * @throws IllegalArgumentException if there are no components, the lengths disagree, a weight is
   *     not positive and finite or {@code std} is not positive and finite
   */
  public static Target gaussianMixture(
      String name, double[][] means, double[] weights, double std) {
    Checks.requireArgument(means.length >= 1, "gaussianMixture: needs at least one component");
    Checks.requireArgument(
        weights.length == means.length,
        "gaussianMixture: weights must have one entry per component (%d), but has %d",
        means.length,
        weights.length);
    Checks.requireArgument(
        std > 0 && Double.isFinite(std),
        "gaussianMixture: std must be finite and > 0, but was %s",
        std);
    int d = means[0].length;
    Checks.requireArgument(d >= 1, "gaussianMixture: means must not be empty");
    double weightSum = 0;
    Tensor[] mu = new Tensor[means.length];
    float[] logWeights = new float[means.length];
    for (int k = 0; k < means.length; k++) {
      Checks.requireArgument(
          means[k].length == d,
          "gaussianMixture: every mean must have length %d, but mean %d has %d",
          d,
          k,
          means[k].length);
      Checks.requireArgument(
          weights[k] > 0 && Double.isFinite(weights[k]),
          "gaussianMixture: weights must be finite and > 0, but weight %d was %s",
          k,
          weights[k]);
      weightSum += weights[k];
      float[] m = new float[d];
      for (int j = 0; j < d; j++) {
        m[j] = (float) means[k][j];
      }
      mu[k] = Tensor.of(m, d);
      logWeights[k] = (float) Math.log(weights[k]);
    }
    double logZ = Math.log(weightSum) + 0.5 * d * Math.log(2 * Math.PI * std * std);
    float c = (float) (-0.5 / (std * std));
    return new FormulaTarget(
        name,
        d,
        OptionalDouble.of(logZ),
        String.format(
            Locale.ROOT,
            "p(x) = sum_k w_k exp(-|x - mu_k|^2/(2 s^2)), %d components, s = %s",
            means.length,
            std),
        x -> {
          Var[] terms = new Var[mu.length];
          for (int k = 0; k < mu.length; k++) {
            Var sq = Reductions.sumRows(MathOps.square(ArithmeticOps.sub(x, Var.constant(mu[k]))));
            terms[k] =
                ShapeOps.reshape(
                    ArithmeticOps.addScalar(ArithmeticOps.scale(sq, c), logWeights[k]), -1, 1);
          }
          return mu.length == 1 ? flat(terms[0]) : Reductions.logSumExp(ShapeOps.concat(1, terms));
        });
  }

  /**
   * An axis-aligned Gaussian without its normalizing constant, {@code log p~(x) = -sum_j (x_j -
   * mu_j)^2 / (2 s_j^2)}, so {@code log Z = sum_j log(s_j sqrt(2 pi))} exactly. For tests and
   * examples (not in the registry).
   *
   * @throws IllegalArgumentException if the arrays are empty or of different lengths, or a standard
   *     deviation is not positive and finite
   */
  public static Target gaussian(double[] mean, double[] std) {
    Checks.requireArgument(mean.length >= 1, "gaussian: mean must not be empty");
    Checks.requireArgument(
        std.length == mean.length,
        "gaussian: std must have the mean's length %d, but has %d",
        mean.length,
        std.length);
    int d = mean.length;
    float[] m = new float[d];
    float[] inv = new float[d];
    double logZ = 0;
    for (int j = 0; j < d; j++) {
      Checks.requireArgument(
          std[j] > 0 && Double.isFinite(std[j]),
          "gaussian: std must be finite and > 0, but std[%d] was %s",
          j,
          std[j]);
      m[j] = (float) mean[j];
      inv[j] = (float) (1 / std[j]);
      logZ += Math.log(std[j]) + 0.5 * LOG_2PI;
    }
    Tensor mu = Tensor.of(m, d);
    Tensor precision = Tensor.of(inv, d);
    return new FormulaTarget(
        "gaussian",
        d,
        OptionalDouble.of(logZ),
        "U(x) = sum_j (x_j - mu_j)^2/(2 s_j^2), D = " + d,
        x -> {
          Var t =
              ArithmeticOps.mul(ArithmeticOps.sub(x, Var.constant(mu)), Var.constant(precision));
          return ArithmeticOps.scale(Reductions.sumRows(MathOps.square(t)), -0.5f);
        });
  }

  /** The two columns of {@code x} of shape {@code [batch, 2]}, each {@code [batch, 1]}. */
  private static Var[] columns(Var x) {
    return ShapeOps.split(x, 1, 1, 1);
  }

  /** {@code w1(z) = sin(2 pi z1 / 4)}. */
  private static Var w1(Var z1) {
    return MathOps.sin(ArithmeticOps.scale(z1, (float) (Math.PI / 2)));
  }

  /** {@code (t / s)^2 / 2}. */
  private static Var halfSquare(Var t, double s) {
    return ArithmeticOps.scale(MathOps.square(t), (float) (0.5 / (s * s)));
  }

  /** {@code ((z1 - 1) / s)^2 / 2}. */
  private static Var shifted(Var z1, double s) {
    return halfSquare(ArithmeticOps.addScalar(z1, -1f), s);
  }

  /** {@code log(exp(a) + exp(b))} of two {@code [batch, 1]} columns, stable, as {@code [batch]}. */
  private static Var logAddExp(Var a, Var b) {
    return Reductions.logSumExp(ShapeOps.concat(1, a, b));
  }

  /** A {@code [batch, 1]} column as {@code [batch]}. */
  private static Var flat(Var column) {
    return ShapeOps.reshape(column, -1);
  }
}
