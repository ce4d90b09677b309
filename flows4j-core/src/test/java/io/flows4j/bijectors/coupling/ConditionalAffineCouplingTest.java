package io.flows4j.bijectors.coupling;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;

/** The contract on a conditional AffineCoupling bound to a context with one row per input row. */
class ConditionalAffineCouplingTest extends BijectorContractTest {
  static final int FEATURES = 5;
  static final int CONTEXT = 3;

  @Override
  protected Bijector create(long seed) {
    var b =
        new AffineCoupling(
            CouplingMask.alternatingHalves(FEATURES, 1),
            new int[] {16, 16},
            Activation.RELU,
            AffineCoupling.DEFAULT_SCALE_BOUND,
            seed,
            CONTEXT);
    perturb(b, seed, 0.3);
    Tensor c = new Rng(seed + 7).fillNormal(Tensor.zeros(BATCH, CONTEXT), 0, 1);
    return b.given(Var.constant(c));
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
