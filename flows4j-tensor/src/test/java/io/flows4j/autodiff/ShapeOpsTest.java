package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Backward rules of {@link ShapeOps} against central finite differences through the tape. */
class ShapeOpsTest {

  @Test
  @DisplayName("concat of three parts along the channel axis; seed 401")
  void concatChannels() {
    GradCheck.check(
        v -> ShapeOps.concat(1, v[0], v[1], v[2]),
        401,
        GradCheck.uniform(402, -1, 1, 2, 1, 4),
        GradCheck.uniform(403, -1, 1, 2, 3, 4),
        GradCheck.uniform(404, -1, 1, 2, 2, 4));
  }

  @Test
  @DisplayName("concat along the last axis of images and along the batch; seed 411")
  void concatOtherAxes() {
    GradCheck.check(
        v -> ShapeOps.concat(-1, v[0], v[1]),
        411,
        GradCheck.uniform(412, -1, 1, 2, 2, 3, 2),
        GradCheck.uniform(413, -1, 1, 2, 2, 3, 1));
    GradCheck.check(
        v -> ShapeOps.concat(0, v[0], v[1]),
        414,
        GradCheck.uniform(415, -1, 1, 1, 3),
        GradCheck.uniform(416, -1, 1, 2, 3));
  }

  @Test
  @DisplayName("split, with pieces reordered and one dropped; seed 421")
  void split() {
    GradCheck.check(
        v -> {
          Var[] p = ShapeOps.split(v[0], 1, 2, 1, 3);
          assertThat(p[1].shape().dims()).containsExactly(3, 1);
          return ShapeOps.concat(1, p[2], p[0]);
        },
        421,
        GradCheck.uniform(422, -1, 1, 3, 6));
  }

  @Test
  @DisplayName("a piece used twice receives both gradients; seed 431")
  void splitPieceUsedTwice() {
    GradCheck.check(
        v -> {
          Var[] p = ShapeOps.split(v[0], 1, 2, 2);
          return ShapeOps.concat(1, p[0], p[0], p[1]);
        },
        431,
        GradCheck.uniform(432, -1, 1, 2, 4, 3));
  }

  @Test
  @DisplayName("gatherRows with a repeated row; seed 441")
  void gatherRows() {
    GradCheck.check(
        v -> ShapeOps.gatherRows(v[0], new int[] {3, 0, 3, 1}),
        441,
        GradCheck.uniform(442, -1, 1, 4, 2, 3));
  }

  @Test
  @DisplayName("reshape is a view and passes the gradient through; seed 451")
  void reshape() {
    Tensor x = GradCheck.uniform(452, -1, 1, 2, 3, 4);
    try (Tape tape = Tape.noGrad()) {
      Var y = ShapeOps.reshape(tape.input(x), 2, -1);
      assertThat(y.value().data()).isSameAs(x.data());
      assertThat(y.shape().dims()).containsExactly(2, 12);
    }
    GradCheck.check(
        v -> ShapeOps.concat(1, ShapeOps.reshape(v[0], 2, 12), ShapeOps.reshape(v[0], 2, 12)),
        451,
        x);
  }

  @Test
  void errorsNameOpAndShapes() {
    try (Tape tape = Tape.noGrad()) {
      Var a = tape.input(Tensor.zeros(2, 3));
      Var b = tape.input(Tensor.zeros(3, 3));
      assertThatThrownBy(() -> ShapeOps.concat(1, a, b))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage("concat: parts must agree except along axis 1, but got [2, 3] and [3, 3]");
      assertThatThrownBy(() -> ShapeOps.split(a, 1, 1, 1))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage("split: sizes [1, 1] must add up to dimension 1 of [2, 3], which is 3");
      assertThatThrownBy(() -> ShapeOps.reshape(a, 4, 2))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage("reshape: [2, 3] has 6 elements, but [4, 2] has 8");
    }
  }
}
