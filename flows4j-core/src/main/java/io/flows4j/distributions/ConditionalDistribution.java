package io.flows4j.distributions;

import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;

/**
 * A base density {@code p_Z(z | c)} whose parameters depend on a context vector {@code c}, the base
 * of a conditional flow ({@code log p(x | c) = log p_Z(f(x; c) | c) + log|det df/dx|}). Trainable
 * ones are also {@link io.flows4j.nn.Module}s, and the gradient of {@link #logProb} reaches the
 * context (so an embedding network in front of it trains with the flow).
 *
 * <p><b>Context shapes.</b> {@code context} has shape {@code [batch, C]}, one row per event, or
 * {@code [1, C]}, one context for all of them.
 */
public interface ConditionalDistribution {

  /** The shape of one event, without the batch dimension (e.g. {@code [D]}). */
  Shape eventShape();

  /** The number of context features {@code C}. */
  int contextFeatures();

  /**
   * The log-density of each row at its context.
   *
   * @param z of shape {@code [batch, event...]}
   * @param context of shape {@code [batch, C]} or {@code [1, C]}
   * @return {@code log p(z | c)} of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   */
  Var logProb(Var z, Var context);

  /**
   * Draws {@code n} events at a context and a temperature (the spread around the context's mean is
   * scaled by {@code temperature}; 1 is the distribution itself).
   *
   * @param context of shape {@code [n, C]} or {@code [1, C]}
   * @return samples of shape {@code [n, event...]}, constants
   * @throws IllegalArgumentException if {@code n < 0} or {@code temperature <= 0}
   * @throws io.flows4j.tensor.ShapeMismatchException if the context does not fit
   */
  Var sample(int n, Var context, double temperature, Rng rng);

  /**
   * Draws {@code n} events (temperature 1) at a context with their log-densities {@code log p(z |
   * c)}, in one pass.
   *
   * @param context of shape {@code [n, C]} or {@code [1, C]}
   * @throws IllegalArgumentException if {@code n < 0}
   * @throws io.flows4j.tensor.ShapeMismatchException if the context does not fit
   */
  Distribution.Sampled sampleWithLogProb(int n, Var context, Rng rng);

  /**
   * A JSON description from which {@link DistributionRegistry#buildConditional} rebuilds this
   * distribution.
   */
  Json.Obj spec();
}
