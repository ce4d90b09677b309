package io.flows4j.bijectors.coupling;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.bijectors.spline.RationalQuadraticSpline;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.kernels.Activation;

/**
 * The contract on a spline coupling of 5 features, layer 1 of alternating halves, 5 bins on [-2,
 * 2], inputs standard normal (mostly inside the bound).
 */
class SplineCouplingOddTest extends BijectorContractTest {
  static final int FEATURES = 5;

  @Override
  protected Bijector create(long seed) {
    SplineCoupling b =
        new SplineCoupling(
            CouplingMask.alternatingHalves(FEATURES, 1),
            new int[] {16},
            Activation.TANH,
            new RationalQuadraticSpline(5, 2.0),
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
    return Structure.COUPLING;
  }

  @Override
  protected int[] identityFeatures() {
    return CouplingMask.alternatingHalves(FEATURES, 1).conditioningFeatures();
  }
}
