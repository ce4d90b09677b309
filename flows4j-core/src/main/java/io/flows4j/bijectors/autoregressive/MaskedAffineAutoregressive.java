package io.flows4j.bijectors.autoregressive;

import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.MADE;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.kernels.Activation;
import java.util.Arrays;
import java.util.Locale;

/**
 * A masked autoregressive flow layer, MAF (Papamakarios, Pavlakou and Murray 2017, "Masked
 * Autoregressive Flow for Density Estimation"): an affine transform of each feature whose shift and
 * log-scale are computed by a {@link MADE} from the features that come before it in an
 * autoregressive order.
 *
 * <p><b>Forward</b> (data to latent, the density direction), one conditioner pass:
 *
 * <pre>
 *   (mu, a) = MADE(x),  s_i = a_i / (1 + |a_i| / B),
 *   z_i = (x_i - mu_i(x_&lt;i)) exp(-s_i(x_&lt;i)),   log|det dz/dx| = -sum_i s_i.
 * </pre>
 *
 * <p><b>Inverse</b> (latent to data, sampling), {@code D} sequential conditioner passes: {@code x_i
 * = z_i exp(s_i(x_<i)) + mu_i(x_<i)}. Starting from {@code x = 0}, pass {@code k} recomputes every
 * feature from the conditioner applied to the previous pass's {@code x}; the feature that comes
 * {@code k}-th only depends on features already final, so after {@code D} passes all are exact (no
 * iteration to a tolerance). Masked weights are exact zeros, so the not-yet-final features of
 * intermediate passes do not reach the final result, and the recorded passes differentiate to the
 * derivative of the exact inverse.
 *
 * <p><b>Bounded log-scale.</b> The log-scale is soft-clipped to {@code (-B, B)}, {@code B =} {@link
 * #DEFAULT_LOG_SCALE_BOUND} {@code = ln 1000} by default, so every layer's slope lies in {@code
 * (1e-3, 1e3)}: {@code exp} cannot overflow, a single bad step cannot send the loss to infinity,
 * and the sampling pass cannot amplify a latent value by more than {@code 1e3} per feature. The
 * soft clip {@code a / (1 + |a| / B)} is nearly the identity for {@code |a| << B} and its
 * derivative decays only as {@code 1 / a^2}, so a saturated scale still learns (a {@code tanh} clip
 * would vanish exponentially).
 *
 * <p><b>Parameters.</b> Those of the MADE, a child named {@code made}: with {@code D} features,
 * hidden widths {@code H1, H2} and 2 outputs per feature, {@code (D H1 + H1) + (H1 H2 + H2) + (2D
 * H2 + 2D)}; 4,612 for {@code D = 2, H = 64, 64}, so 5 layers hold the 23,060 of BENCHMARKS.md.
 * Masked entries are counted, as the PyTorch libraries count them. The MADE's output layer starts
 * at zero by default, so the layer starts at the identity.
 *
 * <p><b>Order.</b> {@code order[k]} is the feature that comes {@code k}-th; it is the MADE's input
 * order (degrees), so reversing it between layers costs no permutation op and no parameter. The
 * Jacobian {@code dz/dx} is triangular in that order.
 *
 * <p>The inverse autoregressive flow (IAF) is this layer seen the other way round, {@link
 * Builder#buildInverse()}.
 *
 * <p><b>Context.</b> Built with {@link Builder#context(int) context(C)}, the layer is a {@link
 * ConditionalBijector}: the context {@code c} of shape {@code [batch, C]} (or {@code [1, C]} for
 * the whole batch) enters the MADE's first layer unmasked, so every feature's shift and scale
 * depend on it, {@code (mu, a) = MADE(x, c)}. Such a layer is used through {@link #forward(Var,
 * Var)} or {@link #given(Var)}; its context-free {@link #forward(Var)} refuses to run.
 */
