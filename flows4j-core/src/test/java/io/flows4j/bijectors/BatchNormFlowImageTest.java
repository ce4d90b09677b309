package io.flows4j.bijectors;

import io.flows4j.tensor.Shape;

/** BatchNormFlow on images {@code [batch, 2, 2, 2]} in evaluation mode, per-channel statistics. */
class BatchNormFlowImageTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    BatchNormFlow b = new BatchNormFlow(2, 1e-4, 0.3);
    BatchNormFlowTest.warmUp(b, Shape.of(4, 2, 2, 2), seed + 3);
    perturb(b, seed, 0.4);
    b.eval();
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(2, 2, 2);
  }

  @Override
  protected Structure structure() {
    return Structure.DIAGONAL;
  }
}
