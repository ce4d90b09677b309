package io.flows4j.bijectors.coupling;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/** The contract on an affine coupling with an arbitrary (interleaved) mask. */
class AffineCouplingMaskTest extends BijectorContractTest {
  static final CouplingMask MASK = CouplingMask.of(true, false, true, true, false, false);

  @Override
  protected Bijector create(long seed) {
    AffineCoupling b = new AffineCoupling(MASK, new int[] {16}, seed);
    perturb(b, seed, 0.3);
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(MASK.features());
  }

  @Override
  protected Structure structure() {
    return Structure.COUPLING;
  }

  @Override
  protected int[] identityFeatures() {
    return MASK.conditioningFeatures();
  }
}
