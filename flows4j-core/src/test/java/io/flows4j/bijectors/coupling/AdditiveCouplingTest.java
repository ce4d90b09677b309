package io.flows4j.bijectors.coupling;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/** The contract on an additive coupling of 4 features, layer 0 of alternating halves. */
class AdditiveCouplingTest extends BijectorContractTest {
  static final int FEATURES = 4;

  @Override
  protected Bijector create(long seed) {
    AdditiveCoupling b =
        new AdditiveCoupling(CouplingMask.alternatingHalves(FEATURES, 0), new int[] {16, 16}, seed);
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
