package io.flows4j.bijectors;

import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.tensor.Shape;

/**
 * An invertible, differentiable map between data and latent space, applied to a batch.
 *
 * <p><b>Direction convention.</b> {@link #forward} is the <em>normalizing</em> direction, data
 * {@code x} to latent {@code z = f(x)}, and {@link #inverse} the <em>generative</em> direction,
 * latent to data. Both return the value together with {@code log|det J|} of the direction taken,
 * one value per batch row; for any input the two log-determinants cancel: {@code
 * forward(x).logAbsDet = -inverse(f(x)).logAbsDet}. A flow's density is {@code log p(x) = log
 * p_Z(f(x)) + forward(x).logAbsDet}.
 *
 * <p>A transform whose formula is written latent to data (planar, radial, IAF) is a bijector whose
 * {@code inverse} is the closed form and whose {@code forward} is computed numerically to a stated
 * tolerance, or one seen through {@link #inverted()}. No bijector throws {@code
 * UnsupportedOperationException} for either direction.
 *
 * <p>Inputs have shape {@code [batch, features]} for vector flows, {@code [batch, C, T]} or {@code
 * [batch, C, H, W]} for sequence and image flows. Both methods record on the current {@link
 * io.flows4j.autodiff.Tape} when one is recording, so they are differentiable with respect to the
 * input and to the bijector's parameters.
 */
public interface Bijector {

  /**
   * The normalizing direction, data to latent.
   *
   * @param x data of shape {@code [batch, ...]}
   * @return {@code z = f(x)} and {@code log|det df/dx|} of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} does not have the event shape
   *     this bijector was built for
   */
  Transformed forward(Var x);

  /**
   * The generative direction, latent to data.
   *
   * @param z latent values of shape {@code [batch, ...]}
   * @return {@code x = f^-1(z)} and {@code log|det df^-1/dz|} of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} does not have the event shape
   *     this bijector produces
   */
  Transformed inverse(Var z);

  /**
   * The event shape (one row, without the batch dimension) that {@link #forward} produces from an
   * input row of shape {@code inputEvent}; the identity for shape-preserving bijectors.
   */
  default Shape forwardEventShape(Shape inputEvent) {
    return inputEvent;
  }

  /**
   * The same bijection seen the other way round: its {@code forward} is this one's {@code inverse}.
   * Use it to put the closed-form direction of a transform on the side that training needs.
   */
  default Bijector inverted() {
    return Bijectors.inverted(this);
  }

  /**
   * A JSON description from which {@link BijectorRegistry} rebuilds this bijector's architecture
   * (without its weights, which are saved as the module's state): an object with a {@code "type"}
   * member and the hyper-parameters.
   */
  Json.Obj spec();
}
