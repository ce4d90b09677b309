package io.flows4j.bijectors;

import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;

/**
 * A family of bijectors indexed by a context vector {@code c}: for each context, {@code x -> z =
 * f(x; c)} is invertible in {@code x}, and a conditional flow has the density {@code log p(x | c) =
 * log p_Z(f(x; c) | c) + log|det df/dx (x; c)|}.
 *
 * <p>The direction convention is that of {@link Bijector}: {@link #forward} goes data to latent,
 * {@link #inverse} latent to data, and each returns the log-determinant of the direction taken, so
 * that {@code forward(x, c).logAbsDet = -inverse(f(x; c), c).logAbsDet}. The context only
 * parameterises the map; no Jacobian is taken with respect to it (gradients do flow into it, so an
 * embedding network in front of it trains with the flow).
 *
 * <p><b>Context shapes.</b> {@code context} has shape {@code [batch, C]}, one row per input row, or
 * {@code [1, C]}, one context for the whole batch (for drawing many samples at one context).
 *
 * <p>{@link #given} binds a context and gives an ordinary {@link Bijector}, so everything written
 * for bijectors (the contract tests, {@link io.flows4j.flows.Flow}) works on a conditional layer at
 * a fixed context.
 */
public interface ConditionalBijector {

  /**
   * The normalizing direction at a context.
   *
   * @param x data of shape {@code [batch, features]}
   * @param context of shape {@code [batch, C]} or {@code [1, C]}
   * @return {@code z = f(x; c)} and {@code log|det df/dx|} of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   */
  Transformed forward(Var x, Var context);

  /**
   * The generative direction at a context.
   *
   * @param z latent values of shape {@code [batch, features]}
   * @param context of shape {@code [batch, C]} or {@code [1, C]}
   * @return {@code x = f^-1(z; c)} and {@code log|det df^-1/dz|} of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   */
  Transformed inverse(Var z, Var context);

  /** The number of context features {@code C}. */
  int contextFeatures();

  /**
   * This family at a fixed context, as a bijector: {@code given(c).forward(x) = forward(x, c)}. The
   * result is a view for computing with (its {@code spec()} is this family's spec); save the
   * family, not the view.
   *
   * @param context of shape {@code [batch, C]} or {@code [1, C]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code context} is not {@code [n, C]}
   */
  default Bijector given(Var context) {
    return new BoundContext(this, context);
  }

  /** A JSON description of the family's architecture, as {@link Bijector#spec()}. */
  Json.Obj spec();
}
