package io.flows4j.bijectors.residual;

import io.flows4j.bijectors.ActNorm;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/** ActNorm and residual blocks composed, one block inverted, meet the contract. */
class ResidualChainTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    ActNorm first = new ActNorm(2);
    ActNorm second = new ActNorm(2);
    // Initialised up front: a data-dependent initialisation on the contract's first forward call
    // would change the layer between the two halves of a round trip that starts from the latent.
    first.initialize(new Rng(seed).fillNormal(Tensor.zeros(64, 2), 0.5, 2));
    second.initialize(new Rng(seed + 1).fillNormal(Tensor.zeros(64, 2), -0.5, 0.7));
    return Bijectors.chain(
        first,
        InvertibleResidualBlockTest.block(2, seed + 2, LogDetMethod.EXACT),
        second,
        InvertibleResidualBlockTest.block(2, seed + 3, LogDetMethod.EXACT).inverted());
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(2);
  }
}
