package io.flows4j.bijectors.coupling;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.tensor.kernels.Activation;

/**
 * The additive coupling layer of NICE (Dinh, Krueger & Bengio 2014, "NICE: Non-linear Independent
 * Components Estimation"): volume preserving.
 *
 * <p>With {@code x_a} the conditioning and {@code x_b} the transformed features of the {@link
 * CouplingMask} and {@code t = NN(x_a)} one shift per transformed feature:
 *
 * <pre>
 *   forward (data to latent):  z_a = x_a,  z_b = x_b + t,  log|det J| = 0
 *   inverse (latent to data):  x_a = z_a,  x_b = z_b - t,  log|det J| = 0
 * </pre>
 *
 * <p>The conditioner (child {@code conditioner}) is {@code |x_a| -> hidden... -> |x_b|} with a
 * zero-initialised output layer, so the layer starts as the identity. After the conditioner the
 * transform is one fused op with a hand-written backward rule. Inputs are {@code [batch,
 * features]}.
 */
public final class AdditiveCoupling extends CouplingLayer {
  /** The type name in specs. */
  public static final String TYPE = "additive-coupling";

  private final int[] groups;

  /**
   * An additive coupling with ReLU hidden layers.
   *
   * @param mask which features are transformed
   * @param hiddenFeatures hidden widths of the conditioner
   * @param seed seed of the conditioner's initial weights
   * @throws IllegalArgumentException if a size is not positive
   */
  public AdditiveCoupling(CouplingMask mask, int[] hiddenFeatures, long seed) {
    this(mask, hiddenFeatures, Activation.RELU, seed);
  }

  /**
   * An additive coupling with every setting given.
   *
   * @param mask which features are transformed
   * @param hiddenFeatures hidden widths of the conditioner (may be empty)
   * @param activation activation of the conditioner's hidden layers
   * @param seed seed of the conditioner's initial weights
   * @throws IllegalArgumentException if a size is not positive
   */
  public AdditiveCoupling(
      CouplingMask mask, int[] hiddenFeatures, Activation activation, long seed) {
    this(mask, hiddenFeatures, activation, seed, 0);
  }

  /**
   * A conditional additive coupling: the conditioner reads a context of {@code context} features
   * beside {@code x_a}, {@code t = NN(x_a, c)} (see {@link CouplingLayer}).
   *
   * @param mask which features are transformed
   * @param hiddenFeatures hidden widths of the conditioner (may be empty)
   * @param activation activation of the conditioner's hidden layers
   * @param seed seed of the conditioner's initial weights
   * @param context context features {@code C}, 0 for an unconditional layer
   * @throws IllegalArgumentException if a size is not positive or {@code context < 0}
   */
  public AdditiveCoupling(
      CouplingMask mask, int[] hiddenFeatures, Activation activation, long seed, int context) {
    super("AdditiveCoupling", mask, hiddenFeatures, activation, 1, seed, context);
    this.groups = groups(mask);
  }

  @Override
  Transformed transform(Var x, Var h, boolean inverse) {
    return CouplingOps.additive(x, h, mask.transformedView(), groups, inverse);
  }

  @Override
  public Json.Obj spec() {
    return baseSpec(TYPE).build();
  }

  /**
   * Rebuilds a layer (with fresh weights) from its {@link #spec()}.
   *
   * @throws IllegalArgumentException if the spec is invalid
   */
  public static AdditiveCoupling fromSpec(Json.Obj spec) {
    return new AdditiveCoupling(
        maskFromSpec(spec),
        spec.getArray("hidden").toIntArray(),
        Spec.activation(spec, "activation"),
        0L,
        contextFromSpec(spec));
  }
}
