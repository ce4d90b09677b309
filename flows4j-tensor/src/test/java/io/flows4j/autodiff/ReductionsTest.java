package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ReductionsTest {

  @Test
  @DisplayName("sum and mean, seed=301")
  void sumAndMean() {
    Tensor x = GradCheck.uniform(301, -1, 1, 3, 2, 2);
    double s = 0;
    for (int i = 0; i < x.size(); i++) {
      s += x.getFlat(i);
    }
    try (Tape tape = Tape.noGrad()) {
      Var v = tape.input(x);
      assertThat(Reductions.sum(v).shape()).isEqualTo(Shape.of(1));
      Reference.assertClose(Reductions.sum(v).value(), new double[] {s});
      Reference.assertClose(Reductions.mean(v).value(), new double[] {s / x.size()});
    }
    GradCheck.check(v -> Reductions.sum(v[0]), 302, x);
    GradCheck.check(v -> Reductions.mean(v[0]), 303, x);
  }

  @Test
  @DisplayName("sumRows over [B, C, T], seed=311")
  void sumRows() {
    Tensor x = GradCheck.uniform(311, -1, 1, 3, 2, 4);
    double[] expected = new double[3];
    for (int i = 0; i < x.size(); i++) {
      expected[i / 8] += x.getFlat(i);
    }
    try (Tape tape = Tape.noGrad()) {
      Var y = Reductions.sumRows(tape.input(x));
      assertThat(y.shape()).isEqualTo(Shape.of(3));
      Reference.assertClose(y.value(), expected);
    }
    GradCheck.check(v -> Reductions.sumRows(v[0]), 312, x);
  }

  @Test
  @DisplayName("sum and mean over the batch, seed=321")
  void overBatch() {
    Tensor x = GradCheck.uniform(321, -1, 1, 3, 2, 2);
    double[] sums = new double[4];
    for (int i = 0; i < x.size(); i++) {
      sums[i % 4] += x.getFlat(i);
    }
    double[] means = new double[4];
    for (int j = 0; j < 4; j++) {
      means[j] = sums[j] / 3;
    }
    try (Tape tape = Tape.noGrad()) {
      Var s = Reductions.sumOverBatch(tape.input(x));
      assertThat(s.shape()).isEqualTo(Shape.of(2, 2));
      Reference.assertClose(s.value(), sums);
      Reference.assertClose(Reductions.meanOverBatch(tape.input(x)).value(), means);
      Var vec = Reductions.meanOverBatch(tape.input(Tensor.of(new float[] {1, 2, 6}, 3)));
      assertThat(vec.shape()).isEqualTo(Shape.of(1));
      assertThat(vec.item()).isEqualTo(3f);
    }
    GradCheck.check(v -> Reductions.sumOverBatch(v[0]), 322, x);
    GradCheck.check(v -> Reductions.meanOverBatch(v[0]), 323, x);
  }

  @Test
  @DisplayName("logSumExp along the last axis, seed=331")
  void logSumExp() {
    Tensor x = GradCheck.uniform(331, -2, 2, 2, 3, 4);
    double[] expected = new double[6];
    for (int r = 0; r < 6; r++) {
      double s = 0;
      for (int k = 0; k < 4; k++) {
        s += Math.exp(x.getFlat(r * 4 + k));
      }
      expected[r] = Math.log(s);
    }
    try (Tape tape = Tape.noGrad()) {
      Var y = Reductions.logSumExp(tape.input(x));
      assertThat(y.shape()).isEqualTo(Shape.of(2, 3));
      Reference.assertClose(y.value(), expected);
    }
    GradCheck.check(v -> Reductions.logSumExp(v[0]), 332, x);
  }

  @Test
  void logSumExpNeitherOverflowsNorUnderflows() {
    Tensor x =
        Tensor.of(new float[] {1000f, 1000f, -1000f, -1000f, Float.NEGATIVE_INFINITY, 0f}, 3, 2);
    try (Tape tape = Tape.record()) {
      Var v = tape.tracked(x);
      Var y = Reductions.logSumExp(v);
      tape.backward(Reductions.sum(y));
      Reference.assertClose(y.value(), new double[] {1000 + Math.log(2), -1000 + Math.log(2), 0});
      assertThat(v.grad().toArray()).containsExactly(0.5f, 0.5f, 0.5f, 0.5f, 0f, 1f);
    }
  }

  @Test
  void meanOfNothingIsRefused() {
    Var x = Var.constant(Tensor.zeros(0, 3));
    assertThatThrownBy(() -> Reductions.mean(x))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mean: x must have elements, but has shape [0, 3]");
  }
}
