package io.flows4j.bijectors;

import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;

/**
 * The hyperbolic tangent as a bijector from the reals to {@code (-1, 1)} (the squashing layer of
 * bounded flows, e.g. Haarnoja et al. 2018, "Soft Actor-Critic", appendix C).
 *
 * <pre>
 *   forward (data to latent):  z = tanh(x),   x real
 *   log|det dz/dx| = sum_i log(1 - tanh(x_i)^2) = sum_i 2 (log 2 - |x_i| - softplus(-2 |x_i|))
 *   inverse:                   x = atanh(z) = (log1p(z) - log1p(-z)) / 2,   z in (-1, 1)
 * </pre>
 *
 * <p>Orientation: {@code forward} applies tanh, as the name says, and maps the reals into the
 * bounded box. For data that lives in {@code (-1, 1)} and a latent space on the reals, place {@code
 * new Tanh().inverted()} in the chain (its forward is atanh). The log-determinant is computed in
 * the stable form above: the naive {@code log(1 - tanh(x)^2)} is {@code -inf} from {@code |x| ~ 10}
 * on, this stays finite (e.g. {@code -1998.6} at {@code x = 1000}).
 *
 * <p>Domains: {@code forward} accepts every real; {@code inverse} throws {@link
 * InputOutsideDomainException} for a value outside {@code (-1, 1)} (or NaN). Inputs of any shape
 * {@code [batch, ...]}; no parameters.
 */
public final class Tanh implements Bijector {
  static final String TYPE = "tanh";

  private final ElementwiseMaps.ElementwiseMap forwardMap =
      new ElementwiseMaps.TanhMap("Tanh.forward");
  private final ElementwiseMaps.ElementwiseMap inverseMap =
      new ElementwiseMaps.AtanhMap("Tanh.inverse");

  /** Creates the bijector. */
  public Tanh() {}

  /**
   * {@code z = tanh(x)}.
   *
   * @param x of shape {@code [batch, ...]}
   */
  @Override
  public Transformed forward(Var x) {
    return ElementwiseMaps.apply(x, forwardMap);
  }

  /**
   * {@code x = atanh(z)}.
   *
   * @param z of shape {@code [batch, ...]}, every element in {@code (-1, 1)}
   * @throws InputOutsideDomainException if an element is not in {@code (-1, 1)}
   */
  @Override
  public Transformed inverse(Var z) {
    return ElementwiseMaps.apply(z, inverseMap);
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).build();
  }

  static Tanh fromSpec(Json.Obj spec) {
    return new Tanh();
  }
}
