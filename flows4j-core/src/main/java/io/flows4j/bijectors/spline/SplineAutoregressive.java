package io.flows4j.bijectors.spline;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.Contexts;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.MADE;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.kernels.Activation;
import java.util.Arrays;

/**
 * The autoregressive rational-quadratic spline layer of neural spline flows (Durkan, Bekasov,
 * Murray & Papamakarios 2019, "Neural Spline Flows", the RQ-NSF (AR) model): each feature goes
 * through a monotone spline whose parameters a MADE (Germain et al. 2015) computes from the
 * features that come before it in the autoregressive order.
 *
 * <pre>
 *   forward (data to latent):  z_i = g(x_i; MADE(x)_i),  MADE(x)_i depends on x_j for j before i,
 *                              log|det J| = sum_i log g'(x_i)
 *   inverse (latent to data):  x_i = g^-1(z_i; MADE(x)_i), feature by feature in the order
 * </pre>
 *
 * <p>The forward direction is one MADE pass and one fused spline op. The inverse takes {@code D}
 * passes: before step {@code k} the features of order positions {@code < k} hold their final data
 * values, which is all that the parameters of the {@code k}-th feature depend on, so step {@code k}
 * computes the MADE on the current row and inverts that feature alone. It is exact (no iteration)
 * and differentiable like any other composition of ops.
 *
 * <p>The MADE (child {@code conditioner}, cyclic hidden degrees, zero-initialised output layer)
 * outputs {@code 3K - 1} raw parameters per feature, grouped by feature as {@link MADE} documents;
 * zero raw parameters make the spline the identity, so the layer starts as the identity.
 * BENCHMARKS.md W3's NSF is 4 such layers with hidden widths {@code 256, 256}, 8 bins, tail bound
 * 3, the order reversed between layers ({@link MADE#naturalOrder}, {@link MADE#reversedOrder}).
 *
 * <p>Inputs are {@code [batch, features]}.
 *
 * <p><b>Context.</b> Built with {@code context > 0}, the layer is a {@link ConditionalBijector}:
 * the context {@code c} ({@code [batch, C]} or {@code [1, C]}) enters the MADE's first layer
 * unmasked (see {@link MADE}), so every feature's spline, the first one's included, depends on it.
 * Such a layer runs through {@link #forward(Var, Var)} or {@link #given(Var)}; its context-free
 * methods refuse.
 */
public final class SplineAutoregressive extends Module implements Bijector, ConditionalBijector {
  /** The type name in specs. */
  public static final String TYPE = "spline-autoregressive";

  private final int features;
  private final int[] inputDegrees;
  private final int[] hidden;
  private final Activation activation;
  private final RationalQuadraticSpline spline;
  private final MADE conditioner;
  private final int[] all;
  private final int[] order;
  private final int context;

  /**
   * An autoregressive spline layer with ReLU hidden layers and the default spline settings (8 bins,
   * tail bound 3, minimum bin width, height and derivative 1e-3).
   *
   * @param features number of features {@code D}
   * @param inputDegrees the order as MADE input degrees, a permutation of {@code 1..D}
   * @param hiddenFeatures hidden widths of the MADE
   * @param seed seed of the MADE's initial weights
   * @throws IllegalArgumentException if a size is not positive or the degrees are not a permutation
   */
  public SplineAutoregressive(int features, int[] inputDegrees, int[] hiddenFeatures, long seed) {
    this(
        features,
        inputDegrees,
        hiddenFeatures,
        Activation.RELU,
        new RationalQuadraticSpline(
            RationalQuadraticSpline.DEFAULT_BINS, RationalQuadraticSpline.DEFAULT_TAIL_BOUND),
        seed);
  }

  /**
   * An autoregressive spline layer with every setting given.
   *
   * @param features number of features {@code D}, at least 1
   * @param inputDegrees the order as MADE input degrees: feature {@code d} comes at position {@code
   *     inputDegrees[d]} (1 to D)
   * @param hiddenFeatures hidden widths of the MADE
   * @param activation activation of the MADE's hidden layers
   * @param spline the spline's bins, tail bound and minimum width, height and derivative
   * @param seed seed of the MADE's initial weights
   * @throws IllegalArgumentException if a size is not positive or the degrees are not a permutation
   */
  public SplineAutoregressive(
      int features,
      int[] inputDegrees,
      int[] hiddenFeatures,
      Activation activation,
      RationalQuadraticSpline spline,
      long seed) {
    this(features, inputDegrees, hiddenFeatures, activation, spline, seed, 0);
  }

