package io.flows4j.bijectors.autoregressive;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/**
 * The contract on an IAF layer (the inverted MAF): its forward is now the sequential direction,
 * still triangular in the same order.
 */
class InverseAutoregressiveTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    MaskedAffineAutoregressive maf =
        MaskedAffineAutoregressive.builder(3).hidden(8, 8).reversedOrder().seed(seed).build();
    perturb(maf, seed, MaskedAffineAutoregressiveTest.PERTURBATION);
    return maf.inverted();
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
