package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Tensors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Backward rules of {@link ConvOps} against central finite differences through the tape. */
class ConvOpsTest {
  /** Rounding of re-associated float sums of a few dozen O(1) terms: 16 float ulps. */
  static final double ACCUMULATE_TOL = 16 * Math.ulp(1f);

  static Tensor lengthMask(int len, int... lengths) {
    Tensor m = Tensor.zeros(lengths.length, 1, len);
    for (int b = 0; b < lengths.length; b++) {
      for (int t = 0; t < lengths[b]; t++) {
        m.set(1f, b, 0, t);
      }
    }
    return m;
  }

  @Test
  @DisplayName("conv1d: padding 2, dilation 2, groups 2, bias, mask; seed 301")
  void conv1dFull() {
    Tensor mask = lengthMask(7, 7, 4);
    GradCheck.check(
        v -> ConvOps.conv1d(v[0], v[1], v[2], 2, 2, 2, mask),
        301,
        GradCheck.uniform(302, -1, 1, 2, 4, 7),
        GradCheck.uniform(303, -1, 1, 6, 2, 3),
        GradCheck.uniform(304, -1, 1, 6));
  }

  @Test
  @DisplayName("conv1d: no padding, no bias, kernel 1 (the direct GEMM path); seed 311")
  void conv1dPointwise() {
    GradCheck.check(
        v -> ConvOps.conv1d(v[0], v[1], null, 0, 1, 1, null),
        311,
        GradCheck.uniform(312, -1, 1, 3, 4, 5),
        GradCheck.uniform(313, -1, 1, 2, 4, 1));
  }

  @Test
  @DisplayName("conv1d: valid convolution shortens the sequence; seed 321")
  void conv1dValid() {
    Tensor x = GradCheck.uniform(322, -1, 1, 2, 3, 9);
    Tensor w = GradCheck.uniform(323, -1, 1, 4, 3, 3);
    try (Tape tape = Tape.noGrad()) {
      assertThat(ConvOps.conv1d(tape.input(x), tape.input(w), null, 0, 3, 1, null).shape().dims())
          .containsExactly(2, 4, 3);
    }
    GradCheck.check(v -> ConvOps.conv1d(v[0], v[1], null, 0, 3, 1, null), 321, x, w);
  }

  @Test
  @DisplayName("conv1d with a mask: positions beyond the length are zero and get no gradient")
  void conv1dMaskSemantics() {
    Tensor mask = lengthMask(6, 6, 3);
    Tensor x = GradCheck.uniform(331, -1, 1, 2, 2, 6);
    Tensor w = GradCheck.uniform(332, -1, 1, 3, 2, 3);
    Tensor b = GradCheck.uniform(333, -1, 1, 3);
    try (Tape tape = Tape.record()) {
      Var xv = tape.tracked(x);
      Var y = ConvOps.conv1d(xv, tape.tracked(w), tape.tracked(b), 1, 1, 1, mask);
      for (int o = 0; o < 3; o++) {
        for (int t = 3; t < 6; t++) {
          assertThat(y.value().get(1, o, t)).isZero();
        }
      }
      Var loss = ShapeOps.reshape(y, -1);
      tape.backward(sum(loss));
      for (int c = 0; c < 2; c++) {
        for (int t = 3; t < 6; t++) {
          assertThat(xv.grad().get(1, c, t)).isZero();
        }
      }
      assertThat(xv.grad().get(1, 0, 2)).isNotZero();
    }
  }

  /** A plain sum for tests: sum of all elements, gradient one. */
  private static Var sum(Var x) {
    Tensor v = Tape.newValue(io.flows4j.tensor.Shape.of(1));
    v.setFlat(0, (float) Tensors.sum(x.value()));
    return Tape.result(
        v,
        out -> {
          if (x.requiresGrad()) {
            Tensor g = x.grad();
            float go = out.grad().getFlat(0);
            for (int i = 0; i < g.size(); i++) {
              g.setFlat(i, g.getFlat(i) + go);
            }
          }
        },
        x);
  }

  @Test
  @DisplayName("conv2d: 3x3, padding 1, bias; seed 341")
  void conv2d3x3() {
    GradCheck.check(
        v -> ConvOps.conv2d(v[0], v[1], v[2], 1),
        341,
        GradCheck.uniform(342, -1, 1, 2, 3, 4, 5),
        GradCheck.uniform(343, -1, 1, 4, 3, 3, 3),
        GradCheck.uniform(344, -1, 1, 4));
  }

  @Test
  @DisplayName("conv2d: 3x3, padding 1, fewer outputs than inputs (output-side lowering); seed 346")
  void conv2dOutputSide() {
    GradCheck.check(
        v -> ConvOps.conv2d(v[0], v[1], v[2], 1),
        346,
        GradCheck.uniform(347, -1, 1, 2, 5, 4, 3),
        GradCheck.uniform(348, -1, 1, 2, 5, 3, 3),
        GradCheck.uniform(349, -1, 1, 2));
  }

  @Test
  @DisplayName("conv2d: 1x1 without bias (the direct GEMM path); seed 351")
  void conv2dPointwise() {
    GradCheck.check(
        v -> ConvOps.conv2d(v[0], v[1], null, 0),
        351,
        GradCheck.uniform(352, -1, 1, 2, 4, 3, 3),
        GradCheck.uniform(353, -1, 1, 5, 4, 1, 1));
  }

  @Test
  @DisplayName("parameter gradients accumulate over two backward passes; only requested grads")
  void parametersAccumulate() {
    Parameter w = new Parameter("conv.weight", GradCheck.uniform(361, -1, 1, 3, 2, 3, 3));
    Parameter b = new Parameter("conv.bias", GradCheck.uniform(362, -1, 1, 3));
    Tensor x = GradCheck.uniform(363, -1, 1, 2, 2, 4, 4);
    float[] once = null;
    for (int pass = 0; pass < 2; pass++) {
      try (Tape tape = Tape.record()) {
        Var xv = tape.input(x);
        Var y = ConvOps.conv2d(xv, tape.param(w), tape.param(b), 1);
        tape.backward(sum(ShapeOps.reshape(y, -1)));
        assertThat(xv.gradOrNull()).isNull();
      }
      if (pass == 0) {
        once = w.grad().toArray();
        // d sum(y) / d bias[o] = number of output positions per channel = 2 * 4 * 4
        assertThat(b.grad().toArray()).containsOnly(32f);
      }
    }
    // The second pass adds to the first per sample, so the sum is 2x up to float rounding.
    float[] twice = w.grad().toArray();
    for (int i = 0; i < twice.length; i++) {
      assertThat((double) twice[i])
          .isCloseTo(2.0 * once[i], within(ACCUMULATE_TOL * (1 + Math.abs(once[i]))));
    }
  }

  @Test
  void refusesAMaskWithAShorterOutput() {
    try (Tape tape = Tape.noGrad()) {
      Var x = tape.input(Tensor.zeros(2, 3, 8));
      Var w = tape.input(Tensor.zeros(4, 3, 3));
      assertThatThrownBy(() -> ConvOps.conv1d(x, w, null, 0, 1, 1, lengthMask(8, 8, 5)))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessageStartingWith("conv1d: a mask needs an output as long as the input (8)");
    }
  }
}
