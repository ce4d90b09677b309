package io.flows4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.ConvOps;
import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConvModulesTest {

  @Test
  @DisplayName("Conv1d: parameter names and shapes, output equal to ConvOps, fan-in init (seed 3)")
  void conv1dModule() {
    Conv1d c = new Conv1d(4, 6, 3, 2, 2, 2, true, 3);
    assertThat(c.namedParameters()).containsOnlyKeys("weight", "bias");
    assertThat(c.weight().shape()).isEqualTo(Shape.of(6, 2, 3));
    double bound = 1 / Math.sqrt(2 * 3);
    for (float w : c.weight().value().toArray()) {
      assertThat(Math.abs(w)).isLessThanOrEqualTo((float) bound);
    }
    Tensor x = GradCheck.uniform(5, -1, 1, 2, 4, 7);
    try (Tape t = Tape.noGrad()) {
      Tensor y = c.forward(t.input(x)).value();
      Tensor expected =
          ConvOps.conv1d(
                  t.input(x), t.input(c.weight().value()), t.input(c.bias().value()), 2, 2, 2, null)
              .value();
      assertThat(y.shape()).isEqualTo(Shape.of(2, 6, 7));
      assertThat(y.toArray()).containsExactly(expected.toArray());
    }
  }

  @Test
  @DisplayName("Conv1d: gradients reach the weight and bias (finite differences, seed 11)")
  void conv1dGradients() {
    Conv1d c = new Conv1d(2, 3, 3, 1, 1, 1, true, 11);
    Tensor w = c.weight().value();
    Tensor b = c.bias().value();
    GradCheck.check(
        v -> ConvOps.conv1d(v[0], v[1], v[2], 1, 1, 1, null),
        11,
        GradCheck.uniform(12, -1, 1, 2, 2, 5),
        w,
        b);
  }

  @Test
  @DisplayName("Conv2d: same-size 3x3 output, zero init gives zeros, bad sizes refused (seed 7)")
  void conv2dModule() {
    Conv2d c = new Conv2d(3, 5, 3, 1, true, 7);
    assertThat(c.weight().shape()).isEqualTo(Shape.of(5, 3, 3, 3));
    Tensor x = GradCheck.uniform(8, -1, 1, 2, 3, 4, 4);
    try (Tape t = Tape.noGrad()) {
      assertThat(c.forward(t.input(x)).shape()).isEqualTo(Shape.of(2, 5, 4, 4));
      c.zeroInit();
      Var y = c.forward(t.input(x));
      for (float v : y.value().toArray()) {
        assertThat(v).isZero();
      }
    }
    assertThatThrownBy(() -> new Conv2d(3, 5, 0, 1, true, 7))
        .hasMessage("Conv2d: kernelSize must be > 0, but was 0");
    assertThatThrownBy(() -> new Conv1d(3, 4, 3, 1, 1, 2, true, 7))
        .hasMessage("Conv1d: inChannels (3) and outChannels (4) must be divisible by groups (2)");
  }
}
