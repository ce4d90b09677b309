package io.flows4j.bijectors;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/** ActNorm on images {@code [batch, 2, 2, 2]}: one scale and shift per channel. */
class ActNormImageTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    ActNorm a = new ActNorm(2);
    a.initialize(new Rng(seed + 5).fillNormal(Tensor.zeros(4, 2, 2, 2), -0.5, 3));
    perturb(a, seed, 0.3);
    return a;
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
