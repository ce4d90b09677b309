package io.flows4j.bijectors;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/** Logit without squeeze: forward on (0, 1), inverse on the reals. */
class LogitTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    return new Logit();
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
    return new Rng(seed).fillUniform(Tensor.zeros(BATCH, 3), 0.02, 0.98);
  }

  @Override
  protected boolean extremeInputsInDomain(boolean forward) {
    return !forward;
  }
}
