package io.flows4j.bijectors.autoregressive;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The contract on a conditional MAF layer bound to a context with one row per input row: at any
 * fixed context it is a triangular bijector like an unconditional layer.
 */
class ConditionalMafTest extends BijectorContractTest {
  static final int CONTEXT = 4;

  @Override
  protected Bijector create(long seed) {
    MaskedAffineAutoregressive b =
        MaskedAffineAutoregressive.builder(3).hidden(8, 8).context(CONTEXT).seed(seed).build();
    perturb(b, seed, MaskedAffineAutoregressiveTest.PERTURBATION);
    Tensor c = new Rng(seed + 7).fillNormal(Tensor.zeros(BATCH, CONTEXT), 0, 1);
    return b.given(Var.constant(c));
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(3);
  }

  @Override
  protected Structure structure() {
    return Structure.TRIANGULAR;
  }
}
