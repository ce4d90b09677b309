package io.flows4j.training;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.data.Dataset;
import io.flows4j.data.Dequantization;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;

/**
 * A model of 8-bit data read as dequantized values: the rows hold pixel values {@code p} and the
 * wrapped model is given {@code p + u}, {@code u ~ U[0, 1)}, fresh noise on every call in training
 * mode and the fixed noise of {@link Dequantization#addFixed} in evaluation mode; see {@link
 * BatchDensity#dequantized}.
 */
final class DequantizedDensity implements BatchDensity {
  private final BatchDensity inner;
  private final Rng rng;

  DequantizedDensity(BatchDensity inner, long seed) {
    this.inner = inner;
    this.rng = new Rng(seed);
  }

  @Override
  public Module module() {
    return inner.module();
  }

  @Override
  public int dataColumns() {
    return inner.dataColumns();
  }

  @Override
  public Var logProb(Var rows) {
    Tensor x = Tape.newValue(rows.shape()).copyFrom(rows.value());
    int columns = inner.dataColumns() < 0 ? x.shape().dim(1) : inner.dataColumns();
    if (inner.module().isTraining()) {
      Dequantization.addUniform(x, columns, rng);
    } else {
      Dequantization.addFixed(x, columns);
    }
    return inner.logProb(Var.constant(x));
  }

  @Override
  public void requireFits(Dataset data) {
    inner.requireFits(data);
  }
}