  /**
   * A conditional autoregressive spline layer: the MADE reads a context of {@code context} features
   * (see the class comment).
   *
   * @param features number of features {@code D}, at least 1
   * @param inputDegrees the order as MADE input degrees: feature {@code d} comes at position {@code
   *     inputDegrees[d]} (1 to D)
   * @param hiddenFeatures hidden widths of the MADE
   * @param activation activation of the MADE's hidden layers
   * @param spline the spline's bins, tail bound and minimum width, height and derivative
   * @param seed seed of the MADE's initial weights
   * @param context context features {@code C}, 0 for an unconditional layer
   * @throws IllegalArgumentException if a size is not positive, the degrees are not a permutation
   *     or {@code context < 0}
   */
  public SplineAutoregressive(
      int features,
      int[] inputDegrees,
      int[] hiddenFeatures,
      Activation activation,
      RationalQuadraticSpline spline,
      long seed,
      int context) {
    Checks.requirePositive(features, "SplineAutoregressive", "features");
    this.context = Checks.requireNonNegative(context, "SplineAutoregressive", "context");
    Checks.requireArgument(
        inputDegrees != null && hiddenFeatures != null && activation != null && spline != null,
        "SplineAutoregressive: inputDegrees, hiddenFeatures, activation and spline must not be"
            + " null");
    this.features = features;
    this.hidden = hiddenFeatures.clone();
    this.activation = activation;
    this.spline = spline;
    this.conditioner =
        registerModule(
            "conditioner",
            MADE.builder(features, spline.paramsPerFeature())
                .hidden(hidden)
                .activation(activation)
                .inputDegrees(inputDegrees)
                .seed(seed)
                .context(context)
                .zeroOutput(true)
                .build());
    this.inputDegrees = conditioner.inputDegrees();
    this.all = new int[features];
    Arrays.setAll(all, i -> i);
    this.order = new int[features];
    for (int d = 0; d < features; d++) {
      order[this.inputDegrees[d] - 1] = d;
    }
  }

  @Override
  public Transformed forward(Var x) {
    Contexts.requireNone("SplineAutoregressive", "forward", context);
    return forward(x, null);
  }

  @Override
  public Transformed inverse(Var z) {
    Contexts.requireNone("SplineAutoregressive", "inverse", context);
    return inverse(z, null);
  }

  /**
   * Data to latent at a context, one MADE pass.
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
    String op = "SplineAutoregressive.forward";
    requireInput(op, x);
    Var c = Contexts.rows(op, context, x.shape().dim(0), this.context);
    return spline.apply(x, conditioner(x, c), all, all, false);
  }

  /**
   * Latent to data at a context, {@code features} MADE passes.
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
    String op = "SplineAutoregressive.inverse";
    requireInput(op, z);
    Var c = Contexts.rows(op, context, z.shape().dim(0), this.context);
    // cur holds data values for the features already inverted and latent values for the rest;
    // the parameters of feature order[k] depend only on the former.
    Var cur = z;
    Var logAbsDet = null;
    for (int k = 0; k < features; k++) {
      int[] f = {order[k]};
      Transformed t = spline.apply(cur, conditioner(cur, c), f, f, true);
      cur = t.value();
      logAbsDet = logAbsDet == null ? t.logAbsDet() : ArithmeticOps.add(logAbsDet, t.logAbsDet());
    }
    return new Transformed(cur, logAbsDet);
  }

  /** Context features {@code C}, 0 for a layer without context. */
  @Override
  public int contextFeatures() {
    return context;
  }

  private Var conditioner(Var x, Var c) {
    return c == null ? conditioner.forward(x) : conditioner.forward(x, c);
  }

  /** Number of features {@code D}. */
  public int features() {
    return features;
  }

  /** The MADE input degrees: feature {@code d} comes at position {@code inputDegrees()[d]}. */
  public int[] inputDegrees() {
    return inputDegrees.clone();
  }

  /** The autoregressive order: {@code order()[k]} is the feature that comes {@code k}-th. */
  public int[] order() {
    return order.clone();
  }

  /** Hidden widths of the MADE. */
  public int[] hiddenFeatures() {
    return hidden.clone();
  }

  /** Activation of the MADE's hidden layers. */
  public Activation activation() {
    return activation;
  }

  /** The spline settings. */
  public RationalQuadraticSpline spline() {
    return spline;
  }

  /** The MADE conditioner. */
  public MADE conditioner() {
    return conditioner;
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
            .put("inputDegrees", inputDegrees)
            .put("hidden", hidden)
            .put("activation", Spec.activationName(activation))
            .put("bins", spline.bins())
            .put("tailBound", spline.tailBound())
            .put("minBinWidth", spline.minBinWidth())
            .put("minBinHeight", spline.minBinHeight())
            .put("minDerivative", spline.minDerivative());
    // Written only for a conditional layer, so unconditional specs stay as they were.
    return context > 0 ? spec.put("context", context).build() : spec.build();
  }

  /**
   * Rebuilds a layer (with fresh weights) from its {@link #spec()}.
   *
   * @throws IllegalArgumentException if the spec is invalid
   */
  public static SplineAutoregressive fromSpec(Json.Obj spec) {
    return new SplineAutoregressive(
        spec.getInt("features"),
        spec.getArray("inputDegrees").toIntArray(),
        spec.getArray("hidden").toIntArray(),
        Spec.activation(spec, "activation"),
        new RationalQuadraticSpline(
            spec.getInt("bins"),
            spec.getDouble("tailBound"),
            spec.getDouble("minBinWidth"),
            spec.getDouble("minBinHeight"),
            spec.getDouble("minDerivative")),
        0L,
        spec.has("context") ? spec.getInt("context") : 0);
  }

  @Override
  protected String kind() {
    return "SplineAutoregressive";
  }
}
