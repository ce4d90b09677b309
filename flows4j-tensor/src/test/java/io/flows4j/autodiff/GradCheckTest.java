package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** The gradient checker itself must catch a wrong backward rule. */
class GradCheckTest {

  /** {@code y = x^2} with a deliberately wrong rule {@code dy/dx = 3x}. */
  private static Var wrongSquare(Var x) {
    Tensor y = Tape.newValue(x.shape());
    for (int i = 0; i < y.size(); i++) {
      y.setFlat(i, x.value().getFlat(i) * x.value().getFlat(i));
    }
    return Tape.result(
        y,
        out -> {
          Tensor g = x.grad();
          for (int i = 0; i < g.size(); i++) {
            g.setFlat(i, g.getFlat(i) + 3 * x.value().getFlat(i) * out.grad().getFlat(i));
          }
        },
        x);
  }

  /** The same op with the right rule {@code dy/dx = 2x}. */
  private static Var square(Var x) {
    Tensor y = Tape.newValue(x.shape());
    for (int i = 0; i < y.size(); i++) {
      y.setFlat(i, x.value().getFlat(i) * x.value().getFlat(i));
    }
    return Tape.result(
        y,
        out -> {
          Tensor g = x.grad();
          for (int i = 0; i < g.size(); i++) {
            g.setFlat(i, g.getFlat(i) + 2 * x.value().getFlat(i) * out.grad().getFlat(i));
          }
        },
        x);
  }

  @Test
  void acceptsACorrectRule() {
    GradCheck.check(v -> square(v[0]), 1, GradCheck.uniform(2, -1, 1, 3, 4));
  }

  @Test
  void rejectsAWrongRule() {
    assertThatThrownBy(
            () -> GradCheck.check(v -> wrongSquare(v[0]), 1, GradCheck.uniform(2, -1, 1, 3, 4)))
        .isInstanceOf(AssertionError.class);
  }

  @Test
  void arenaBuffersAreReusedAcrossTapes() {
    float[] first;
    try (Tape tape = Tape.record()) {
      first = tape.alloc(Shape.of(7, 3)).data();
    }
    try (Tape tape = Tape.record()) {
      org.assertj.core.api.Assertions.assertThat(tape.alloc(Shape.of(21)).data()).isSameAs(first);
    }
  }
}
