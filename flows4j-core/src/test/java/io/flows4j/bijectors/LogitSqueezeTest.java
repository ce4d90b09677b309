package io.flows4j.bijectors;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * Logit with the image squeeze {@code alpha = 0.05}, on pixel-like inputs in [0, 1] including the
 * end points 0 and 1, which the squeeze keeps inside the domain.
 */
class LogitSqueezeTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    return new Logit(0.05);
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(2, 2, 2);
  }

  @Override
  protected Structure structure() {
    return Structure.DIAGONAL;
  }

  @Override
  protected Tensor input(long seed) {
    Tensor x = new Rng(seed).fillUniform(Tensor.zeros(BATCH, 2, 2, 2), 0, 1);
    x.setFlat(0, 0f);
    x.setFlat(1, 1f);
    return x;
  }

  @Override
  protected boolean extremeInputsInDomain(boolean forward) {
    return !forward;
  }
}
