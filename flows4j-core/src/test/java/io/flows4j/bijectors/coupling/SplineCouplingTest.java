package io.flows4j.bijectors.coupling;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The contract on a spline coupling of 4 features (8 bins, tail bound 3), layer 0 of alternating
 * halves, with test inputs four times a standard normal so that many lie outside the bound.
 */
class SplineCouplingTest extends BijectorContractTest {
  static final int FEATURES = 4;

  /** Inputs are standard normal times this, so many fall in the linear tails. */
  static final float INPUT_SCALE = 4f;

  @Override
  protected Bijector create(long seed) {
    SplineCoupling b =
        new SplineCoupling(CouplingMask.alternatingHalves(FEATURES, 0), new int[] {16, 16}, seed);
    perturb(b, seed, 0.3);
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(FEATURES);
  }

  @Override
  protected Tensor input(long seed) {
    return scale(super.input(seed), INPUT_SCALE);
  }

  @Override
  protected Tensor latent(long seed) {
    return scale(super.latent(seed), INPUT_SCALE);
  }

  static Tensor scale(Tensor t, float c) {
    for (int i = 0; i < t.size(); i++) {
      t.setFlat(i, c * t.getFlat(i));
    }
    return t;
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
