package io.flows4j.speech.model;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/** {@link SequenceActNorm} on {@code [batch, 4, 3]}, initialised from data and perturbed. */
class SequenceActNormContractTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    SequenceActNorm a = new SequenceActNorm(4);
    Tensor x = new Rng(seed + 3).fillNormal(Tensor.zeros(3, 4, 5), 0.4, 1.7);
    a.forward(io.flows4j.autodiff.Var.constant(x), Masks.fromLengths(new int[] {5, 2, 4}, 5));
    perturb(a, seed, 0.2);
    return a;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(4, 3);
  }

  @Override
  protected Structure structure() {
    return Structure.DIAGONAL;
  }
}
