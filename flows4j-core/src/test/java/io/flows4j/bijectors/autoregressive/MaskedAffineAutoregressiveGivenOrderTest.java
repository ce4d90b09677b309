package io.flows4j.bijectors.autoregressive;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.kernels.Activation;

/** The contract on a MAF layer with a given order, tanh units and one hidden layer. */
class MaskedAffineAutoregressiveGivenOrderTest extends BijectorContractTest {
  private static final int[] ORDER = {2, 0, 3, 1};

  @Override
  protected Bijector create(long seed) {
    MaskedAffineAutoregressive b =
        MaskedAffineAutoregressive.builder(4)
            .hidden(12)
            .activation(Activation.TANH)
            .order(ORDER)
            .seed(seed)
            .build();
    perturb(b, seed, MaskedAffineAutoregressiveTest.PERTURBATION);
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(4);
  }

  @Override
  protected Structure structure() {
    return Structure.TRIANGULAR;
  }

  @Override
  protected int[] order() {
    return ORDER.clone();
  }
}
