package io.flows4j.bijectors.spline;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.ConditionalContextTest;
import io.flows4j.nn.MADE;
import io.flows4j.tensor.kernels.Activation;

/**
 * How a conditional autoregressive spline layer uses its context (every feature depends on it).
 *
 * <p>The conditioner uses tanh: with ReLU, a finite-difference step of the context crosses a kink
 * of the conditioner for some elements (the central difference then averages two slopes; it missed
 * the analytic gradient by 0.034, 1.2 times the tolerance, at seed 20261123), which tests the step,
 * not the gradient.
 */
class ConditionalSplineAutoregressiveContextTest extends ConditionalContextTest {
  static final int FEATURES = 5;
  static final int CONTEXT = 3;

  @Override
  protected ConditionalBijector create(long seed) {
    return perturbed(
        new SplineAutoregressive(
            FEATURES,
            MADE.reversedOrder(FEATURES),
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
    return new SplineAutoregressive(
        FEATURES,
        MADE.reversedOrder(FEATURES),
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
}
