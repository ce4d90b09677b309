package io.flows4j.bijectors.spline;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.nn.MADE;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;

/**
 * The contract on a conditional autoregressive spline layer bound to a context with one row per
 * input row (inputs twice a standard normal, some outside the bound).
 */
class ConditionalSplineAutoregressiveTest extends BijectorContractTest {
  static final int FEATURES = 5;
  static final int CONTEXT = 3;

  @Override
  protected Bijector create(long seed) {
    var b =
        new SplineAutoregressive(
            FEATURES,
            MADE.reversedOrder(FEATURES),
            new int[] {16, 16},
            Activation.RELU,
            new RationalQuadraticSpline(8, 3.0),
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
    return Structure.TRIANGULAR;
  }

  @Override
  protected int[] order() {
    return new int[] {4, 3, 2, 1, 0};
  }

  @Override
  protected Tensor input(long seed) {
    return SplineAutoregressiveTest.scale(super.input(seed), 2f);
  }

  @Override
  protected Tensor latent(long seed) {
    return SplineAutoregressiveTest.scale(super.latent(seed), 2f);
  }
}
