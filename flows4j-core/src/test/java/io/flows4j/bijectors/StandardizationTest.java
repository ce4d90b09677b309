package io.flows4j.bijectors;

import io.flows4j.tensor.Shape;

/** A standardization with means and spreads far from 0 and 1. */
class StandardizationTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    return new Standardization(new double[] {1.5, -3, 100}, new double[] {0.5, 2, 30});
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(3);
  }

  @Override
  protected Structure structure() {
    return Structure.DIAGONAL;
  }
}
