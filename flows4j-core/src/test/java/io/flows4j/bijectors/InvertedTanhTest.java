package io.flows4j.bijectors;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/** {@code new Tanh().inverted()}: the orientation for data in (-1, 1); forward is atanh. */
class InvertedTanhTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    return new Tanh().inverted();
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(3);
  }

  @Override
  protected Structure structure() {
    return Structure.DIAGONAL;
  }

  @Override
  protected Tensor input(long seed) {
    return new Rng(seed).fillUniform(Tensor.zeros(BATCH, 3), -0.95, 0.95);
  }

  @Override
  protected boolean extremeInputsInDomain(boolean forward) {
    return !forward;
  }
}
