package io.flows4j.distributions;

import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * A base density {@code p_Z} over events of a fixed shape, evaluated and sampled in batches.
 * Trainable distributions are also {@link io.flows4j.nn.Module}s.
 */
public interface Distribution {

  /** The shape of one event, without the batch dimension (e.g. {@code [D]}). */
  Shape eventShape();

  /**
   * The log-density of each row.
   *
   * @param z of shape {@code [batch, event...]}
   * @return {@code log p(z)} of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if a row does not have the event shape
   */
  Var logProb(Var z);

  /**
   * Draws {@code n} events at a temperature: the base's spread is scaled by {@code temperature} (1
   * is the distribution itself; below 1 gives more typical samples).
   *
   * @return samples of shape {@code [n, event...]}
   * @throws IllegalArgumentException if {@code n < 0} or {@code temperature <= 0}
   */
  Tensor sample(int n, double temperature, Rng rng);

  /**
   * Draws {@code n} events (temperature 1) and their log-density {@code log p(z)} under this
   * distribution, in one pass.
   */
  default Sampled sampleWithLogProb(int n, Rng rng) {
    Var z = Var.constant(sample(n, 1.0, rng));
    return new Sampled(z, logProb(z));
  }

  /** A JSON description from which {@link DistributionRegistry} rebuilds this distribution. */
  Json.Obj spec();

  /**
   * Samples with their log-densities.
   *
   * @param value samples of shape {@code [n, event...]}
   * @param logProb log-densities of shape {@code [n]}
   */
  record Sampled(Var value, Var logProb) {}
}
