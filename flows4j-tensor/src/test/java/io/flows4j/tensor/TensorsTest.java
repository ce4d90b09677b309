package io.flows4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.function.DoubleBinaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TensorsTest {
  /** Relative tolerance of one float operation against double: 1 ulp, plus rounding of inputs. */
  static final double OP_TOL = 2 * Math.ulp(1f);

  /** Tolerance of double-accumulated sums of O(1) floats, rounded once to float. */
  static final double SUM_TOL = 2 * Math.ulp(1f);

  static Tensor random(long seed, double lo, double hi, int... dims) {
    return new Rng(seed).fillUniform(Tensor.zeros(dims), lo, hi);
  }

  /** Element of {@code t} at the output index {@code idx} (rank r) under broadcasting. */
  static double broadcastAt(Tensor t, int[] idx) {
    int r = idx.length;
    int[] own = new int[t.rank()];
    for (int d = 0; d < t.rank(); d++) {
      int i = idx[r - t.rank() + d];
      own[d] = t.dim(d) == 1 ? 0 : i;
    }
    return t.get(own);
  }

  /** Calls {@code body} with every index of {@code s} in row-major order. */
  static void forEachIndex(Shape s, java.util.function.Consumer<int[]> body) {
    int[] idx = new int[s.rank()];
    for (int flat = 0; flat < s.size(); flat++) {
      int rem = flat;
      for (int d = s.rank() - 1; d >= 0; d--) {
        idx[d] = rem % s.dim(d);
        rem /= s.dim(d);
      }
      body.accept(idx.clone());
    }
  }

  static Stream<Arguments> broadcastPairs() {
    return Stream.of(
        Arguments.of(new int[] {2, 3}, new int[] {2, 3}),
        Arguments.of(new int[] {4, 5}, new int[] {5}),
        Arguments.of(new int[] {5}, new int[] {4, 5}),
        Arguments.of(new int[] {2, 3, 7}, new int[] {2, 1, 7}),
        Arguments.of(new int[] {3, 4, 5, 6}, new int[] {1, 4, 1, 1}),
        Arguments.of(new int[] {3, 1}, new int[] {1, 4}),
        Arguments.of(new int[] {2, 1, 3, 1}, new int[] {4, 1, 5}),
        Arguments.of(new int[] {1}, new int[] {2, 3, 4, 5}),
        Arguments.of(new int[] {2, 3, 4, 5}, new int[] {2, 3, 4, 1}));
  }

  @ParameterizedTest(name = "{0} op {1}, seed 5")
  @MethodSource("broadcastPairs")
  @DisplayName("broadcasting add/sub/mul/div match a naive index loop")
  void broadcasting(int[] da, int[] db) {
    Tensor a = random(5, -2, 2, da);
    Tensor b = random(6, 0.5, 2, db);
    check(Tensors.add(a, b), a, b, Double::sum);
    check(Tensors.sub(a, b), a, b, (x, y) -> x - y);
    check(Tensors.mul(a, b), a, b, (x, y) -> x * y);
    check(Tensors.div(a, b), a, b, (x, y) -> x / y);
    Tensor out = Tensor.full(Tensors.broadcastShape("t", a.shape(), b.shape()), Float.NaN);
    assertThat(Tensors.mul(a, b, out)).isSameAs(out);
    check(out, a, b, (x, y) -> x * y);
  }

  private static void check(Tensor c, Tensor a, Tensor b, DoubleBinaryOperator op) {
    forEachIndex(
        c.shape(),
        idx -> {
          double expected = op.applyAsDouble(broadcastAt(a, idx), broadcastAt(b, idx));
          assertThat((double) c.get(idx))
              .as("at %s", java.util.Arrays.toString(idx))
              .isCloseTo(expected, within(OP_TOL * Math.abs(expected)));
        });
  }

  @Test
  void broadcastErrorsNameOpAndShapes() {
    Tensor a = Tensor.zeros(2, 3);
    Tensor b = Tensor.zeros(4, 3);
    assertThatThrownBy(() -> Tensors.add(a, b))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("add: shapes do not broadcast: [2, 3] and [4, 3]");
    assertThatThrownBy(() -> Tensors.div(a, Tensor.zeros(2)))
        .hasMessage("div: shapes do not broadcast: [2, 3] and [2]");
    assertThatThrownBy(() -> Tensors.mul(a, Tensor.zeros(3), Tensor.zeros(3, 2)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("mul: output must have shape [2, 3], but was [3, 2]");
  }

  @Test
  @DisplayName("in-place add into an operand with the full shape; seed 15")
  void inPlace() {
    Tensor a = random(15, -1, 1, 3, 4);
    Tensor bias = random(16, -1, 1, 4);
    Tensor expected = Tensors.add(a, bias);
    Tensors.add(a, bias, a);
    assertThat(a.toArray()).containsExactly(expected.toArray());
  }

  @Test
  @DisplayName("applyMask zeroes positions beyond each sequence's length; seed 17")
  void applyMask() {
    Tensor x = random(17, -1, 1, 2, 3, 5);
    Tensor mask = Tensor.zeros(2, 1, 5);
    int[] lengths = {3, 5};
    for (int b = 0; b < 2; b++) {
      for (int t = 0; t < lengths[b]; t++) {
        mask.set(1f, b, 0, t);
      }
    }
    Tensor y = Tensors.applyMask(x, mask);
    forEachIndex(
        x.shape(),
        idx -> assertThat(y.get(idx)).isEqualTo(idx[2] < lengths[idx[0]] ? x.get(idx) : 0f));
    assertThatThrownBy(() -> Tensors.applyMask(Tensor.zeros(2, 1, 5), Tensor.zeros(2, 3, 5)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("applyMask: mask [2, 3, 5] must broadcast to the input shape [2, 1, 5]");
  }

  @Test
  @DisplayName("where picks a or b by the broadcast condition; seed 18")
  void where() {
    Tensor cond = Tensor.of(new float[] {1, 0, 0, 1}, 4, 1);
    Tensor a = random(18, -1, 1, 4, 3);
    Tensor b = random(19, -1, 1, 3);
    Tensor y = Tensors.where(cond, a, b);
    forEachIndex(
        y.shape(),
        idx ->
            assertThat(y.get(idx))
                .isEqualTo(cond.get(idx[0], 0) != 0 ? a.get(idx) : b.get(idx[1])));
    assertThatThrownBy(() -> Tensors.where(Tensor.zeros(2), a, b))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("where: shapes do not broadcast: condition [2], a [4, 3], b [3]");
  }

  static Stream<Arguments> unbroadcastCases() {
    return Stream.of(
        Arguments.of(new int[] {4, 5}, new int[] {5}),
        Arguments.of(new int[] {4, 5}, new int[] {1, 5}),
        Arguments.of(new int[] {4, 5}, new int[] {4, 1}),
        Arguments.of(new int[] {2, 3, 7}, new int[] {2, 1, 7}),
        Arguments.of(new int[] {3, 4, 5, 6}, new int[] {1, 4, 1, 1}),
        Arguments.of(new int[] {3, 4, 5, 6}, new int[] {4, 5, 1}),
        Arguments.of(new int[] {3, 4}, new int[] {1}),
        Arguments.of(new int[] {3, 4}, new int[] {3, 4}));
  }

  @ParameterizedTest(name = "{0} -> {1}, seed 21")
  @MethodSource("unbroadcastCases")
  @DisplayName("unbroadcastSum is the adjoint of broadcasting: it sums over stretched dimensions")
  void unbroadcastSum(int[] gradDims, int[] targetDims) {
    Tensor grad = random(21, -1, 1, gradDims);
    Shape target = Shape.of(targetDims);
    double[] expected = new double[target.size()];
    forEachIndex(
        grad.shape(),
        idx -> {
          int flat = 0;
          for (int d = 0; d < target.rank(); d++) {
            int i = idx[idx.length - target.rank() + d];
            flat = flat * target.dim(d) + (target.dim(d) == 1 ? 0 : i);
          }
          expected[flat] += grad.get(idx);
        });
    Tensor into = random(22, -1, 1, targetDims);
    float[] before = into.toArray();
    Tensors.unbroadcastSumAdd(grad, into);
    Tensor fresh = Tensors.unbroadcastSum(grad, target);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) fresh.getFlat(i))
          .isCloseTo(expected[i], within(SUM_TOL * (1 + Math.abs(expected[i]))));
      assertThat((double) into.getFlat(i))
          .isCloseTo(before[i] + expected[i], within(SUM_TOL * (2 + Math.abs(expected[i]))));
    }
  }

  @Test
  void unbroadcastRefusesShapesThatDoNotBroadcast() {
    assertThatThrownBy(() -> Tensors.unbroadcastSum(Tensor.zeros(4, 5), Shape.of(4)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("unbroadcastSum: shape [4] does not broadcast to the gradient shape [4, 5]");
    assertThatThrownBy(() -> Tensors.unbroadcastSum(Tensor.zeros(1, 5), Shape.of(3, 5)))
        .hasMessage("unbroadcastSum: shape [3, 5] does not broadcast to the gradient shape [1, 5]");
  }

  @Test
  @DisplayName(
      "concat then split along every axis of rank 2, 3 and 4 gives back the parts; seed 31")
  void concatSplitRoundTrip() {
    int[][] shapes = {{3, 4}, {2, 3, 5}, {2, 3, 4, 5}};
    for (int[] dims : shapes) {
      for (int axis = 0; axis < dims.length; axis++) {
        int[] d1 = dims.clone();
        int[] d2 = dims.clone();
        d2[axis] = dims[axis] + 2;
        Tensor a = random(31, -1, 1, d1);
        Tensor b = random(32, -1, 1, d2);
        Tensor c = Tensors.concat(axis, a, b);
        assertThat(c.dim(axis)).isEqualTo(2 * dims[axis] + 2);
        final int ax = axis;
        forEachIndex(
            c.shape(),
            idx -> {
              int i = idx[ax];
              int[] j = idx.clone();
              float expected;
              if (i < dims[ax]) {
                expected = a.get(j);
              } else {
                j[ax] = i - dims[ax];
                expected = b.get(j);
              }
              assertThat(c.get(idx)).isEqualTo(expected);
            });
        Tensor[] parts = Tensors.split(c, axis - dims.length, dims[axis], dims[axis] + 2);
        assertThat(parts[0].toArray()).containsExactly(a.toArray());
        assertThat(parts[1].toArray()).containsExactly(b.toArray());
        assertThat(parts[1].shape()).isEqualTo(b.shape());
      }
    }
  }

  @Test
  void concatAndSplitErrors() {
    assertThatThrownBy(() -> Tensors.concat(1, Tensor.zeros(2, 3), Tensor.zeros(3, 3)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("concat: parts must agree except along axis 1, but got [2, 3] and [3, 3]");
    assertThatThrownBy(() -> Tensors.split(Tensor.zeros(2, 5), 1, 2, 2))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("split: sizes [2, 2] must add up to dimension 1 of [2, 5], which is 5");
    assertThatThrownBy(() -> Tensors.addIntoSlice(Tensor.zeros(2, 3), Tensor.zeros(2, 4), 1, 2))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("addIntoSlice: slice [2, 5) of axis 1 must lie within [2, 4]");
  }

  @Test
  @DisplayName("slice helpers copy and add the region they name; seed 33")
  void sliceHelpers() {
    Tensor big = random(33, -1, 1, 2, 6, 3);
    Tensor s = Tensors.slice(big, 1, 2, 5);
    assertThat(s.shape()).isEqualTo(Shape.of(2, 3, 3));
    forEachIndex(
        s.shape(), idx -> assertThat(s.get(idx)).isEqualTo(big.get(idx[0], idx[1] + 2, idx[2])));
    Tensor acc = Tensor.full(s.shape(), 1f);
    Tensors.addSlice(big, 1, 2, acc);
    forEachIndex(s.shape(), idx -> assertThat(acc.get(idx)).isEqualTo(1f + s.get(idx)));
    Tensor target = Tensor.zeros(2, 6, 3);
    Tensors.copyIntoSlice(s, target, 1, 2);
    Tensors.addIntoSlice(s, target, 1, 2);
    forEachIndex(
        target.shape(),
        idx ->
            assertThat(target.get(idx))
                .isEqualTo(idx[1] >= 2 && idx[1] < 5 ? 2 * big.get(idx) : 0f));
  }

  @Test
  @DisplayName(
      "gatherRows and scatterAddRows are adjoint: <gather(x), y> = <x, scatter(y)>; seed 41")
  void gatherScatter() {
    Tensor x = random(41, -1, 1, 5, 2, 3);
    int[] idx = {4, 0, 4, 2};
    Tensor g = Tensors.gatherRows(x, idx);
    assertThat(g.shape()).isEqualTo(Shape.of(4, 2, 3));
    for (int i = 0; i < idx.length; i++) {
      assertThat(g.rows(i, i + 1).toArray()).containsExactly(x.rows(idx[i], idx[i] + 1).toArray());
    }
    Tensor y = random(42, -1, 1, 4, 2, 3);
    Tensor s = Tensor.zeros(5, 2, 3);
    Tensors.scatterAddRows(y, idx, s);
    double lhs = 0;
    for (int i = 0; i < g.size(); i++) {
      lhs += (double) g.getFlat(i) * y.getFlat(i);
    }
    double rhs = 0;
    for (int i = 0; i < x.size(); i++) {
      rhs += (double) x.getFlat(i) * s.getFlat(i);
    }
    assertThat(rhs).isCloseTo(lhs, within(1e-5));
    assertThat(s.rows(1, 2).toArray()).containsOnly(0f);
    assertThatThrownBy(() -> Tensors.gatherRows(x, new int[] {5}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("gatherRows: index[0] must be in [0, 5), but was 5");
    assertThatThrownBy(() -> Tensors.scatterAddRows(Tensor.zeros(3, 2, 3), idx, s))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "scatterAddRows: source must have shape [4, 2, 3] to scatter into [5, 2, 3], but was"
                + " [3, 2, 3]");
  }

  @Test
  @DisplayName("transpose of sizes around the tile size; seed 51")
  void transpose() {
    for (int[] rc : new int[][] {{1, 1}, {3, 70}, {33, 65}, {64, 32}}) {
      Tensor m = random(51, -1, 1, rc);
      Tensor t = Tensors.transpose(m);
      assertThat(t.shape()).isEqualTo(Shape.of(rc[1], rc[0]));
      forEachIndex(m.shape(), idx -> assertThat(t.get(idx[1], idx[0])).isEqualTo(m.get(idx)));
    }
    assertThatThrownBy(() -> Tensors.transpose(Tensor.zeros(2, 3), Tensor.zeros(2, 3)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("transpose: output must have shape [3, 2] for input [2, 3], but was [2, 3]");
  }

  @Test
  @DisplayName("sum, mean, max along every axis and in total match double loops; seed 61")
  void reductions() {
    Tensor x = random(61, -1, 1, 3, 4, 5, 6);
    for (int axis = 0; axis < 4; axis++) {
      Tensor s = Tensors.sum(x, axis);
      Tensor m = Tensors.mean(x, axis);
      Tensor mx = Tensors.max(x, axis);
      assertThat(s.shape()).isEqualTo(x.shape().with(axis, 1));
      int ax = axis;
      forEachIndex(
          s.shape(),
          idx -> {
            double sum = 0;
            float max = Float.NEGATIVE_INFINITY;
            int[] j = idx.clone();
            for (int k = 0; k < x.dim(ax); k++) {
              j[ax] = k;
              sum += x.get(j);
              max = Math.max(max, x.get(j));
            }
            assertThat((double) s.get(idx)).isCloseTo(sum, within(SUM_TOL * (1 + Math.abs(sum))));
            double mean = sum / x.dim(ax);
            assertThat((double) m.get(idx)).isCloseTo(mean, within(SUM_TOL * (1 + Math.abs(mean))));
            assertThat(mx.get(idx)).isEqualTo(max);
          });
    }
    double total = 0;
    double squares = 0;
    for (int i = 0; i < x.size(); i++) {
      total += x.getFlat(i);
      squares += (double) x.getFlat(i) * x.getFlat(i);
    }
    assertThat(Tensors.sum(x)).isCloseTo(total, within(1e-9));
    assertThat(Tensors.mean(x)).isCloseTo(total / x.size(), within(1e-12));
    assertThat(Tensors.sumOfSquares(x)).isCloseTo(squares, within(1e-9));
    assertThat(Tensors.max(x)).isEqualTo(Tensors.max(Tensors.max(x, 0)));
  }

  @Test
  @DisplayName("softmax along the channel axis sums to one and matches logSoftmax; seed 71")
  void axisWrappers() {
    Tensor x = random(71, -5, 5, 2, 4, 3);
    Tensor sm = Tensors.softmax(x, 1);
    Tensor lsm = Tensors.logSoftmax(x, 1);
    Tensor lse = Tensors.logSumExp(x, -2);
    assertThat(lse.shape()).isEqualTo(Shape.of(2, 1, 3));
    Tensor total = Tensors.sum(sm, 1);
    for (int i = 0; i < total.size(); i++) {
      assertThat((double) total.getFlat(i)).isCloseTo(1.0, within(8.0 * Math.ulp(1f)));
    }
    forEachIndex(
        x.shape(),
        idx -> {
          double l = lse.get(idx[0], 0, idx[2]);
          assertThat((double) lsm.get(idx)).isCloseTo(x.get(idx) - l, within(8.0 * Math.ulp(8f)));
          assertThat((double) sm.get(idx))
              .isCloseTo(Math.exp(x.get(idx) - l), within(8.0 * Math.ulp(1f)));
        });
  }
}
