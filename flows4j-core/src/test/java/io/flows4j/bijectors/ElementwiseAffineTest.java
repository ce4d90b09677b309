package io.flows4j.bijectors;

import io.flows4j.tensor.Shape;

class ElementwiseAffineTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    ElementwiseAffine b = new ElementwiseAffine(3);
    perturb(b, seed, 0.5);
    return b;
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
