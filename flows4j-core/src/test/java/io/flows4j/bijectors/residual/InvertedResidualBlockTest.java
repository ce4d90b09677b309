package io.flows4j.bijectors.residual;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/**
 * The contract for a block seen the other way round (the fixed-point iteration as the normalizing
 * direction, as variational inference uses it), so that gradients flow through the implicit
 * inverse.
 */
class InvertedResidualBlockTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    return InvertibleResidualBlockTest.block(2, seed, LogDetMethod.EXACT).inverted();
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(2);
  }
}
