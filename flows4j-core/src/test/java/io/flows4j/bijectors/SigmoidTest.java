package io.flows4j.bijectors;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/** Sigmoid: forward on the reals, inverse on (0, 1). */
class SigmoidTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    return new Sigmoid();
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
  protected Tensor latent(long seed) {
    return new Rng(seed + 1).fillUniform(Tensor.zeros(BATCH, 3), 0.02, 0.98);
  }

  @Override
  protected boolean extremeInputsInDomain(boolean forward) {
    return forward;
  }
}
