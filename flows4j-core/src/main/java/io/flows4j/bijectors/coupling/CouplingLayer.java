package io.flows4j.bijectors.coupling;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
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
 */
abstract class CouplingLayer extends Module implements Bijector {
  private final String name;
  final CouplingMask mask;
  final int[] hidden;
  final Activation activation;
  final MLP conditioner;

  CouplingLayer(
      String name,
      CouplingMask mask,
      int[] hiddenFeatures,
      Activation activation,
      int paramsPerFeature,
      long seed) {
    Checks.requireArgument(mask != null, "%s: mask must not be null", name);
    Checks.requireArgument(hiddenFeatures != null, "%s: hiddenFeatures must not be null", name);
    Checks.requireArgument(activation != null, "%s: activation must not be null", name);
    this.name = name;
    this.mask = mask;
    this.hidden = hiddenFeatures.clone();
    this.activation = activation;
    int[] sizes = new int[hidden.length + 2];
    sizes[0] = mask.conditioningView().length;
    System.arraycopy(hidden, 0, sizes, 1, hidden.length);
    sizes[sizes.length - 1] = mask.transformedView().length * paramsPerFeature;
    this.conditioner = registerModule("conditioner", new MLP(sizes, activation, seed, true));
  }

  /** The transform of {@code x_b} given the conditioner output; one fused op. */
  abstract Transformed transform(Var x, Var h, boolean inverse);

  @Override
  public final Transformed forward(Var x) {
    requireInput(name + ".forward", x);
    Var h = conditioner.forward(CouplingOps.gatherColumns(x, mask.conditioningView()));
    return transform(x, h, false);
  }

  @Override
  public final Transformed inverse(Var z) {
    requireInput(name + ".inverse", z);
    Var h = conditioner.forward(CouplingOps.gatherColumns(z, mask.conditioningView()));
    return transform(z, h, true);
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

  /** The spec members every coupling writes: features, mask, hidden, activation. */
  final Spec baseSpec(String type) {
    return Spec.of(type)
        .put("features", mask.features())
        .put("mask", mask.toBits())
        .put("hidden", hidden)
        .put("activation", Spec.activationName(activation));
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
