package io.flows4j.bijectors.coupling;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.ConditionalContextTest;
import io.flows4j.tensor.kernels.Activation;

/**
 * How a conditional AdditiveCoupling uses its context (only the transformed features depend on it).
 */
class ConditionalAdditiveCouplingContextTest extends ConditionalContextTest {
  static final int FEATURES = 5;
  static final int CONTEXT = 3;

  @Override
  protected ConditionalBijector create(long seed) {
    return perturbed(
        new AdditiveCoupling(
            CouplingMask.alternatingHalves(FEATURES, 1),
            new int[] {16, 16},
            Activation.RELU,
            seed,
            CONTEXT),
        seed,
        0.3);
  }

  @Override
  protected Bijector createUnconditional(long seed) {
    return new AdditiveCoupling(
        CouplingMask.alternatingHalves(FEATURES, 1), new int[] {16, 16}, Activation.RELU, seed);
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
