package io.flows4j.bijectors;

import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.tensor.Checks;

/**
 * The logit as a bijector from {@code (0, 1)} to the reals, optionally after the symmetric squeeze
 * {@code s = alpha + (1 - 2 alpha) x} applied to pixel values before modelling them on the reals
 * (Papamakarios, Pavlakou and Murray 2017, "Masked Autoregressive Flow for Density Estimation", in
 * its image experiments, with {@code alpha = 1e-6} and {@code 0.05}; Dinh, Sohl-Dickstein and
 * Bengio 2017, "Density estimation using Real NVP", section 4.1, use the one-sided {@code alpha +
 * (1 - alpha) x}). The inverse of {@link Sigmoid} when {@code alpha = 0}.
 *
 * <pre>
 *   forward (data to latent):  s = alpha + (1 - 2 alpha) x,   z = log(s) - log(1 - s)
 *   log|det dz/dx| = sum_i [log(1 - 2 alpha) - log(s_i) - log(1 - s_i)]
 *   inverse:                   x = (sigmoid(z) - alpha) / (1 - 2 alpha)
 * </pre>
 *
 * <p>The squeeze keeps the logit of pixel values at 0 and 1 finite: with {@code alpha > 0} the
 * forward domain is {@code (-alpha / (1 - 2 alpha), (1 - alpha) / (1 - 2 alpha))}, which contains
 * {@code [0, 1]}; with {@code alpha = 0} it is {@code (0, 1)}. A value outside it (or NaN) throws
 * {@link InputOutsideDomainException}; the layer does not clamp, since a clamped value would get a
 * density that is not the density of the data. {@code inverse} accepts every real. Inputs of any
 * shape {@code [batch, ...]}; no parameters.
 */
public final class Logit implements Bijector {
  static final String TYPE = "logit";

  private final double alpha;
  private final ElementwiseMaps.ElementwiseMap forwardMap;
  private final ElementwiseMaps.ElementwiseMap inverseMap;

  /** The plain logit, {@code alpha = 0}. */
  public Logit() {
    this(0);
  }

  /**
   * The logit after the squeeze {@code alpha + (1 - 2 alpha) x}.
   *
   * @param alpha in {@code [0, 0.5)}
   * @throws IllegalArgumentException if {@code alpha} is outside {@code [0, 0.5)}
   */
  public Logit(double alpha) {
    Checks.requireArgument(
        alpha >= 0 && alpha < 0.5, "Logit: alpha must be in [0, 0.5), but was %s", alpha);
    this.alpha = alpha;
    this.forwardMap = new ElementwiseMaps.LogitMap("Logit.forward", alpha);
    this.inverseMap = new ElementwiseMaps.SigmoidMap("Logit.inverse", alpha);
  }

  /** The squeeze parameter {@code alpha}. */
  public double alpha() {
    return alpha;
  }

  /**
   * {@code z = logit(alpha + (1 - 2 alpha) x)}.
   *
   * @param x of shape {@code [batch, ...]}, every element in the domain (see the class comment)
   * @throws InputOutsideDomainException if an element is outside the domain
   */
  @Override
  public Transformed forward(Var x) {
    return ElementwiseMaps.apply(x, forwardMap);
  }

  /**
   * {@code x = (sigmoid(z) - alpha) / (1 - 2 alpha)}.
   *
   * @param z of shape {@code [batch, ...]}
   */
  @Override
  public Transformed inverse(Var z) {
    return ElementwiseMaps.apply(z, inverseMap);
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).put("alpha", alpha).build();
  }

  static Logit fromSpec(Json.Obj spec) {
    return new Logit(spec.getDouble("alpha"));
  }
}
