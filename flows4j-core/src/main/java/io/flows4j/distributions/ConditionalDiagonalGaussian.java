package io.flows4j.distributions;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Losses;
import io.flows4j.autodiff.MathOps;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.MLP;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;

/**
 * A diagonal normal whose mean and scale are functions of a context, the conditional base of the
 * VITS / Glow-TTS prior ({@code p(z | c) = N(z; mu(c), sigma(c)^2)}; Kim et al. 2020, "Glow-TTS"):
 *
 * <pre>
 *   (mu, a) = NN(c),   s = a / (1 + |a| / B),   sigma = exp(s),
 *   log p(z | c) = sum_j [-0.5 ((z_j - mu_j) / sigma_j)^2 - s_j - 0.5 log(2 pi)]
 * </pre>
 *
 * <p>The network (child {@code net}) is an {@link MLP} {@code C -> hidden... -> 2D}, its first
 * {@code D} outputs the mean and the other {@code D} the raw log-scale {@code a}. Its last layer
 * starts at zero, so a new distribution is {@code N(0, I)} at every context. The log-scale is
 * soft-clipped to {@code (-B, B)} ({@code B =} {@link #DEFAULT_LOG_SCALE_BOUND} {@code = ln 1000}
 * by default, as the MAF layers' scales), so no context can make the density degenerate or its
 * samples overflow.
 *
 * <p>Sampling is reparameterised, {@code z = mu(c) + T sigma(c) eps}, {@code eps ~ N(0, I)}; {@link
 * #sampleWithLogProb} computes the log-density from {@code eps} directly ({@code sum_j [-0.5
 * eps_j^2 - s_j] - (D/2) log(2 pi)}), and both are differentiable in the parameters and the
 * context. Events are vectors ({@code [D]}).
 */
public final class ConditionalDiagonalGaussian extends Module implements ConditionalDistribution {
  static final String TYPE = "conditional-diagonal-gaussian";

  /** Default bound {@code B} of the soft-clipped log-scale, {@code ln 1000}. */
  public static final double DEFAULT_LOG_SCALE_BOUND = Math.log(1000.0);

  private final int features;
  private final int context;
  private final int[] hidden;
  private final Activation activation;
  private final double logScaleBound;
  private final long seed;
  private final Shape eventShape;
  private final MLP net;

  /**
   * A conditional diagonal Gaussian with a ReLU network and the default log-scale bound.
   *
   * @param features event size {@code D}
   * @param context context features {@code C}
   * @param hidden hidden widths of the network (may be empty: a linear map of the context)
   * @param seed seed of the network's initial weights
   * @throws IllegalArgumentException if a size is not positive
   */
  public ConditionalDiagonalGaussian(int features, int context, int[] hidden, long seed) {
    this(features, context, hidden, Activation.RELU, DEFAULT_LOG_SCALE_BOUND, seed);
  }

  /**
   * A conditional diagonal Gaussian with every setting given.
   *
   * @param features event size {@code D}
   * @param context context features {@code C}
   * @param hidden hidden widths of the network (may be empty)
   * @param activation activation of the hidden layers
   * @param logScaleBound the bound {@code B}, in {@code (0, 80]}
   * @param seed seed of the network's initial weights
   * @throws IllegalArgumentException if a size is not positive or the bound is out of range
   */
  public ConditionalDiagonalGaussian(
      int features,
      int context,
      int[] hidden,
      Activation activation,
      double logScaleBound,
      long seed) {
    String op = "ConditionalDiagonalGaussian";
    this.features = Checks.requirePositive(features, op, "features");
    this.context = Checks.requirePositive(context, op, "context");
    Checks.requireArgument(
        hidden != null && activation != null, "%s: hidden and activation must not be null", op);
    Checks.requireArgument(
        logScaleBound > 0 && logScaleBound <= 80,
        "%s: logScaleBound must be in (0, 80], but was %s",
        op,
        logScaleBound);
    this.hidden = hidden.clone();
    this.activation = activation;
    this.logScaleBound = logScaleBound;
    this.seed = seed;
    this.eventShape = Shape.of(features);
    int[] sizes = new int[this.hidden.length + 2];
    sizes[0] = context;
    System.arraycopy(this.hidden, 0, sizes, 1, this.hidden.length);
    sizes[sizes.length - 1] = 2 * features;
    this.net = registerModule("net", new MLP(sizes, activation, seed, true));
  }

  @Override
  public Shape eventShape() {
    return eventShape;
  }

  @Override
  public int contextFeatures() {
    return context;
  }

  /** The network {@code c -> (mu, a)}. */
  public MLP net() {
    return net;
  }

