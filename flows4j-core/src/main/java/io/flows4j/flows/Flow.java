package io.flows4j.flows;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Transformed;
import io.flows4j.distributions.Distribution;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;

/**
 * A normalizing flow: a bijector {@code f} from data to latent space and a base density {@code
 * p_Z}, giving the exact density {@code log p(x) = log p_Z(f(x)) + log|det df/dx|} and samples
 * {@code x = f^-1(z)}, {@code z ~ p_Z}.
 *
 * <p>Direction convention: {@link #encode} is the bijector's {@code forward} (data to latent),
 * {@link #decode} its {@code inverse} (latent to data).
 *
 * <p>Methods taking {@link Var}s record on the current tape (for training); methods taking and
 * returning {@link Tensor}s run without recording and return tensors that stay valid.
 */
public final class Flow extends Module {
  private final Bijector transform;
  private final Distribution base;

  /**
   * Creates a flow. When the bijector or the base is a module its parameters become this flow's,
   * under the names {@code transform.*} and {@code base.*}.
   */
  public Flow(Bijector transform, Distribution base) {
    this.transform = transform;
    this.base = base;
    if (transform instanceof Module m) {
      registerModule("transform", m);
    }
    if (base instanceof Module m) {
      registerModule("base", m);
    }
  }

  /** The bijector, data to latent. */
  public Bijector transform() {
    return transform;
  }

  /** The base distribution. */
  public Distribution base() {
    return base;
  }

  /**
   * The log-density of each row, differentiable (records on the current tape).
   *
   * @param x data of shape {@code [batch, event...]}
   * @return {@code log p(x)} of shape {@code [batch]}
   */
  public Var logProb(Var x) {
    Transformed t = transform.forward(x);
    return ArithmeticOps.add(base.logProb(t.value()), t.logAbsDet());
  }

  /**
   * The log-density of each row, without recording.
   *
   * @param x data of shape {@code [batch, event...]}
   * @return {@code log p(x)} of shape {@code [batch]}
   */
  public Tensor logProb(Tensor x) {
    try (Tape t = Tape.noGrad()) {
      return logProb(t.input(x)).value();
    }
  }

  /** Draws {@code n} samples of data at temperature 1; shape {@code [n, event...]}. */
  public Tensor sample(int n, Rng rng) {
    return sample(n, 1.0, rng);
  }

  /**
   * Draws {@code n} samples of data by decoding base samples drawn at a temperature (the base's
   * spread scaled by {@code temperature}).
   *
   * @throws IllegalArgumentException if {@code n < 0} or {@code temperature <= 0}
   */
  public Tensor sample(int n, double temperature, Rng rng) {
    Tensor z = base.sample(n, temperature, rng);
    return decode(z);
  }

  /**
   * Draws {@code n} samples and their log-densities in one pass: {@code log p(x) = log p_Z(z) -
   * log|det df^-1/dz|} for {@code x = f^-1(z)}, cheaper than sampling and then evaluating. Records
   * on the current tape (reparameterised: differentiable with respect to the parameters), so it
   * also serves reverse-KL training.
   *
   * @return samples of shape {@code [n, event...]} and log-densities of shape {@code [n]}
   */
  public Distribution.Sampled sampleWithLogProb(int n, Rng rng) {
    Checks.requireArgument(n >= 0, "Flow.sampleWithLogProb: n must be >= 0, but was %d", n);
    Distribution.Sampled z = base.sampleWithLogProb(n, rng);
    Transformed x = transform.inverse(z.value());
    return new Distribution.Sampled(x.value(), ArithmeticOps.sub(z.logProb(), x.logAbsDet()));
  }

  /** Maps data to latent space (the forward, normalizing direction), without recording. */
  public Tensor encode(Tensor x) {
    try (Tape t = Tape.noGrad()) {
      return transform.forward(t.input(x)).value().value();
    }
  }

  /** Maps latent values to data space (the inverse, generative direction), without recording. */
  public Tensor decode(Tensor z) {
    try (Tape t = Tape.noGrad()) {
      return transform.inverse(t.input(z)).value().value();
    }
  }
}
