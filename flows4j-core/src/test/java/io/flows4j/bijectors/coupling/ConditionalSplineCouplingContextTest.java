package io.flows4j.bijectors.coupling;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.ConditionalContextTest;
import io.flows4j.bijectors.spline.RationalQuadraticSpline;
import io.flows4j.tensor.kernels.Activation;

/**
 * How a conditional SplineCoupling uses its context (only the transformed features depend on it).
 *
 * <p>The conditioner uses tanh: with ReLU, a finite-difference step of the context crosses a kink
 * of the conditioner for some elements (the central difference then averages two slopes; it missed
 * the analytic gradient by 0.68 at seed 20261123), which tests the step, not the gradient.
 */
class ConditionalSplineCouplingContextTest extends ConditionalContextTest {
  static final int FEATURES = 5;
  static final int CONTEXT = 3;

  @Override
  protected ConditionalBijector create(long seed) {
    return perturbed(
        new SplineCoupling(
            CouplingMask.alternatingHalves(FEATURES, 1),
            new int[] {16, 16},
            Activation.TANH,
            new RationalQuadraticSpline(8, 3.0),
            seed,
            CONTEXT),
        seed,
        0.3);
  }

  @Override
  protected Bijector createUnconditional(long seed) {
    return new SplineCoupling(
        CouplingMask.alternatingHalves(FEATURES, 1),
        new int[] {16, 16},
        Activation.TANH,
        new RationalQuadraticSpline(8, 3.0),
        seed);
  }

  @Override
  protected int features() {
    return FEATURES;
  }

  @Override
  protected int context() {
    return CONTEXT;
  }

  @Override
  protected int[] contextDependentFeatures() {
    return CouplingMask.alternatingHalves(FEATURES, 1).transformedFeatures();
  }
}
