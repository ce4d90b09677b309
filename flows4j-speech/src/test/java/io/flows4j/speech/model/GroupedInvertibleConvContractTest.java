package io.flows4j.speech.model;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/** {@link GroupedInvertibleConv} on {@code [batch, 8, 2]}: two groups of four channels. */
class GroupedInvertibleConvContractTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    GroupedInvertibleConv c = new GroupedInvertibleConv(8, seed);
    perturb(c, seed, 0.2);
    return c;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(8, 2);
  }
}
