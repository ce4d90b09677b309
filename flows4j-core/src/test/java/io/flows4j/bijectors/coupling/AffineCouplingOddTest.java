package io.flows4j.bijectors.coupling;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.kernels.Activation;

/**
 * The contract on an affine coupling of 5 features, layer 1 of alternating halves, tanh conditioner
 * and a small scale bound (so the soft clip is active).
 */
class AffineCouplingOddTest extends BijectorContractTest {
  static final int FEATURES = 5;

  @Override
  protected Bijector create(long seed) {
    AffineCoupling b =
        new AffineCoupling(
            CouplingMask.alternatingHalves(FEATURES, 1),
            new int[] {16, 16},
            Activation.TANH,
            1.5,
            seed);
    perturb(b, seed, 0.5);
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
