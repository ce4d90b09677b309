package io.flows4j.bijectors;

import io.flows4j.autodiff.Tape;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * BatchNormFlow on {@code [batch, 3]} in evaluation mode (rows independent), with running
 * statistics from a few training batches and perturbed parameters.
 */
class BatchNormFlowTest extends BijectorContractTest {
  /** Trains the running statistics on a few batches of shifted, scaled normal data. */
  static void warmUp(BatchNormFlow b, Shape batchShape, long seed) {
    Rng rng = new Rng(seed);
    b.train();
    for (int i = 0; i < 5; i++) {
      try (Tape t = Tape.noGrad()) {
        b.forward(t.input(rng.fillNormal(Tensor.zeros(batchShape), 2.0, 3.0)));
      }
    }
  }

  @Override
  protected Bijector create(long seed) {
    BatchNormFlow b = new BatchNormFlow(3);
    warmUp(b, Shape.of(16, 3), seed + 3);
    perturb(b, seed, 0.4);
    b.eval();
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(3);
  }

  @Override
  protected Structure structure() {
    return Structure.DIAGONAL;
  }
}
