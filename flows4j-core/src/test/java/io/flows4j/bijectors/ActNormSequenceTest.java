package io.flows4j.bijectors;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/** ActNorm on sequences {@code [batch, 3, 4]}: one scale and shift per channel. */
class ActNormSequenceTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    ActNorm a = new ActNorm(3);
    a.initialize(new Rng(seed + 5).fillNormal(Tensor.zeros(2, 3, 4), 0.7, 0.2));
    perturb(a, seed, 0.3);
    return a;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(3, 4);
  }

  @Override
  protected Structure structure() {
    return Structure.DIAGONAL;
  }
}
