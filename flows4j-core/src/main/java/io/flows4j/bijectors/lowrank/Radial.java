package io.flows4j.bijectors.lowrank;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;

/**
 * A radial flow layer (Rezende and Mohamed 2015, "Variational Inference with Normalizing Flows"),
 * which contracts or expands around a point {@code x0}:
 *
 * <pre>
 *   g(v) = v + beta h(alpha, r) (v - x0),   h = 1 / (alpha + r),   r = |v - x0|,
 *   log|det dg/dv| = (D - 1) log(1 + beta h) + log(1 + beta h + beta h' r),
 * </pre>
 *
 * with {@code alpha = softplus(a') > 0} and {@code beta = -(1 - delta) alpha + softplus(b')}, so
 * {@code beta > -alpha} (the paper's {@code beta >= -alpha}) with a margin: both factors of the
 * determinant are at least {@code delta =} {@link #MIN_SLOPE} for any raw parameters, where {@code
 * beta = -alpha} (reached in floating point when {@code softplus(b')} underflows) would collapse
 * the map at {@code x0}. {@link Orientation} says which direction {@code g} is ({@link
 * Orientation#SAMPLING}: {@code inverse = g}, as in the paper; {@link Orientation#DENSITY}: {@code
 * forward = g}).
 *
 * <p>The other direction is also exact: the radius solves a quadratic, taken in the root formula
 * that adds non-negative terms only (see {@code RadialOps}), so it is accurate from {@code r_y = 0}
 * to {@code r_y} near the float range. The map is continuous but not differentiable at {@code x0}
 * (the radius has a kink there): its gradients take the radial part as zero at that one point.
 *
 * <p>Parameters: {@code center} {@code x0} of shape {@code [D]}, {@code alphaRaw} {@code a'} and
 * {@code betaRaw} {@code b'} of shape {@code [1]}. Initialisation: {@code x0 ~ N(0, I)} (where the
 * base's mass is), {@code a' ~ U(-1/D, 1/D)}, {@code b' ~ U(-1 - 1/D, -1 + 1/D)}, so {@code beta =
 * -alpha + softplus(b')} starts slightly negative: each layer starts as a mild contraction towards
 * its centre.
 */
public final class Radial extends Module implements Bijector {
  /** The type name in specs and model files. */
  public static final String TYPE = "radial";

  /** The smallest factor of the determinant; see the class comment. */
  public static final double MIN_SLOPE = LowRankMath.MIN_SLOPE;

  /** Centre of the uniform initial distribution of {@code beta'}. */
  static final double INIT_BETA_RAW = -1.0;

  private final int features;
  private final Orientation orientation;
  private final Parameter center;
  private final Parameter alphaRaw;
  private final Parameter betaRaw;

  /**
   * Creates a layer.
   *
   * @param features number of features {@code D}
   * @param orientation which direction is the closed form
   * @param seed seed of the initial parameters
   * @throws IllegalArgumentException if {@code features < 1}
   */
  public Radial(int features, Orientation orientation, long seed) {
    Checks.requirePositive(features, "Radial", "features");
    this.features = features;
    this.orientation = java.util.Objects.requireNonNull(orientation, "orientation");
    Rng rng = new Rng(seed);
    // Centres spread like the base's mass, so that the layers act around different points, and
    // beta' near -1: on W2's U2 and U3 this gave KL 0.50-0.54 and 0.63-0.69 where centres
    // U(+-1/sqrt(D)) and beta' near 0 gave 0.82-0.92 and 0.78-0.87 (docs/design-notes.md).
    double lim = 1.0 / features;
    this.center = registerParameter("center", rng.fillNormal(Tensor.zeros(features), 0, 1));
    this.alphaRaw = registerParameter("alphaRaw", rng.fillUniform(Tensor.zeros(1), -lim, lim));
    this.betaRaw =
        registerParameter(
            "betaRaw", rng.fillUniform(Tensor.zeros(1), INIT_BETA_RAW - lim, INIT_BETA_RAW + lim));
  }

  /**
   * A layer whose closed form is the sampling direction ({@code inverse}), for variational
   * inference.
   *
   * @throws IllegalArgumentException if {@code features < 1}
   */
  public static Radial sampling(int features, long seed) {
    return new Radial(features, Orientation.SAMPLING, seed);
  }

  /**
   * A layer whose closed form is the density direction ({@code forward}), for maximum likelihood.
   *
   * @throws IllegalArgumentException if {@code features < 1}
   */
  public static Radial density(int features, long seed) {
    return new Radial(features, Orientation.DENSITY, seed);
  }

  /** Number of features {@code D}. */
  public int features() {
    return features;
  }

  /** Which direction is the closed form. */
  public Orientation orientation() {
    return orientation;
  }

  /**
   * The normalizing direction ({@code g} in the density orientation, {@code g^-1} otherwise).
   *
   * @param x of shape {@code [batch, D]}
   * @return of shape {@code [batch, D]}, with log-determinants of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not {@code [batch, D]}
   */
  @Override
  public Transformed forward(Var x) {
    return orientation == Orientation.DENSITY
        ? RadialOps.closed("Radial.forward", x, center.var(), alphaRaw.var(), betaRaw.var())
        : RadialOps.solve("Radial.forward", x, center.var(), alphaRaw.var(), betaRaw.var());
  }

  /**
   * The generative direction ({@code g} in the sampling orientation, {@code g^-1} otherwise).
   *
   * @param z of shape {@code [batch, D]}
   * @return of shape {@code [batch, D]}, with log-determinants of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} is not {@code [batch, D]}
   */
  @Override
  public Transformed inverse(Var z) {
    return orientation == Orientation.SAMPLING
        ? RadialOps.closed("Radial.inverse", z, center.var(), alphaRaw.var(), betaRaw.var())
        : RadialOps.solve("Radial.inverse", z, center.var(), alphaRaw.var(), betaRaw.var());
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE)
        .put("features", features)
        .put("orientation", orientation.specName())
        .build();
  }

  /**
   * Rebuilds a layer from its {@link #spec()} (weights to be loaded from the saved state).
   *
   * @throws IllegalArgumentException if a member is missing or invalid
   */
  public static Radial fromSpec(Json.Obj spec) {
    return new Radial(
        spec.getInt("features"), Orientation.fromSpecName(spec.getString("orientation")), 0);
  }
}
