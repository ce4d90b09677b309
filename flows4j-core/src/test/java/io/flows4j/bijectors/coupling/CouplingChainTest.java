package io.flows4j.bijectors.coupling;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.ElementwiseAffine;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The contract on a chain of couplings of every kind with alternating masks (and one inverted), on
 * inputs twice a standard normal.
 */
class CouplingChainTest extends BijectorContractTest {
  static final int FEATURES = 4;

  @Override
  protected Bijector create(long seed) {
    int[] hidden = {12, 12};
    AffineCoupling a0 = new AffineCoupling(CouplingMask.alternatingHalves(FEATURES, 0), hidden, 1);
    SplineCoupling s1 = new SplineCoupling(CouplingMask.alternatingHalves(FEATURES, 1), hidden, 2);
    AdditiveCoupling n2 =
        new AdditiveCoupling(CouplingMask.alternatingHalves(FEATURES, 2), hidden, 3);
    AffineCoupling a3 = new AffineCoupling(CouplingMask.alternatingHalves(FEATURES, 3), hidden, 4);
    SplineCoupling s4 = new SplineCoupling(CouplingMask.of(true, false, true, false), hidden, 5);
    ElementwiseAffine e5 = new ElementwiseAffine(FEATURES);
    Bijector chain = Bijectors.chain(a0, s1, n2, a3.inverted(), s4, e5);
    perturb(chain, seed, 0.2);
    return chain;
  }

  @Override
  protected Tensor input(long seed) {
    return SplineCouplingTest.scale(super.input(seed), 2f);
  }

  @Override
  protected Tensor latent(long seed) {
    return SplineCouplingTest.scale(super.latent(seed), 2f);
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(FEATURES);
  }
}
