package io.flows4j.bijectors.autoregressive;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.linear.Permutation;
import io.flows4j.tensor.Shape;

/** The contract on MAF, a random permutation and another MAF, chained. */
class MafChainTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    MaskedAffineAutoregressive a =
        MaskedAffineAutoregressive.builder(3).hidden(8, 8).seed(seed).build();
    MaskedAffineAutoregressive b =
        MaskedAffineAutoregressive.builder(3).hidden(8, 8).seed(seed + 1).build();
    perturb(a, seed, MaskedAffineAutoregressiveTest.PERTURBATION);
    perturb(b, seed + 1, MaskedAffineAutoregressiveTest.PERTURBATION);
    return Bijectors.chain(a, Permutation.of(1, 2, 0), b);
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(3);
  }
}