  /**
   * The mean and the soft-clipped log-scale at each context row.
   *
   * @param c of shape {@code [n, C]}
   * @return {@code {mu, s}}, each of shape {@code [n, D]}
   */
  public Var[] meanAndLogScale(Var c) {
    Var[] parts = ShapeOps.split(net.forward(c), 1, features, features);
    return new Var[] {parts[0], MathOps.softClip(parts[1], (float) logScaleBound)};
  }

  @Override
  public Var logProb(Var z, Var c) {
    String op = "ConditionalDiagonalGaussian.logProb";
    Distributions.requireEvent(op, z, eventShape);
    requireContext(op, c, z.shape().dim(0));
    Var[] p = meanAndLogScale(c);
    return Losses.normalLogProb(z, p[0], p[1]);
  }

  @Override
  public Var sample(int n, Var c, double temperature, Rng rng) {
    String op = "ConditionalDiagonalGaussian.sample";
    Distributions.requireSampleArgs(op, n, temperature);
    requireContext(op, c, n);
    try (Tape t = Tape.noGrad()) {
      Var[] p = meanAndLogScale(c);
      Tensor mu = p[0].value();
      Tensor s = p[1].value();
      boolean one = c.shape().dim(0) == 1;
      Tensor z = Tensor.zeros(n, features);
      for (int i = 0; i < n; i++) {
        int r = one ? 0 : i;
        for (int j = 0; j < features; j++) {
          double std = Math.exp(s.get(r, j));
          z.set((float) (mu.get(r, j) + temperature * std * rng.nextGaussian()), i, j);
        }
      }
      return Var.constant(z);
    }
  }

  @Override
  public Distribution.Sampled sampleWithLogProb(int n, Var c, Rng rng) {
    String op = "ConditionalDiagonalGaussian.sampleWithLogProb";
    Distributions.requireSampleArgs(op, n, 1.0);
    requireContext(op, c, n);
    Var rows = c.shape().dim(0) == n ? c : ShapeOps.gatherRows(c, new int[n]);
    Var[] p = meanAndLogScale(rows);
    Tensor eps = rng.fillNormal(Tensor.zeros(n, features), 0, 1);
    Var z = ArithmeticOps.add(p[0], ArithmeticOps.mul(MathOps.exp(p[1]), Var.constant(eps)));
    Tensor constant = Tensor.zeros(n);
    for (int i = 0; i < n; i++) {
      double sq = 0;
      for (int j = 0; j < features; j++) {
        double e = eps.get(i, j);
        sq += e * e;
      }
      constant.setFlat(i, (float) (-0.5 * sq - features * Losses.HALF_LOG_TWO_PI));
    }
    Var logProb = ArithmeticOps.sub(Var.constant(constant), Reductions.sumRows(p[1]));
    return new Distribution.Sampled(z, logProb);
  }

  private void requireContext(String op, Var c, int rows) {
    Checks.requireArgument(
        c != null,
        "%s: the distribution needs a context of %d features, but none was given",
        op,
        context);
    if (!(c.shape().rank() == 2
        && c.shape().dim(1) == context
        && (c.shape().dim(0) == rows || c.shape().dim(0) == 1))) {
      throw new ShapeMismatchException(
          String.format(
              java.util.Locale.ROOT,
              "%s: context must have shape [%d, %d] or [1, %d], but was %s",
              op,
              rows,
              context,
              context,
              c.shape()));
    }
  }

  @Override
  public Json.Obj spec() {
    return Distributions.spec(TYPE)
        .put("features", features)
        .put("context", context)
        .put("hidden", Json.array(intsJson(hidden)))
        .put("activation", Json.of(activation.name().toLowerCase(java.util.Locale.ROOT)))
        .put("logScaleBound", Json.of(logScaleBound))
        .put("seed", seed)
        .build();
  }

  private static java.util.List<Json> intsJson(int[] values) {
    java.util.List<Json> list = new java.util.ArrayList<>(values.length);
    for (int v : values) {
      list.add(Json.of(v));
    }
    return list;
  }

  static ConditionalDiagonalGaussian fromSpec(Json.Obj spec) {
    String name = spec.getString("activation");
    Activation activation = null;
    for (Activation a : Activation.values()) {
      if (a.name().equalsIgnoreCase(name)) {
        activation = a;
      }
    }
    Checks.requireArgument(
        activation != null,
        "%s: activation must be one of %s, but was '%s'",
        TYPE,
        java.util.Arrays.toString(Activation.values()),
        name);
    return new ConditionalDiagonalGaussian(
        spec.getInt("features"),
        spec.getInt("context"),
        spec.getArray("hidden").toIntArray(),
        activation,
        spec.getDouble("logScaleBound"),
        spec.getLong("seed"));
  }

  @Override
  public String toString() {
    return "ConditionalDiagonalGaussian" + eventShape + " | context [" + context + "]";
  }
}
