package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.function.BinaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ArithmeticOpsTest {
  private static final int B = 3;
  private static final int D = 4;

  /** One binary op with its double reference. */
  private record Op(String name, BinaryOperator<Var> op, DoubleOp reference) {
    @Override
    public String toString() {
      return name;
    }
  }

  @FunctionalInterface
  private interface DoubleOp {
    double apply(double a, double b);
  }

  private static final Op[] OPS = {
    new Op("add", ArithmeticOps::add, (a, b) -> a + b),
    new Op("sub", ArithmeticOps::sub, (a, b) -> a - b),
    new Op("mul", ArithmeticOps::mul, (a, b) -> a * b),
    new Op("div", ArithmeticOps::div, (a, b) -> a / b),
  };

  /** Operand shapes: equal; a row as [D] and [1, D]; a column [B, 1]; a scalar; both orders. */
  private static final int[][][] SHAPES = {
    {{B, D}, {B, D}},
    {{B, D}, {D}},
    {{B, D}, {1, D}},
    {{B, D}, {B, 1}},
    {{B, D}, {1}},
    {{D}, {B, D}},
    {{1, D}, {B, D}},
    {{B, 1}, {B, D}},
    {{1}, {B, D}},
    {{B, 2, D}, {2, D}},
    {{B, 2, D}, {B, 1, 1}},
    {{D}, {D}},
    {{D}, {1}},
  };

  static Stream<Arguments> cases() {
    Stream.Builder<Arguments> s = Stream.builder();
    for (Op op : OPS) {
      for (int[][] shapes : SHAPES) {
        s.add(Arguments.of(op, Shape.of(shapes[0]), Shape.of(shapes[1])));
      }
    }
    return s.build();
  }

  /** Index into an operand of shape {@code s} for output element (row i, column j). */
  private static int index(Shape s, Shape out, int i, int j) {
    int cols = out.rank() >= 2 ? out.rowSize() : out.size();
    if (s.equals(out)) {
      return out.rank() >= 2 ? i * cols + j : j;
    }
    if (s.size() == 1) {
      return 0;
    }
    if (s.size() == cols) {
      return j;
    }
    return i;
  }

  @ParameterizedTest(name = "{0} {1} {2} seed=101")
  @MethodSource("cases")
  void matchesReferenceAndFiniteDifferences(Op op, Shape sa, Shape sb) {
    Tensor a = Reference.awayFromZero(101, 0.5, 1.5, sa.dims());
    Tensor b = Reference.awayFromZero(103, 0.5, 1.5, sb.dims());
    Shape out;
    if (sa.size() != sb.size()) {
      out = sa.size() > sb.size() ? sa : sb;
    } else {
      out = sa.rank() >= sb.rank() ? sa : sb;
    }
    int rows = out.rank() >= 2 ? out.dim(0) : 1;
    int cols = out.size() / rows;
    double[] expected = new double[out.size()];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        expected[i * cols + j] =
            op.reference().apply(a.getFlat(index(sa, out, i, j)), b.getFlat(index(sb, out, i, j)));
      }
    }
    try (Tape tape = Tape.noGrad()) {
      Var y = op.op().apply(tape.input(a), tape.input(b));
      assertThat(y.shape()).isEqualTo(out);
      Reference.assertClose(y.value(), expected);
    }
    GradCheck.check(v -> op.op().apply(v[0], v[1]), 105, a, b);
  }

  @Test
  void sameVariableOnBothSides() {
    Tensor a = GradCheck.uniform(111, 0.5, 1.5, B, D);
    GradCheck.check(v -> ArithmeticOps.mul(v[0], v[0]), 112, a);
    GradCheck.check(v -> ArithmeticOps.div(v[0], v[0]), 113, a);
  }

  @Test
  void scalarOpsMatchReferenceAndFiniteDifferences() {
    Tensor x = GradCheck.uniform(121, -2, 2, B, D);
    try (Tape tape = Tape.noGrad()) {
      Var v = tape.input(x);
      Tensor neg = ArithmeticOps.neg(v).value();
      Tensor scaled = ArithmeticOps.scale(v, 2.5f).value();
      Tensor shifted = ArithmeticOps.addScalar(v, -0.75f).value();
      for (int i = 0; i < x.size(); i++) {
        assertThat(neg.getFlat(i)).isEqualTo(-x.getFlat(i));
        assertThat(scaled.getFlat(i)).isEqualTo(2.5f * x.getFlat(i));
        assertThat(shifted.getFlat(i)).isEqualTo(x.getFlat(i) - 0.75f);
      }
    }
    GradCheck.check(v -> ArithmeticOps.neg(v[0]), 122, x);
    GradCheck.check(v -> ArithmeticOps.scale(v[0], 2.5f), 123, x);
    GradCheck.check(v -> ArithmeticOps.addScalar(v[0], -0.75f), 124, x);
  }

  @Test
  void refusesShapesThatDoNotBroadcast() {
    Var a = Var.constant(Tensor.zeros(3, 4));
    Var b = Var.constant(Tensor.zeros(5));
    assertThatThrownBy(() -> ArithmeticOps.add(a, b))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageStartingWith("add: shapes cannot be broadcast: [3, 4] and [5]");
    assertThatThrownBy(() -> ArithmeticOps.mul(a, Var.constant(Tensor.zeros(4, 3))))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageStartingWith("mul: shapes cannot be broadcast: [3, 4] and [4, 3]");
  }
}
