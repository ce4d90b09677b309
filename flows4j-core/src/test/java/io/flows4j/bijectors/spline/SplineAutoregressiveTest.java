package io.flows4j.bijectors.spline;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.nn.MADE;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The contract on an autoregressive spline layer of 4 features in reversed order (8 bins, tail
 * bound 3), with inputs four times a standard normal so that many lie outside the bound.
 */
class SplineAutoregressiveTest extends BijectorContractTest {
  static final int FEATURES = 4;

  @Override
  protected Bijector create(long seed) {
    SplineAutoregressive b =
        new SplineAutoregressive(FEATURES, MADE.reversedOrder(FEATURES), new int[] {16, 16}, seed);
    perturb(b, seed, 0.3);
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(FEATURES);
  }

  @Override
  protected Tensor input(long seed) {
    return scale(super.input(seed), 4f);
  }

  @Override
  protected Tensor latent(long seed) {
    return scale(super.latent(seed), 4f);
  }

  static Tensor scale(Tensor t, float c) {
    for (int i = 0; i < t.size(); i++) {
      t.setFlat(i, c * t.getFlat(i));
    }
    return t;
  }

  @Override
  protected Structure structure() {
    return Structure.TRIANGULAR;
  }

  @Override
  protected int[] order() {
    int[] o = new int[FEATURES];
    for (int k = 0; k < FEATURES; k++) {
      o[k] = FEATURES - 1 - k;
    }
    return o;
  }
}
