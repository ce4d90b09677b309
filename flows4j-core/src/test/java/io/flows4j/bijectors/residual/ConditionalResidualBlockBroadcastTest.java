package io.flows4j.bijectors.residual;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The contract for a conditional 3-D block (exact log-determinant) bound to one context row shared
 * by the whole batch.
 */
class ConditionalResidualBlockBroadcastTest extends BijectorContractTest {
  static final int CONTEXT = 2;

  /** A conditional block with perturbed weights and converged singular-vector estimates. */
  static InvertibleResidualBlock block(long seed) {
    InvertibleResidualBlock b =
        InvertibleResidualBlock.builder(3)
            .hidden(8, 8)
            .logDet(LogDetMethod.EXACT)
            .context(CONTEXT)
            .seed(seed)
            .build();
    perturb(b, seed, 0.5);
    b.refreshSpectralNorm();
    return b;
  }

  @Override
  protected Bijector create(long seed) {
    Tensor c = new Rng(seed + 7).fillNormal(Tensor.zeros(1, CONTEXT), 0, 1);
    return block(seed).given(Var.constant(c));
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(3);
  }
}
