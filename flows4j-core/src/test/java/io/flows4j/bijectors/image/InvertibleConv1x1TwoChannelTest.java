package io.flows4j.bijectors.image;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/** The contract on a perturbed 1x1 convolution over [batch, 2, 4, 4] (a non-square 3x4 image). */
class InvertibleConv1x1TwoChannelTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    InvertibleConv1x1 b = ImageLayers.invertibleConv1x1(2, seed + 1);
    perturb(b, seed, 0.5);
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(2, 3, 4);
  }
}
