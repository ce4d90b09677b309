package io.flows4j.bijectors.autoregressive;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/** The contract on a MAF layer in the reversed order: its Jacobian is triangular in that order. */
class MaskedAffineAutoregressiveReversedTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    MaskedAffineAutoregressive b =
        MaskedAffineAutoregressive.builder(3).hidden(8, 8).reversedOrder().seed(seed).build();
    perturb(b, seed, MaskedAffineAutoregressiveTest.PERTURBATION);
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(3);
  }

  @Override
  protected Structure structure() {
    return Structure.TRIANGULAR;
  }

  @Override
  protected int[] order() {
    return new int[] {2, 1, 0};
  }
}
