package io.flows4j.bijectors.coupling;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.kernels.Activation;

/**
 * The affine coupling layer of RealNVP (Dinh, Sohl-Dickstein & Bengio 2017, "Density estimation
 * using Real NVP"), with a soft-clipped log-scale.
 *
 * <p>With {@code x_a} the conditioning and {@code x_b} the transformed features of the {@link
 * CouplingMask}, the conditioner MLP gives {@code (t, u) = NN(x_a)} (shift and raw log-scale for
 * each transformed feature) and {@code s = u / (1 + |u| / bound)}, so {@code |s| < bound}:
 *
 * <pre>
 *   forward (data to latent):  z_a = x_a,  z_b = x_b exp(s) + t,     log|det J| =  sum s
 *   inverse (latent to data):  x_a = z_a,  x_b = (z_b - t) exp(-s),  log|det J| = -sum s
 * </pre>
 *
 * <p>The conditioner (child {@code conditioner}) is {@code |x_a| -> hidden... -> 2 |x_b|}, its
 * output columns {@code 2j, 2j + 1} the shift and raw log-scale of the {@code j}-th transformed
 * feature; its output layer starts at zero, so the layer starts as the identity. A layer on 2-D
 * data with hidden widths {@code 64, 64} has 4,418 parameters (8 layers: 35,344, BENCHMARKS.md W1).
 * After the conditioner, the transform is one fused op ({@code x}, {@code h} to {@code z} and
 * {@code log|det J|}) with a hand-written backward rule.
 *
 * <p>Inputs are {@code [batch, features]}.
 */
public final class AffineCoupling extends CouplingLayer {
  /** The type name in specs. */
  public static final String TYPE = "affine-coupling";

  /**
   * Default bound of the log-scale, 5: one layer scales a feature by at most {@code e^5 ~ 148} in
   * either direction. The W1 data sets span about {@code [-4, 4]} with features as thin as 0.1
   * (moons' noise, the 8 Gaussians' s.d. 0.35), so a per-layer factor of a few tens suffices; with
   * 4 layers per feature in an 8-layer RealNVP the total range is {@code e^20}, far beyond what the
   * data need, while a raw output that runs away cannot push a single layer's scale past {@code
   * e^5} (and float32 overflow of {@code z} needs inputs near {@code 1e36}). The soft clip is close
   * to the identity for {@code |u| << 5} (at {@code u = 1}, {@code s = 0.83}), so it barely
   * distorts the usual range.
   */
  public static final double DEFAULT_SCALE_BOUND = 5.0;

  private final double scaleBound;
  private final int[] groups;

  /**
   * An affine coupling with ReLU hidden layers and the default scale bound.
   *
   * @param mask which features are transformed
   * @param hiddenFeatures hidden widths of the conditioner (e.g. {@code {64, 64}})
   * @param seed seed of the conditioner's initial weights
   * @throws IllegalArgumentException if a size is not positive
   */
  public AffineCoupling(CouplingMask mask, int[] hiddenFeatures, long seed) {
    this(mask, hiddenFeatures, Activation.RELU, DEFAULT_SCALE_BOUND, seed);
  }

  /**
   * An affine coupling with every setting given.
   *
   * @param mask which features are transformed
   * @param hiddenFeatures hidden widths of the conditioner (may be empty: a linear conditioner)
   * @param activation activation of the conditioner's hidden layers
   * @param scaleBound bound of the log-scale, {@code > 0} and finite
   * @param seed seed of the conditioner's initial weights
   * @throws IllegalArgumentException if a size is not positive or the bound is out of range
   */
  public AffineCoupling(
      CouplingMask mask,
      int[] hiddenFeatures,
      Activation activation,
      double scaleBound,
      long seed) {
    this(mask, hiddenFeatures, activation, scaleBound, seed, 0);
  }

  /**
   * A conditional affine coupling: the conditioner reads a context of {@code context} features
   * beside {@code x_a}, {@code (t, u) = NN(x_a, c)} (see {@link CouplingLayer}).
   *
   * @param mask which features are transformed
   * @param hiddenFeatures hidden widths of the conditioner (may be empty: a linear conditioner)
   * @param activation activation of the conditioner's hidden layers
   * @param scaleBound bound of the log-scale, {@code > 0} and finite
   * @param seed seed of the conditioner's initial weights
   * @param context context features {@code C}, 0 for an unconditional layer
   * @throws IllegalArgumentException if a size is not positive, the bound is out of range or {@code
   *     context < 0}
   */
  public AffineCoupling(
      CouplingMask mask,
      int[] hiddenFeatures,
      Activation activation,
      double scaleBound,
      long seed,
      int context) {
    super("AffineCoupling", mask, hiddenFeatures, activation, 2, seed, context);
    Checks.requireArgument(
        scaleBound > 0 && Double.isFinite(scaleBound),
        "AffineCoupling: scaleBound must be > 0 and finite, but was %s",
        scaleBound);
    this.scaleBound = scaleBound;
    this.groups = groups(mask);
  }

  /** The bound of the log-scale. */
  public double scaleBound() {
    return scaleBound;
  }

  @Override
  Transformed transform(Var x, Var h, boolean inverse) {
    return CouplingOps.affine(x, h, mask.transformedView(), groups, (float) scaleBound, inverse);
  }

  @Override
  public Json.Obj spec() {
    return baseSpec(TYPE).put("scaleBound", scaleBound).build();
  }

  /**
   * Rebuilds a layer (with fresh weights) from its {@link #spec()}.
   *
   * @throws IllegalArgumentException if the spec is invalid
   */
  public static AffineCoupling fromSpec(Json.Obj spec) {
    return new AffineCoupling(
        maskFromSpec(spec),
        spec.getArray("hidden").toIntArray(),
        Spec.activation(spec, "activation"),
        spec.getDouble("scaleBound"),
        0L,
        contextFromSpec(spec));
  }
}