public final class MaskedAffineAutoregressive extends Module
    implements Bijector, ConditionalBijector {
  /** The type name in specs and model files. */
  public static final String TYPE = "masked-affine-autoregressive";

  /**
   * Default bound {@code B} of the soft-clipped log-scale, {@code ln 1000}: slopes between {@code
   * 1e-3} and {@code 1e3} per layer, the same minimum slope as the spline layers' minimum
   * derivative.
   */
  public static final double DEFAULT_LOG_SCALE_BOUND = Math.log(1000.0);

  /** Outputs of the conditioner per feature: shift and log-scale. */
  static final int PARAMS_PER_FEATURE = 2;

  private final int features;
  private final int[] order;
  private final int[] hidden;
  private final Activation activation;
  private final MADE.HiddenDegrees hiddenDegrees;
  private final long seed;
  private final double logScaleBound;
  private final float bound;
  private final int context;
  private final MADE made;

  private MaskedAffineAutoregressive(Builder b) {
    this.features = b.features;
    this.order = b.order == null ? naturalOrder(features) : b.order.clone();
    checkOrder(order, features);
    this.hidden = b.hidden.clone();
    this.activation = b.activation;
    this.hiddenDegrees = b.hiddenDegrees;
    this.seed = b.seed;
    this.logScaleBound = b.logScaleBound;
    this.bound = (float) logScaleBound;
    this.context = b.context;
    int[] degrees = new int[features];
    for (int k = 0; k < features; k++) {
      degrees[order[k]] = k + 1;
    }
    this.made =
        registerModule(
            "made",
            MADE.builder(features, PARAMS_PER_FEATURE)
                .hidden(hidden)
                .activation(activation)
                .inputDegrees(degrees)
                .hiddenDegrees(hiddenDegrees)
                .seed(seed)
                .context(context)
                .zeroOutput(b.identityInit)
                .build());
  }

  /**
   * Starts building a layer on {@code features} features (defaults: hidden {@code 64, 64}, ReLU,
   * natural order, cyclic hidden degrees, seed 0, log-scale bound {@link #DEFAULT_LOG_SCALE_BOUND},
   * identity at initialisation).
   *
   * @throws IllegalArgumentException if {@code features < 1}
   */
  public static Builder builder(int features) {
    return new Builder(features);
  }

  /** Number of features {@code D}. */
  public int features() {
    return features;
  }

  /** The autoregressive order: element {@code k} is the feature that comes {@code k}-th. */
  public int[] order() {
    return order.clone();
  }

  /** The conditioner. */
  public MADE made() {
    return made;
  }

  /**
   * Data to latent in one conditioner pass; see the class comment.
   *
   * @param x of shape {@code [batch, features]}
   * @return {@code z} of shape {@code [batch, features]} and {@code log|det dz/dx|} of shape {@code
   *     [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not {@code [batch, features]}
   */
  @Override
  public Transformed forward(Var x) {
    requireNoContext("forward");
    return forward(x, null);
  }

  /**
   * Data to latent at a context, in one conditioner pass.
   *
   * @param x of shape {@code [batch, features]}
   * @param context of shape {@code [batch, C]} or {@code [1, C]}; {@code null} for a layer without
   *     context
   * @return {@code z} of shape {@code [batch, features]} and {@code log|det dz/dx|} of shape {@code
   *     [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   */
  @Override
  public Transformed forward(Var x, Var context) {
    requireInput("MaskedAffineAutoregressive.forward", x);
    Var c = batchContext("forward", context, x.shape().dim(0));
    return AffineAutoregressiveOps.forward(x, conditioner(x, c), bound);
  }

  /**
   * Latent to data in {@code features} sequential conditioner passes; see the class comment.
   *
   * @param z of shape {@code [batch, features]}
   * @return {@code x} of shape {@code [batch, features]} and {@code log|det dx/dz|} of shape {@code
   *     [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} is not {@code [batch, features]}
   */
  @Override
  public Transformed inverse(Var z) {
    requireNoContext("inverse");
    return inverse(z, null);
  }

  /**
   * Latent to data at a context, in {@code features} sequential conditioner passes.
   *
   * @param z of shape {@code [batch, features]}
   * @param context of shape {@code [batch, C]} or {@code [1, C]}; {@code null} for a layer without
   *     context
   * @return {@code x} of shape {@code [batch, features]} and {@code log|det dx/dz|} of shape {@code
   *     [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   */
  @Override
  public Transformed inverse(Var z, Var context) {
    requireInput("MaskedAffineAutoregressive.inverse", z);
    Var c = batchContext("inverse", context, z.shape().dim(0));
    Var x = Var.constant(Tape.newValue(z.shape()).fill(0f));
    Transformed t = null;
    for (int k = 0; k < features; k++) {
      t = AffineAutoregressiveOps.inverse(z, conditioner(x, c), bound);
      x = t.value();
    }
    return t;
  }

  /** Context features {@code C}, 0 for a layer without context. */
  @Override
  public int contextFeatures() {
    return context;
  }

  /**
   * The one place the conditioner is applied: shifts and raw log-scales, {@code [batch, 2
   * features]} grouped by feature; {@code c} is {@code null} or already {@code [batch, C]}.
   */
  private Var conditioner(Var x, Var c) {
    return c == null ? made.forward(x) : made.forward(x, c);
  }

  private void requireNoContext(String op) {
    if (context > 0) {
      throw new IllegalStateException(
          "MaskedAffineAutoregressive."
              + op
              + ": the layer takes a context of "
              + context
              + " features; call "
              + op
              + "(x, context) or given(context)");
    }
  }

  /**
   * The context with one row per input row ({@code [1, C]} repeated), or {@code null} for a layer
   * without context.
   */
  private Var batchContext(String op, Var c, int rows) {
    if (context == 0) {
      Checks.requireArgument(
          c == null,
          "MaskedAffineAutoregressive.%s: the layer was built without a context, but one of"
              + " shape %s was given",
          op,
          c == null ? null : c.shape());
      return null;
    }
    Checks.requireArgument(
        c != null,
        "MaskedAffineAutoregressive.%s: the layer needs a context of %d features",
        op,
        context);
    Checks.requireShape(
        c.shape().rank() == 2
            && c.shape().dim(1) == context
            && (c.shape().dim(0) == rows || c.shape().dim(0) == 1),
        "MaskedAffineAutoregressive.%s: context must have shape [%d, %d] or [1, %d], but was %s",
        op,
        rows,
        context,
        context,
        c.shape());
    return c.shape().dim(0) == rows ? c : ShapeOps.gatherRows(c, new int[rows]);
  }

  private void requireInput(String op, Var x) {
    Checks.requireShape(
        x.shape().rank() == 2 && x.shape().dim(1) == features,
        "%s: input must have shape [batch, %d], but was %s",
        op,
        features,
        x.shape());
  }

  @Override
  public Json.Obj spec() {
    Spec spec =
        Spec.of(TYPE)
            .put("features", features)
            .put("hidden", hidden)
            .put("activation", activation.name().toLowerCase(Locale.ROOT))
            .put("order", order)
            .put("hiddenDegrees", hiddenDegrees.name().toLowerCase(Locale.ROOT))
            .put("seed", seed)
            .put("logScaleBound", logScaleBound);
    // Written only for a conditional layer, so unconditional specs stay as they were.
    return context > 0 ? spec.put("context", context).build() : spec.build();
  }

  /**
   * Rebuilds a layer from its {@link #spec()} (weights freshly initialised; load them from the
   * saved state).
   *
   * @throws IllegalArgumentException if a member is missing or invalid
   */
  public static MaskedAffineAutoregressive fromSpec(Json.Obj spec) {
    return builder(spec.getInt("features"))
        .hidden(spec.getArray("hidden").toIntArray())
        .activation(enumValue(Activation.class, spec.getString("activation"), "activation"))
        .order(spec.getArray("order").toIntArray())
        .hiddenDegrees(
            enumValue(MADE.HiddenDegrees.class, spec.getString("hiddenDegrees"), "hiddenDegrees"))
        .seed(spec.getLong("seed"))
        .logScaleBound(spec.getDouble("logScaleBound"))
        .context(spec.has("context") ? spec.getInt("context") : 0)
        .build();
  }

  private static <E extends Enum<E>> E enumValue(Class<E> type, String name, String member) {
    for (E e : type.getEnumConstants()) {
      if (e.name().equalsIgnoreCase(name)) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        "MaskedAffineAutoregressive: "
            + member
            + " must be one of "
            + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT)
            + ", but was '"
            + name
            + "'");
  }

  /** The natural order {@code 0, 1, ..., D-1}. */
  public static int[] naturalOrder(int features) {
    int[] o = new int[features];
    for (int i = 0; i < features; i++) {
      o[i] = i;
    }
    return o;
  }

  /** The reversed order {@code D-1, ..., 1, 0}. */
  public static int[] reversedOrder(int features) {
    int[] o = new int[features];
    for (int i = 0; i < features; i++) {
      o[i] = features - 1 - i;
    }
    return o;
  }

  private static void checkOrder(int[] order, int d) {
    Checks.requireArgument(
        order.length == d,
        "MaskedAffineAutoregressive: order must have %d entries, but has %d",
        d,
        order.length);
    boolean[] seen = new boolean[d];
    for (int v : order) {
      Checks.requireArgument(
          v >= 0 && v < d && !seen[v],
          "MaskedAffineAutoregressive: order must be a permutation of 0..%d, but was %s",
          d - 1,
          Arrays.toString(order));
      seen[v] = true;
    }
  }

  /** Options of a {@link MaskedAffineAutoregressive}; every setter returns this builder. */
  public static final class Builder {
    private final int features;
    private int[] hidden = {64, 64};
    private Activation activation = Activation.RELU;
    private int[] order;
    private MADE.HiddenDegrees hiddenDegrees = MADE.HiddenDegrees.CYCLIC;
    private long seed;
    private double logScaleBound = DEFAULT_LOG_SCALE_BOUND;
    private boolean identityInit = true;
    private int context;

    private Builder(int features) {
      this.features = Checks.requirePositive(features, "MaskedAffineAutoregressive", "features");
    }

    /** Hidden widths of the MADE (default {@code 64, 64}). */
    public Builder hidden(int... sizes) {
      for (int s : sizes) {
        Checks.requirePositive(s, "MaskedAffineAutoregressive", "hidden size");
      }
      this.hidden = sizes.clone();
      return this;
    }

    /** Activation of the MADE's hidden layers (default ReLU). */
    public Builder activation(Activation activation) {
      Checks.requireArgument(
          activation != null, "MaskedAffineAutoregressive: activation must not be null");
      this.activation = activation;
      return this;
    }

    /**
     * The autoregressive order: {@code order[k]} is the feature that comes {@code k}-th, a
     * permutation of {@code 0..D-1} (checked when built). Default: natural.
     */
    public Builder order(int... order) {
      this.order = order.clone();
      return this;
    }

    /** The natural order {@code 0, 1, ..., D-1} (the default). */
    public Builder naturalOrder() {
      return order(MaskedAffineAutoregressive.naturalOrder(features));
    }

    /** The reversed order {@code D-1, ..., 0}, for every other layer of a stack. */
    public Builder reversedOrder() {
      return order(MaskedAffineAutoregressive.reversedOrder(features));
    }

    /** How the MADE's hidden units get their degrees (default cyclic, deterministic). */
    public Builder hiddenDegrees(MADE.HiddenDegrees mode) {
      Checks.requireArgument(
          mode != null, "MaskedAffineAutoregressive: hiddenDegrees must not be null");
      this.hiddenDegrees = mode;
      return this;
    }

    /** Seed of the initial weights (and of random hidden degrees); default 0. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * The bound {@code B} of the soft-clipped log-scale (default {@link #DEFAULT_LOG_SCALE_BOUND}).
     *
     * @throws IllegalArgumentException unless {@code 0 < bound <= 80} (beyond, {@code exp} of the
     *     bound overflows float)
     */
    public Builder logScaleBound(double bound) {
      Checks.requireArgument(
          bound > 0 && bound <= 80,
          "MaskedAffineAutoregressive: logScaleBound must be in (0, 80], but was %s",
          bound);
      this.logScaleBound = bound;
      return this;
    }

    /**
     * Whether the MADE's output layer starts at zero, making the layer the identity (default true);
     * otherwise it starts at the MADE's random initialisation.
     */
    public Builder identityInit(boolean identityInit) {
      this.identityInit = identityInit;
      return this;
    }

    /**
     * Context features {@code C} (default 0: an unconditional layer); with {@code C > 0} the layer
     * is a conditional MAF layer, see the class comment.
     *
     * @throws IllegalArgumentException if {@code C < 0}
     */
    public Builder context(int features) {
      this.context = Checks.requireNonNegative(features, "MaskedAffineAutoregressive", "context");
      return this;
    }

    /**
     * Builds the MAF layer.
     *
     * @throws IllegalArgumentException if the order is not a permutation of {@code 0..D-1}
     */
    public MaskedAffineAutoregressive build() {
      return new MaskedAffineAutoregressive(this);
    }

    /**
     * Builds an inverse autoregressive flow layer, IAF (Kingma, Salimans, Jozefowicz, Chen,
     * Sutskever and Welling 2016, "Improved Variational Inference with Inverse Autoregressive
     * Flow"): the MAF layer seen the other way round, {@code build().inverted()}. Its {@code
     * inverse} (latent to data, sampling) is one conditioner pass, {@code x_i = (z_i - mu_i(z_<i))
     * exp(-s_i(z_<i))}, and its {@code forward} (density evaluation) takes {@code features}
     * sequential passes, the opposite of MAF's costs: choose IAF when sampling (variational
     * inference, reverse KL) is the hot path, MAF when density evaluation (maximum likelihood) is.
     *
     * @throws IllegalArgumentException if the order is not a permutation of {@code 0..D-1}
     */
    public Bijector buildInverse() {
      return build().inverted();
    }
  }
}
