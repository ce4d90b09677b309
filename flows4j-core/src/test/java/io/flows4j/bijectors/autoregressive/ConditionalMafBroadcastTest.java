package io.flows4j.bijectors.autoregressive;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/** The contract on a conditional MAF layer bound to one context row shared by the whole batch. */
class ConditionalMafBroadcastTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    MaskedAffineAutoregressive b =
        MaskedAffineAutoregressive.builder(3)
            .hidden(8, 8)
            .reversedOrder()
            .context(ConditionalMafTest.CONTEXT)
            .seed(seed)
            .build();
    perturb(b, seed, MaskedAffineAutoregressiveTest.PERTURBATION);
    Tensor c = new Rng(seed + 9).fillNormal(Tensor.zeros(1, ConditionalMafTest.CONTEXT), 0, 1);
    return b.given(Var.constant(c));
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
