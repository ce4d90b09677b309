package io.flows4j.bijectors.autoregressive;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.ConditionalContextTest;
import io.flows4j.tensor.kernels.Activation;

/**
 * How a conditional IAF layer (an inverted conditional MAF) uses its context. The MADE uses tanh:
 * the first feature's parameters come from the few hidden units of degree 0, and with ReLU both
 * random contexts can switch all of them off for a row, making that row's output equal for both.
 */
class ConditionalIafContextTest extends ConditionalContextTest {
  static final int FEATURES = 4;
  static final int CONTEXT = 2;

  @Override
  protected ConditionalBijector create(long seed) {
    Bijector b =
        MaskedAffineAutoregressive.builder(FEATURES)
            .hidden(8, 8)
            .activation(Activation.TANH)
            .reversedOrder()
            .context(CONTEXT)
            .seed(seed)
            .buildInverse();
    return (ConditionalBijector) perturbed(b, seed, MaskedAffineAutoregressiveTest.PERTURBATION);
  }

  @Override
  protected Bijector createUnconditional(long seed) {
    return MaskedAffineAutoregressive.builder(FEATURES).hidden(8, 8).seed(seed).buildInverse();
  }

  @Override
  protected int features() {
    return FEATURES;
  }

  @Override
  protected int context() {
    return CONTEXT;
  }
}
