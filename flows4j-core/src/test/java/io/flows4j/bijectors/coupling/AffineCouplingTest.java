package io.flows4j.bijectors.coupling;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/** The contract on an affine coupling of 5 features, layer 0 of alternating halves. */
class AffineCouplingTest extends BijectorContractTest {
  static final int FEATURES = 5;

  @Override
  protected Bijector create(long seed) {
    AffineCoupling b =
        new AffineCoupling(CouplingMask.alternatingHalves(FEATURES, 0), new int[] {16, 16}, seed);
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
    return CouplingMask.alternatingHalves(FEATURES, 0).conditioningFeatures();
  }
}
