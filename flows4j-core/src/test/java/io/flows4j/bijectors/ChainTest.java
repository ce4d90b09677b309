package io.flows4j.bijectors;

import io.flows4j.tensor.Shape;

/** A chain of layers, one of them inverted, meets the contract too. */
class ChainTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    ElementwiseAffine a = new ElementwiseAffine(2);
    ElementwiseAffine b = new ElementwiseAffine(2);
    perturb(a, seed, 0.5);
    perturb(b, seed + 1, 0.5);
    return Bijectors.chain(a, b.inverted());
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(2);
  }

  @Override
  protected Structure structure() {
    return Structure.DIAGONAL;
  }
}
