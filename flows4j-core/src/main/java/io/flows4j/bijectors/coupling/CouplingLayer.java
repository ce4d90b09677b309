package io.flows4j.bijectors.coupling;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.Contexts;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.MLP;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.kernels.Activation;
import java.util.Arrays;

/**
 * What the coupling layers share: the mask, the conditioner MLP {@code |x_a| -> hidden... -> |x_b|
 * P} (registered as child {@code conditioner}, zero-initialised output layer), the input checks and
 * the common members of the spec. Both directions compute {@code h = conditioner(x_a)} (the
 * conditioning features are the same in {@code x} and {@code z}) and then one fused transform.
 *
 * <p>With {@code C > 0} context features the layer is a {@link ConditionalBijector}: the context
 * {@code c} ({@code [batch, C]} or {@code [1, C]}) enters the conditioner's first layer beside
 * {@code x_a}, {@code h = conditioner(x_a, c)}, so the transform of {@code x_b} depends on it while
 * {@code z_a = x_a} keeps the map invertible at every context. Such a layer runs through {@link
 * #forward(Var, Var)} or {@link #given(Var)}; its context-free methods refuse.
 */
abstract class CouplingLayer extends Module implements Bijector, ConditionalBijector {
  private final String name;
  final CouplingMask mask;
  final int[] hidden;
  final Activation activation;
  final MLP conditioner;
  final int context;

  CouplingLayer(
      String name,
      CouplingMask mask,
      int[] hiddenFeatures,
      Activation activation,
      int paramsPerFeature,
      long seed,
      int context) {
    Checks.requireArgument(mask != null, "%s: mask must not be null", name);
    Checks.requireArgument(hiddenFeatures != null, "%s: hiddenFeatures must not be null", name);
    Checks.requireArgument(activation != null, "%s: activation must not be null", name);
    this.name = name;
    this.mask = mask;
    this.hidden = hiddenFeatures.clone();
    this.activation = activation;
    this.context = Checks.requireNonNegative(context, name, "context");
    int[] sizes = new int[hidden.length + 2];
    sizes[0] = mask.conditioningView().length;
    System.arraycopy(hidden, 0, sizes, 1, hidden.length);
    sizes[sizes.length - 1] = mask.transformedView().length * paramsPerFeature;
    this.conditioner =
        registerModule("conditioner", new MLP(sizes, context, activation, seed, true));
  }

  /** The transform of {@code x_b} given the conditioner output; one fused op. */
  abstract Transformed transform(Var x, Var h, boolean inverse);

  @Override
  public final Transformed forward(Var x) {
    Contexts.requireNone(name, "forward", context);
    return forward(x, null);
  }

  @Override
  public final Transformed inverse(Var z) {
    Contexts.requireNone(name, "inverse", context);
    return inverse(z, null);
  }

  /**
   * Data to latent at a context.
   *
   * @param x of shape {@code [batch, features]}
   * @param c of shape {@code [batch, C]} or {@code [1, C]}; {@code null} for a layer without
   *     context
   * @return {@code z} of shape {@code [batch, features]} and {@code log|det dz/dx|} of shape {@code
   *     [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   */
  @Override
  public final Transformed forward(Var x, Var c) {
    String op = name + ".forward";
    requireInput(op, x);
    return transform(x, conditioner(x, Contexts.rows(op, c, x.shape().dim(0), context)), false);
  }

  /**
   * Latent to data at a context.
   *
   * @param z of shape {@code [batch, features]}
   * @param c of shape {@code [batch, C]} or {@code [1, C]}; {@code null} for a layer without
   *     context
   * @return {@code x} of shape {@code [batch, features]} and {@code log|det dx/dz|} of shape {@code
   *     [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   */
  @Override
  public final Transformed inverse(Var z, Var c) {
    String op = name + ".inverse";
    requireInput(op, z);
    return transform(z, conditioner(z, Contexts.rows(op, c, z.shape().dim(0), context)), true);
  }

  /** Context features {@code C}, 0 for a layer without context. */
  @Override
  public final int contextFeatures() {
    return context;
  }

  private Var conditioner(Var x, Var c) {
    Var xa = CouplingOps.gatherColumns(x, mask.conditioningView());
    return c == null ? conditioner.forward(xa) : conditioner.forward(xa, c);
  }

  /** The mask: which features are transformed, which condition. */
  public final CouplingMask mask() {
    return mask;
  }

  /** Hidden widths of the conditioner. */
  public final int[] hiddenFeatures() {
    return hidden.clone();
  }

  /** Activation of the conditioner's hidden layers. */
  public final Activation activation() {
    return activation;
  }

  /** The conditioner network, {@code x_a -> parameters of the transform of x_b}. */
  public final MLP conditioner() {
    return conditioner;
  }

  /** Group indices {@code 0 .. T-1} of the transformed features in the conditioner output. */
  static int[] groups(CouplingMask mask) {
    int[] g = new int[mask.transformedView().length];
    Arrays.setAll(g, i -> i);
    return g;
  }

  private void requireInput(String op, Var x) {
    Checks.requireShape(
        x.shape().rank() == 2 && x.shape().dim(1) == mask.features(),
        "%s: input must have shape [batch, %d], but was %s",
        op,
        mask.features(),
        x.shape());
  }

  /**
   * The spec members every coupling writes: features, mask, hidden, activation, and context when it
   * is {@code > 0} (so unconditional specs stay as they were).
   */
  final Spec baseSpec(String type) {
    Spec spec =
        Spec.of(type)
            .put("features", mask.features())
            .put("mask", mask.toBits())
            .put("hidden", hidden)
            .put("activation", Spec.activationName(activation));
    return context > 0 ? spec.put("context", context) : spec;
  }

  /** The spec's context member, 0 when absent. */
  static int contextFromSpec(Json.Obj spec) {
    return spec.has("context") ? spec.getInt("context") : 0;
  }

  static CouplingMask maskFromSpec(Json.Obj spec) {
    CouplingMask m = CouplingMask.fromBits(spec.getArray("mask").toIntArray());
    int features = spec.getInt("features");
    Checks.requireArgument(
        m.features() == features,
        "coupling spec: mask must have %d entries, but has %d",
        features,
        m.features());
    return m;
  }

  @Override
  protected String kind() {
    return name;
  }
}
