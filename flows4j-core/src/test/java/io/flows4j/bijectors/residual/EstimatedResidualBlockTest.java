package io.flows4j.bijectors.residual;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/**
 * The contract for a block trained with the log-determinant estimator and evaluated exactly: the
 * gradient check runs through the estimator's surrogate, everything else through the exact path.
 */
class EstimatedResidualBlockTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    return InvertibleResidualBlockTest.block(4, seed, LogDetMethod.ESTIMATOR);
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(4);
  }
}
