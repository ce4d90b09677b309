package io.flows4j.bijectors.autoregressive;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The contract on a conditional IAF layer (an inverted conditional MAF) bound to a context with one
 * row per input row.
 */
class ConditionalIafTest extends BijectorContractTest {
  static final int FEATURES = 5;
  static final int CONTEXT = 3;

  @Override
  protected Bijector create(long seed) {
    var b =
        ((io.flows4j.bijectors.ConditionalBijector)
            MaskedAffineAutoregressive.builder(FEATURES)
                .hidden(8, 8)
                .reversedOrder()
                .context(CONTEXT)
                .seed(seed)
                .buildInverse());
    perturb((Bijector) b, seed, MaskedAffineAutoregressiveTest.PERTURBATION);
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
}
