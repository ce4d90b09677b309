package io.flows4j.bijectors.spline;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.nn.MADE;
import io.flows4j.tensor.Shape;

/** The contract on an autoregressive spline layer of 3 features in the natural order, 4 bins. */
class SplineAutoregressiveNaturalTest extends BijectorContractTest {
  static final int FEATURES = 3;

  @Override
  protected Bijector create(long seed) {
    SplineAutoregressive b =
        new SplineAutoregressive(
            FEATURES,
            MADE.naturalOrder(FEATURES),
            new int[] {12},
            io.flows4j.tensor.kernels.Activation.RELU,
            new RationalQuadraticSpline(4, 2.5),
            seed);
    perturb(b, seed, 0.3);
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(FEATURES);
  }

  @Override
  protected Structure structure() {
    return Structure.TRIANGULAR;
  }
}
