package io.flows4j.speech.model;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The whole {@link FlowDecoder} (squeeze, two blocks, unsqueeze) on {@code [batch, 2, 6]}: ActNorm
 * initialised from data, every parameter perturbed, evaluation mode.
 */
class FlowDecoderContractTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    FlowDecoder d = new FlowDecoder(2, 2, 6, 3, 1, 2, 0.05, seed);
    d.forward(Var.constant(new Rng(seed + 9).fillNormal(Tensor.zeros(3, 2, 6), -1, 2)), null);
    perturb(d, seed, 0.1);
    d.eval();
    return d;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(2, 6);
  }
}
