package io.flows4j.bijectors;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/** ActNorm on {@code [batch, 3]}: initialised from data, then perturbed. */
class ActNormTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    ActNorm a = new ActNorm(3);
    a.initialize(new Rng(seed + 5).fillNormal(Tensor.zeros(16, 3), 1.5, 2));
    perturb(a, seed, 0.3);
    return a;
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
