package io.flows4j.bijectors.residual;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/** The contract for a 3-D block, exact log-determinant, far from the identity. */
class InvertibleResidualBlockTest extends BijectorContractTest {
  /** A block with perturbed weights and converged singular-vector estimates. */
  static InvertibleResidualBlock block(int features, long seed, LogDetMethod training) {
    InvertibleResidualBlock b =
        InvertibleResidualBlock.builder(features)
            .hidden(8, 8)
            .trainingLogDet(training)
            .evaluationLogDet(LogDetMethod.EXACT)
            .seed(seed)
            .build();
    perturb(b, seed, 0.5);
    b.refreshSpectralNorm();
    return b;
  }

  @Override
  protected Bijector create(long seed) {
    return block(3, seed, LogDetMethod.EXACT);
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(3);
  }
}
