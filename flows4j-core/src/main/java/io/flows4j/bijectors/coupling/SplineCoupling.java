package io.flows4j.bijectors.coupling;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.bijectors.spline.RationalQuadraticSpline;
import io.flows4j.io.Json;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.kernels.Activation;

/**
 * The rational-quadratic spline coupling layer of neural spline flows (Durkan, Bekasov, Murray &
 * Papamakarios 2019, "Neural Spline Flows"): each transformed feature goes through a monotone
 * spline of {@code K} bins on {@code [-B, B]}, identity outside, whose knots and derivatives the
 * conditioner computes from the conditioning features.
 *
 * <pre>
 *   forward (data to latent):  z_a = x_a,  z_b = g(x_b; NN(x_a)),       log|det J| = sum log g'(x_b)
 *   inverse (latent to data):  x_a = z_a,  x_b = g^-1(z_b; NN(z_a)),    log|det J| = -sum log g'(x_b)
 * </pre>
 *
 * <p>The conditioner (child {@code conditioner}) is {@code |x_a| -> hidden... -> |x_b| (3K - 1)},
 * the {@code j}-th group of {@code 3K - 1} output columns the raw widths, heights and interior
 * derivatives of the {@code j}-th transformed feature (see {@link RationalQuadraticSpline}). Its
 * output layer starts at zero; with the derivative offset of {@link RationalQuadraticSpline} zero
 * raw parameters mean uniform bins and unit derivatives, so the layer starts as the identity. A
 * layer on 2-D data with hidden widths {@code 64, 64} and 8 bins has 5,783 parameters (8 layers:
 * 46,264, BENCHMARKS.md W1). The transform is one fused op with a hand-written backward rule.
 * Inputs are {@code [batch, features]}.
 */
public final class SplineCoupling extends CouplingLayer {
  /** The type name in specs. */
  public static final String TYPE = "spline-coupling";

  private final RationalQuadraticSpline spline;
  private final int[] groups;

  /**
   * A spline coupling with ReLU hidden layers and the default spline settings (8 bins, tail bound
   * 3, minimum bin width, height and derivative 1e-3).
   *
   * @param mask which features are transformed
   * @param hiddenFeatures hidden widths of the conditioner
   * @param seed seed of the conditioner's initial weights
   * @throws IllegalArgumentException if a size is not positive
   */
  public SplineCoupling(CouplingMask mask, int[] hiddenFeatures, long seed) {
    this(
        mask,
        hiddenFeatures,
        Activation.RELU,
        new RationalQuadraticSpline(
            RationalQuadraticSpline.DEFAULT_BINS, RationalQuadraticSpline.DEFAULT_TAIL_BOUND),
        seed);
  }

  /**
   * A spline coupling with every setting given.
   *
   * @param mask which features are transformed
   * @param hiddenFeatures hidden widths of the conditioner (may be empty)
   * @param activation activation of the conditioner's hidden layers
   * @param spline the spline's bins, tail bound and minimum width, height and derivative
   * @param seed seed of the conditioner's initial weights
   * @throws IllegalArgumentException if a size is not positive
   */
  public SplineCoupling(
      CouplingMask mask,
      int[] hiddenFeatures,
      Activation activation,
      RationalQuadraticSpline spline,
      long seed) {
    this(mask, hiddenFeatures, activation, spline, seed, 0);
  }

  /**
   * A conditional spline coupling: the conditioner reads a context of {@code context} features
   * beside {@code x_a}, so the knots of {@code x_b}'s splines depend on it (see {@link
   * CouplingLayer}).
   *
   * @param mask which features are transformed
   * @param hiddenFeatures hidden widths of the conditioner (may be empty)
   * @param activation activation of the conditioner's hidden layers
   * @param spline the spline's bins, tail bound and minimum width, height and derivative
   * @param seed seed of the conditioner's initial weights
   * @param context context features {@code C}, 0 for an unconditional layer
   * @throws IllegalArgumentException if a size is not positive or {@code context < 0}
   */
  public SplineCoupling(
      CouplingMask mask,
      int[] hiddenFeatures,
      Activation activation,
      RationalQuadraticSpline spline,
      long seed,
      int context) {
    super(
        "SplineCoupling",
        mask,
        hiddenFeatures,
        activation,
        requireSpline(spline).paramsPerFeature(),
        seed,
        context);
    this.spline = spline;
    this.groups = groups(mask);
  }

  private static RationalQuadraticSpline requireSpline(RationalQuadraticSpline spline) {
    Checks.requireArgument(spline != null, "SplineCoupling: spline must not be null");
    return spline;
  }

  /** The spline settings. */
  public RationalQuadraticSpline spline() {
    return spline;
  }

  @Override
  Transformed transform(Var x, Var h, boolean inverse) {
    return spline.apply(x, h, mask.transformedView(), groups, inverse);
  }

  @Override
  public Json.Obj spec() {
    return baseSpec(TYPE)
        .put("bins", spline.bins())
        .put("tailBound", spline.tailBound())
        .put("minBinWidth", spline.minBinWidth())
        .put("minBinHeight", spline.minBinHeight())
        .put("minDerivative", spline.minDerivative())
        .build();
  }

  /**
   * Rebuilds a layer (with fresh weights) from its {@link #spec()}.
   *
   * @throws IllegalArgumentException if the spec is invalid
   */
  public static SplineCoupling fromSpec(Json.Obj spec) {
    return new SplineCoupling(
        maskFromSpec(spec),
        spec.getArray("hidden").toIntArray(),
        Spec.activation(spec, "activation"),
        new RationalQuadraticSpline(
            spec.getInt("bins"),
            spec.getDouble("tailBound"),
            spec.getDouble("minBinWidth"),
            spec.getDouble("minBinHeight"),
            spec.getDouble("minDerivative")),
        0L,
        contextFromSpec(spec));
  }
}
