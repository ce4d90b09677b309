package io.flows4j.bijectors.coupling;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/** The contract on an additive coupling of 3 features, layer 1 of alternating halves. */
class AdditiveCouplingOddTest extends BijectorContractTest {
  static final int FEATURES = 3;

  @Override
  protected Bijector create(long seed) {
    AdditiveCoupling b =
        new AdditiveCoupling(CouplingMask.alternatingHalves(FEATURES, 1), new int[] {16}, seed);
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
