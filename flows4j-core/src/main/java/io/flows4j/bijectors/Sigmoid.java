package io.flows4j.bijectors;

import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;

/**
 * The logistic sigmoid as a bijector from the reals to {@code (0, 1)}, the inverse of {@link Logit}
 * (used in Real NVP, Dinh, Sohl-Dickstein and Bengio 2017, section 4.1, to relate bounded pixel
 * values to the reals).
 *
 * <pre>
 *   forward (data to latent):  z = sigmoid(x) = 1 / (1 + exp(-x)),   x real
 *   log|det dz/dx| = sum_i log(sigmoid(x_i) (1 - sigmoid(x_i))) = -sum_i (softplus(x_i) + softplus(-x_i))
 *   inverse:                   x = logit(z) = log(z) - log(1 - z),  z in (0, 1)
 * </pre>
 *
 * <p>Orientation: like every bijector named after a function, its {@code forward} applies that
 * function. For data that lives in {@code (0, 1)} and a latent space on the reals, use {@link
 * Logit} (or {@code new Sigmoid().inverted()}).
 *
 * <p>Domains: {@code forward} accepts every real (the log-determinant stays finite for every finite
 * input; float outputs round to 1 from about {@code x = 17} and to 0 from about {@code x = -104},
 * where {@code inverse} can no longer take them back); {@code inverse} throws {@link
 * InputOutsideDomainException} for a value outside {@code (0, 1)}. Inputs of any shape {@code
 * [batch, ...]}; no parameters.
 */
public final class Sigmoid implements Bijector {
  static final String TYPE = "sigmoid";

  private final ElementwiseMaps.ElementwiseMap forwardMap =
      new ElementwiseMaps.SigmoidMap("Sigmoid.forward", 0);
  private final ElementwiseMaps.ElementwiseMap inverseMap =
      new ElementwiseMaps.LogitMap("Sigmoid.inverse", 0);

  /** Creates the bijector. */
  public Sigmoid() {}

  /**
   * {@code z = sigmoid(x)}.
   *
   * @param x of shape {@code [batch, ...]}
   */
  @Override
  public Transformed forward(Var x) {
    return ElementwiseMaps.apply(x, forwardMap);
  }

  /**
   * {@code x = logit(z)}.
   *
   * @param z of shape {@code [batch, ...]}, every element in {@code (0, 1)}
   * @throws InputOutsideDomainException if an element is not in {@code (0, 1)}
   */
  @Override
  public Transformed inverse(Var z) {
    return ElementwiseMaps.apply(z, inverseMap);
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).build();
  }

  static Sigmoid fromSpec(Json.Obj spec) {
    return new Sigmoid();
  }
}
