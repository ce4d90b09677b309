package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class LinearOpsTest {
  private static final int BATCH = 4;
  private static final int IN = 3;
  private static final int OUT = 5;

  /** Smallest |pre-activation| allowed in gradient checks of kinked activations. */
  private static final double KINK_MARGIN = 0.05;

  private static double[] naiveProduct(Tensor a, boolean ta, Tensor b, boolean tb) {
    int m = ta ? a.dim(1) : a.dim(0);
    int k = ta ? a.dim(0) : a.dim(1);
    int n = tb ? b.dim(0) : b.dim(1);
    double[] c = new double[m * n];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int p = 0; p < k; p++) {
          double av = ta ? a.get(p, i) : a.get(i, p);
          double bv = tb ? b.get(j, p) : b.get(p, j);
          s += av * bv;
        }
        c[i * n + j] = s;
      }
    }
    return c;
  }

  @ParameterizedTest(name = "transA={0} transB={1} seed=11")
  @CsvSource({"false,false", "true,false", "false,true", "true,true"})
  void matmulMatchesNaiveProductAndFiniteDifferences(boolean ta, boolean tb) {
    int m = 4;
    int k = 3;
    int n = 5;
    Tensor a = ta ? GradCheck.uniform(11, -1, 1, k, m) : GradCheck.uniform(11, -1, 1, m, k);
    Tensor b = tb ? GradCheck.uniform(12, -1, 1, n, k) : GradCheck.uniform(12, -1, 1, k, n);
    try (Tape tape = Tape.noGrad()) {
      Var c = LinearOps.matmul(tape.input(a), ta, tape.input(b), tb);
      assertThat(c.shape()).isEqualTo(Shape.of(m, n));
      Reference.assertClose(c.value(), naiveProduct(a, ta, b, tb));
    }
    GradCheck.check(v -> LinearOps.matmul(v[0], ta, v[1], tb), 13, a, b);
  }

  @Test
  void matmulRefusesMismatchedInnerDimensions() {
    Var a = Var.constant(Tensor.zeros(32, 5));
    Var b = Var.constant(Tensor.zeros(4, 64));
    assertThatThrownBy(() -> LinearOps.matmul(a, b))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("matmul: inner dimensions differ: [32, 5] x [4, 64]");
  }

  /** A bias that puts every column's pre-activations at least some way from zero, on both sides. */
  private static Tensor biasAwayFromKinks(Tensor x, Tensor w) {
    double[] z = naiveProduct(x, false, w, true);
    int rows = x.dim(0);
    int out = w.dim(0);
    Tensor bias = Tensor.zeros(out);
    for (int j = 0; j < out; j++) {
      double[] col = new double[rows];
      for (int i = 0; i < rows; i++) {
        col[i] = z[i * out + j];
      }
      Arrays.sort(col);
      int best = 0;
      for (int i = 1; i + 1 < rows; i++) {
        if (col[i + 1] - col[i] > col[best + 1] - col[best]) {
          best = i;
        }
      }
      bias.setFlat(j, (float) -(col[best] + col[best + 1]) / 2);
    }
    return bias;
  }

  private static double[] referenceLinear(Tensor x, Tensor w, Tensor mask, Tensor b, Activation a) {
    int rows = x.dim(0);
    int in = x.dim(1);
    int out = w.dim(0);
    double[] y = new double[rows * out];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < out; j++) {
        double s = b == null ? 0 : b.getFlat(j);
        for (int p = 0; p < in; p++) {
          double m = mask == null ? 1 : mask.get(j, p);
          s += (double) x.get(i, p) * w.get(j, p) * m;
        }
        y[i * out + j] = Reference.activation(a, s);
      }
    }
    return y;
  }

  @ParameterizedTest(name = "{0} seed=21")
  @EnumSource(Activation.class)
  void linearMatchesReferenceAndFiniteDifferencesForEveryActivation(Activation act) {
    Tensor x = GradCheck.uniform(21, -1, 1, BATCH, IN);
    Tensor w = GradCheck.uniform(22, -1, 1, OUT, IN);
    Tensor b = biasAwayFromKinks(x, w);
    double[] z = referenceLinear(x, w, null, b, Activation.IDENTITY);
    assertThat(Arrays.stream(z).map(Math::abs).min().orElseThrow())
        .as("test data keeps pre-activations away from the kink")
        .isGreaterThan(KINK_MARGIN);
    try (Tape tape = Tape.noGrad()) {
      Var y = LinearOps.linear(tape.input(x), tape.input(w), tape.input(b), act);
      Reference.assertClose(y.value(), referenceLinear(x, w, null, b, act));
    }
    GradCheck.check(v -> LinearOps.linear(v[0], v[1], v[2], act), 23, x, w, b);
  }

  @Test
  @DisplayName("linear without bias, seed=31")
  void linearWithoutBias() {
    Tensor x = GradCheck.uniform(31, -1, 1, BATCH, IN);
    Tensor w = GradCheck.uniform(32, -1, 1, OUT, IN);
    try (Tape tape = Tape.noGrad()) {
      Var y = LinearOps.linear(tape.input(x), tape.input(w), null, Activation.TANH);
      Reference.assertClose(y.value(), referenceLinear(x, w, null, null, Activation.TANH));
    }
    GradCheck.check(v -> LinearOps.linear(v[0], v[1], null, Activation.TANH), 33, x, w);
  }

  @Test
  @DisplayName("an input used by two layers receives both gradients, seed=41")
  void inputSharedByTwoLayersAccumulates() {
    Tensor x = GradCheck.uniform(41, -1, 1, BATCH, IN);
    Tensor w1 = GradCheck.uniform(42, -1, 1, OUT, IN);
    Tensor w2 = GradCheck.uniform(43, -1, 1, OUT, IN);
    GradCheck.check(
        v ->
            ArithmeticOps.add(
                LinearOps.linear(v[0], v[1], null, Activation.TANH),
                LinearOps.linear(v[0], v[2], null, Activation.SIGMOID)),
        44,
        x,
        w1,
        w2);
  }

  private static Tensor triangularMask(int out, int in) {
    Tensor m = Tensor.zeros(out, in);
    for (int j = 0; j < out; j++) {
      for (int p = 0; p < in; p++) {
        m.set(p < j % (in + 1) ? 1f : 0f, j, p);
      }
    }
    return m;
  }

  @ParameterizedTest(name = "{0} seed=51")
  @EnumSource(
      value = Activation.class,
      names = {"IDENTITY", "TANH", "LIPSWISH"})
  void maskedLinearMatchesReferenceAndFiniteDifferences(Activation act) {
    Tensor x = GradCheck.uniform(51, -1, 1, BATCH, IN);
    Tensor w = GradCheck.uniform(52, -1, 1, OUT, IN);
    Tensor b = GradCheck.uniform(53, -1, 1, OUT);
    Tensor mask = triangularMask(OUT, IN);
    try (Tape tape = Tape.noGrad()) {
      Var y = LinearOps.maskedLinear(tape.input(x), tape.input(w), mask, tape.input(b), act);
      Reference.assertClose(y.value(), referenceLinear(x, w, mask, b, act));
    }
    GradCheck.check(v -> LinearOps.maskedLinear(v[0], v[1], mask, v[2], act), 54, x, w, b);
  }

  @Test
  @DisplayName("masked weights get exactly zero gradient and the weight is not modified, seed=61")
  void maskedLinearGradientIsMasked() {
    Tensor x = GradCheck.uniform(61, -1, 1, BATCH, IN);
    Tensor w = GradCheck.uniform(62, -1, 1, OUT, IN);
    Tensor before = w.copy();
    Tensor mask = triangularMask(OUT, IN);
    Parameter p = new Parameter("weight", w);
    try (Tape tape = Tape.record()) {
      Var y = LinearOps.maskedLinear(tape.input(x), tape.param(p), mask, null, Activation.TANH);
      tape.backward(Reductions.sum(y));
    }
    assertThat(w.toArray()).containsExactly(before.toArray());
    for (int i = 0; i < w.size(); i++) {
      if (mask.getFlat(i) == 0f) {
        assertThat(p.grad().getFlat(i)).as("grad %d", i).isZero();
      } else {
        assertThat(p.grad().getFlat(i)).as("grad %d", i).isNotZero();
      }
    }
  }

  @ParameterizedTest(name = "masked={0} seed=71")
  @CsvSource({"false", "true"})
  void contextLinearMatchesReferenceAndFiniteDifferences(boolean masked) {
    int ctx = 2;
    Tensor x = GradCheck.uniform(71, -1, 1, BATCH, IN);
    Tensor w = GradCheck.uniform(72, -1, 1, OUT, IN);
    Tensor c = GradCheck.uniform(73, -1, 1, BATCH, ctx);
    Tensor v = GradCheck.uniform(74, -1, 1, OUT, ctx);
    Tensor b = GradCheck.uniform(75, -1, 1, OUT);
    Tensor mask = masked ? triangularMask(OUT, IN) : null;
    double[] expected = new double[BATCH * OUT];
    for (int i = 0; i < BATCH; i++) {
      for (int j = 0; j < OUT; j++) {
        double s = b.getFlat(j);
        for (int p = 0; p < IN; p++) {
          s += (double) x.get(i, p) * w.get(j, p) * (mask == null ? 1 : mask.get(j, p));
        }
        for (int p = 0; p < ctx; p++) {
          s += (double) c.get(i, p) * v.get(j, p);
        }
        expected[i * OUT + j] = Math.tanh(s);
      }
    }
    try (Tape tape = Tape.noGrad()) {
      Var y =
          LinearOps.contextLinear(
              tape.input(x),
              tape.input(w),
              mask,
              tape.input(c),
              tape.input(v),
              tape.input(b),
              Activation.TANH);
      Reference.assertClose(y.value(), expected);
    }
    GradCheck.check(
        vars ->
            LinearOps.contextLinear(
                vars[0], vars[1], mask, vars[2], vars[3], vars[4], Activation.TANH),
        76,
        x,
        w,
        c,
        v,
        b);
  }

  @Test
  void linearRefusesMisfittingShapes() {
    Var x = Var.constant(Tensor.zeros(8, 3));
    assertThatThrownBy(
            () -> LinearOps.linear(x, Var.constant(Tensor.zeros(5, 4)), null, Activation.IDENTITY))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("linear: weight must have shape [out, 3], but was [5, 4] (x is [8, 3])");
    assertThatThrownBy(
            () ->
                LinearOps.linear(
                    x,
                    Var.constant(Tensor.zeros(5, 3)),
                    Var.constant(Tensor.zeros(4)),
                    Activation.IDENTITY))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("linear: bias must have shape [5], but was [4]");
    assertThatThrownBy(
            () ->
                LinearOps.maskedLinear(
                    x,
                    Var.constant(Tensor.zeros(5, 3)),
                    Tensor.zeros(3, 5),
                    null,
                    Activation.IDENTITY))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("maskedLinear: mask must have shape [5, 3], but was [3, 5]");
  }
}
