package io.flows4j.tensor.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.tensor.StableMath;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The tests every {@link Elementwise} implementation must pass: each kernel against a reference
 * computed in double with {@link Math} and {@link StableMath}, on lengths that leave a vector tail,
 * at non-zero offsets, and at extreme inputs. Subclasses supply the implementation.
 */
abstract class ElementwiseContractTest {
  /** Relative tolerance of float kernels against double references: 16 float ulps at 1. */
  static final double REL_TOL = 16 * Math.ulp(1f);

  /**
   * Absolute tolerance for results near zero, where a float result built from O(1) terms keeps only
   * the absolute accuracy of those terms (8 ulps at 1).
   */
  static final double ABS_TOL = 8 * Math.ulp(1f);

  /** Lengths with and without a tail beyond whole vectors of 4, 8 or 16 floats. */
  static final int[] LENGTHS = {0, 1, 7, 16, 37, 100};

  /** Offset at which the input ranges start, to catch kernels that ignore offsets. */
  static final int OFF = 3;

  /** Values that stress overflow, underflow and signed zero. */
  static final float[] EXTREMES = {
    0f, -0f, 1e-6f, -1e-6f, 1f, -1f, 20f, -20f, 50f, -50f, 88f, -88f, 100f, -100f, 1e4f, -1e4f
  };

  abstract Elementwise kernels();

  static float[] random(long seed, int n, double lo, double hi) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] a = new float[n + OFF];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return a;
  }

  /** Inputs: random values in [-12, 12] followed by the extremes, starting at {@link #OFF}. */
  static float[] activationInputs(long seed) {
    float[] r = random(seed, 61, -12, 12);
    float[] a = new float[r.length + EXTREMES.length];
    System.arraycopy(r, 0, a, 0, r.length);
    System.arraycopy(EXTREMES, 0, a, r.length, EXTREMES.length);
    return a;
  }

  static void assertClose(String what, int i, double actual, double expected) {
    if (Double.isNaN(expected)) {
      assertThat(actual).as("%s[%d]", what, i).isNaN();
      return;
    }
    if (Double.isInfinite(expected)) {
      assertThat(actual).as("%s[%d]", what, i).isEqualTo(expected);
      return;
    }
    assertThat(Math.abs(actual - expected))
        .as("%s[%d]: %s vs expected %s", what, i, actual, expected)
        .isLessThanOrEqualTo(ABS_TOL + REL_TOL * Math.abs(expected));
  }

  static double activationRef(Activation f, double x) {
    return switch (f) {
      case IDENTITY -> x;
      case RELU -> Math.max(0, x);
      case LEAKY_RELU -> x > 0 ? x : 0.01 * x;
      case ELU -> x > 0 ? x : Math.expm1(x);
      case TANH -> Math.tanh(x);
      case SIGMOID -> StableMath.sigmoid(x);
      case SOFTPLUS -> StableMath.softplus(x);
      case LIPSWISH -> x * StableMath.sigmoid(x) / 1.1;
    };
  }

  static double derivativeRef(Activation f, double x) {
    double s = StableMath.sigmoid(x);
    return switch (f) {
      case IDENTITY -> 1;
      case RELU -> x > 0 ? 1 : 0;
      case LEAKY_RELU -> x > 0 ? 1 : 0.01;
      case ELU -> x > 0 ? 1 : Math.exp(x);
      case TANH -> 1 - Math.tanh(x) * Math.tanh(x);
      case SIGMOID -> s * (1 - s);
      case SOFTPLUS -> s;
      case LIPSWISH -> (s + x * s * (1 - s)) / 1.1;
    };
  }

  @ParameterizedTest(name = "{0}, seed 11")
  @EnumSource(Activation.class)
  @DisplayName("activation matches the double reference, extremes included")
  void activationForward(Activation f) {
    float[] x = activationInputs(11);
    int n = x.length - OFF;
    float[] y = new float[n + 1];
    kernels().activation(f, x, OFF, y, 1, n);
    for (int i = 0; i < n; i++) {
      assertThat(Float.isFinite(y[1 + i])).as("%s(%s) finite", f, x[OFF + i]).isTrue();
      assertClose(f + "(" + x[OFF + i] + ")", i, y[1 + i], activationRef(f, x[OFF + i]));
    }
  }

  @ParameterizedTest(name = "{0}, seed 12")
  @EnumSource(Activation.class)
  @DisplayName("activationBackward adds gradOut * f'(x) to the gradient it is given")
  void activationBackward(Activation f) {
    float[] x = activationInputs(12);
    int n = x.length - OFF;
    float[] y = new float[n + OFF];
    for (int i = 0; i < n; i++) {
      y[OFF + i] = (float) activationRef(f, x[OFF + i]);
    }
    float[] gradOut = random(13, n, -2, 2);
    float[] gradIn = random(14, n, -1, 1);
    float[] before = gradIn.clone();
    kernels().activationBackward(f, x, OFF, y, OFF, gradOut, OFF, gradIn, OFF, n);
    for (int i = 0; i < n; i++) {
      double expected = before[OFF + i] + (double) gradOut[OFF + i] * derivativeRef(f, x[OFF + i]);
      assertClose(f + "'(" + x[OFF + i] + ")", i, gradIn[OFF + i], expected);
    }
    assertThat(gradIn[0]).as("values before the range are untouched").isEqualTo(before[0]);
  }

  @Test
  @DisplayName("extreme inputs: softplus(+-1e4) finite, sigmoid(+-100) in [0, 1], tanh saturates")
  void extremes() {
    float[] x = {1e4f, -1e4f, 100f, -100f};
    float[] y = new float[4];
    kernels().activation(Activation.SOFTPLUS, x, 0, y, 0, 2);
    assertThat(y[0]).isEqualTo(1e4f);
    assertThat(y[1]).isBetween(0f, Float.MIN_NORMAL);
    kernels().activation(Activation.SIGMOID, x, 2, y, 0, 2);
    assertThat(y[0]).isEqualTo(1f);
    assertThat(y[1]).isBetween(0f, 1e-40f);
    kernels().activation(Activation.TANH, x, 2, y, 0, 2);
    assertThat(y[0]).isEqualTo(1f);
    assertThat(y[1]).isEqualTo(-1f);
  }

  @Test
  @DisplayName("exp and log match Math, with overflow, underflow, log(0) and log(-1); seed 21")
  void expAndLog() {
    for (int n : LENGTHS) {
      float[] x = random(21, n, -20, 20);
      float[] y = new float[n];
      kernels().exp(x, OFF, y, 0, n);
      for (int i = 0; i < n; i++) {
        assertClose("exp", i, y[i], Math.exp(x[OFF + i]));
      }
      float[] p = random(22, n, 1e-3, 50);
      kernels().log(p, OFF, y, 0, n);
      for (int i = 0; i < n; i++) {
        assertClose("log", i, y[i], Math.log(p[OFF + i]));
      }
    }
    float[] special = {100f, -110f, 0f, -1f};
    float[] y = new float[4];
    kernels().exp(special, 0, y, 0, 2);
    assertThat(y[0]).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(y[1]).isBetween(0f, Float.MIN_NORMAL);
    kernels().log(special, 2, y, 2, 2);
    assertThat(y[2]).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(y[3]).isNaN();
  }

  @Test
  @DisplayName("exp and log backward add gradOut * y and gradOut / x; seed 23")
  void expLogBackward() {
    int n = 37;
    float[] x = random(23, n, 0.1, 3);
    float[] g = random(24, n, -1, 1);
    float[] gi = random(25, n, -1, 1);
    float[] before = gi.clone();
    kernels().expBackward(x, OFF, g, OFF, gi, OFF, n);
    for (int i = 0; i < n; i++) {
      assertClose(
          "expBackward", i, gi[OFF + i], before[OFF + i] + (double) g[OFF + i] * x[OFF + i]);
    }
    before = gi.clone();
    kernels().logBackward(x, OFF, g, OFF, gi, OFF, n);
    for (int i = 0; i < n; i++) {
      assertClose(
          "logBackward", i, gi[OFF + i], before[OFF + i] + (double) g[OFF + i] / x[OFF + i]);
    }
  }

  @Test
  @DisplayName("binary maps and updates match double arithmetic at every length; seed 31")
  void binary() {
    for (int n : LENGTHS) {
      float[] a = random(31, n, -3, 3);
      float[] b = random(32, n, 0.5, 3);
      float[] c0 = random(33, n, -3, 3);
      float[] c = new float[n + OFF];
      kernels().add(a, OFF, b, OFF, c, OFF, n);
      check("add", n, c, i -> (double) a[OFF + i] + b[OFF + i]);
      kernels().sub(a, OFF, b, OFF, c, OFF, n);
      check("sub", n, c, i -> (double) a[OFF + i] - b[OFF + i]);
      kernels().mul(a, OFF, b, OFF, c, OFF, n);
      check("mul", n, c, i -> (double) a[OFF + i] * b[OFF + i]);
      kernels().div(a, OFF, b, OFF, c, OFF, n);
      check("div", n, c, i -> (double) a[OFF + i] / b[OFF + i]);
      float[] acc = c0.clone();
      kernels().mulAdd(a, OFF, b, OFF, acc, OFF, n);
      check("mulAdd", n, acc, i -> c0[OFF + i] + (double) a[OFF + i] * b[OFF + i]);
      acc = c0.clone();
      kernels().axpy(-1.5f, a, OFF, acc, OFF, n);
      check("axpy", n, acc, i -> c0[OFF + i] - 1.5 * a[OFF + i]);
      kernels().scaleShift(a, OFF, 2.5f, -0.5f, c, OFF, n);
      check("scaleShift", n, c, i -> 2.5 * a[OFF + i] - 0.5);
    }
  }

  @Test
  @DisplayName("binary maps work in place (output range equal to an input range); seed 34")
  void inPlace() {
    float[] a = random(34, 37, -3, 3);
    float[] b = random(35, 37, -3, 3);
    float[] expected = new float[a.length];
    for (int i = 0; i < a.length; i++) {
      expected[i] = a[i] * b[i];
    }
    kernels().mul(a, 0, b, 0, a, 0, a.length);
    assertThat(a).containsExactly(expected);
  }

  private interface IndexFn {
    double at(int i);
  }

  private static void check(String what, int n, float[] c, IndexFn ref) {
    for (int i = 0; i < n; i++) {
      assertClose(what + "/" + n, i, c[OFF + i], ref.at(i));
    }
  }

  @Test
  @DisplayName("sum, sumOfSquares, dot and max match double loops; max propagates NaN; seed 41")
  void reductions() {
    for (int n : LENGTHS) {
      float[] a = random(41, n, -3, 3);
      float[] b = random(42, n, -3, 3);
      double s = 0;
      double ss = 0;
      double d = 0;
      float m = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) {
        s += a[OFF + i];
        ss += (double) a[OFF + i] * a[OFF + i];
        d += (double) a[OFF + i] * b[OFF + i];
        m = Math.max(m, a[OFF + i]);
      }
      double tol = 1e-12 * (1 + n);
      assertThat(kernels().sum(a, OFF, n)).isCloseTo(s, org.assertj.core.data.Offset.offset(tol));
      assertThat(kernels().sumOfSquares(a, OFF, n))
          .isCloseTo(ss, org.assertj.core.data.Offset.offset(tol));
      assertThat(kernels().dot(a, OFF, b, OFF, n))
          .isCloseTo(d, org.assertj.core.data.Offset.offset(tol));
      assertThat(kernels().max(a, OFF, n)).isEqualTo(m);
    }
    float[] withNan = random(43, 40, -1, 1);
    withNan[OFF + 5] = Float.NaN;
    assertThat(kernels().max(withNan, OFF, 40)).isNaN();
  }

  /** A double reference of log-sum-exp over one strided line. */
  static double lseRef(double[] v) {
    double m = Double.NEGATIVE_INFINITY;
    for (double e : v) {
      m = Math.max(m, e);
    }
    if (Double.isInfinite(m)) {
      return m;
    }
    double s = 0;
    for (double e : v) {
      s += Math.exp(e - m);
    }
    return m + Math.log(s);
  }

  static double[] line(float[] x, int off, int o, int len, int inner, int i) {
    double[] v = new double[len];
    for (int k = 0; k < len; k++) {
      v[k] = x[off + (o * len + k) * inner + i];
    }
    return v;
  }

  /** Layouts [outer, length, inner]: last axis, middle axis, single line. */
  static final int[][] LAYOUTS = {{3, 7, 1}, {2, 5, 4}, {1, 19, 1}, {2, 1, 3}};

  @Test
  @DisplayName("logSumExp, softmax and logSoftmax along an axis match double references; seed 51")
  void axisForward() {
    for (int[] l : LAYOUTS) {
      int outer = l[0];
      int len = l[1];
      int inner = l[2];
      int size = outer * len * inner;
      float[] x = random(51, size, -30, 30);
      x[OFF] = 1000f; // a huge value must not overflow
      float[] lse = new float[outer * inner];
      float[] sm = new float[size];
      float[] lsm = new float[size];
      kernels().logSumExp(x, OFF, outer, len, inner, lse, 0);
      kernels().softmax(x, OFF, outer, len, inner, sm, 0);
      kernels().logSoftmax(x, OFF, outer, len, inner, lsm, 0);
      for (int o = 0; o < outer; o++) {
        for (int i = 0; i < inner; i++) {
          double[] v = line(x, OFF, o, len, inner, i);
          double ref = lseRef(v);
          assertClose("logSumExp", o * inner + i, lse[o * inner + i], ref);
          for (int k = 0; k < len; k++) {
            int at = (o * len + k) * inner + i;
            assertClose("softmax", at, sm[at], Math.exp(v[k] - ref));
            assertClose("logSoftmax", at, lsm[at], v[k] - ref);
          }
        }
      }
    }
  }

  @Test
  @DisplayName("logSumExp of [-inf, x] is x; of all -inf is -inf; of [+inf, x] is +inf")
  void logSumExpInfinities() {
    float[] x = {
      Float.NEGATIVE_INFINITY, 2.5f,
      Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY,
      Float.POSITIVE_INFINITY, 1f
    };
    float[] y = new float[3];
    kernels().logSumExp(x, 0, 3, 2, 1, y, 0);
    assertThat(y).containsExactly(2.5f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY);
    float[] sm = new float[2];
    kernels().softmax(x, 0, 1, 2, 1, sm, 0);
    assertThat(sm).containsExactly(0f, 1f);
    kernels().logSoftmax(x, 0, 1, 2, 1, sm, 0);
    assertThat(sm).containsExactly(Float.NEGATIVE_INFINITY, 0f);
  }

  /** Central-difference step for the double references of the axis backward rules. */
  static final double FD_STEP = 1e-6;

  /** Tolerance of a float backward kernel against a double finite difference of O(1) terms. */
  static final double FD_TOL = 32 * Math.ulp(1f);

  @Test
  @DisplayName("axis backward rules match central differences of double references; seed 61")
  void axisBackward() {
    for (int[] l : LAYOUTS) {
      int outer = l[0];
      int len = l[1];
      int inner = l[2];
      int size = outer * len * inner;
      float[] x = random(61, size, -3, 3);
      float[] gOut = random(62, size, -1, 1);
      float[] gLse = random(63, outer * inner, -1, 1);
      float[] sm = new float[size + OFF];
      float[] lsm = new float[size + OFF];
      float[] lse = new float[outer * inner + OFF];
      kernels().softmax(x, OFF, outer, len, inner, sm, OFF);
      kernels().logSoftmax(x, OFF, outer, len, inner, lsm, OFF);
      kernels().logSumExp(x, OFF, outer, len, inner, lse, OFF);
      float[] g1 = new float[size + OFF];
      float[] g2 = new float[size + OFF];
      float[] g3 = new float[size + OFF];
      kernels().softmaxBackward(sm, OFF, gOut, OFF, outer, len, inner, g1, OFF);
      kernels().logSoftmaxBackward(lsm, OFF, gOut, OFF, outer, len, inner, g2, OFF);
      kernels().logSumExpBackward(x, OFF, lse, OFF, gLse, OFF, outer, len, inner, g3, OFF);
      double[] xd = new double[size];
      for (int i = 0; i < size; i++) {
        xd[i] = x[OFF + i];
      }
      for (int j = 0; j < size; j++) {
        double saved = xd[j];
        xd[j] = saved + FD_STEP;
        double[] plus = axisLosses(xd, gOut, gLse, outer, len, inner);
        xd[j] = saved - FD_STEP;
        double[] minus = axisLosses(xd, gOut, gLse, outer, len, inner);
        xd[j] = saved;
        assertClose("softmaxBackward", j, g1[OFF + j], (plus[0] - minus[0]) / (2 * FD_STEP));
        assertClose("logSoftmaxBackward", j, g2[OFF + j], (plus[1] - minus[1]) / (2 * FD_STEP));
        assertClose("logSumExpBackward", j, g3[OFF + j], (plus[2] - minus[2]) / (2 * FD_STEP));
      }
    }
  }

  /** {@code sum(g * softmax(x))}, {@code sum(g * logSoftmax(x))}, {@code sum(gl * lse(x))}. */
  private static double[] axisLosses(
      double[] x, float[] g, float[] gl, int outer, int len, int inner) {
    double[] loss = new double[3];
    for (int o = 0; o < outer; o++) {
      for (int i = 0; i < inner; i++) {
        double[] v = new double[len];
        for (int k = 0; k < len; k++) {
          v[k] = x[(o * len + k) * inner + i];
        }
        double l = lseRef(v);
        loss[2] += gl[OFF + o * inner + i] * l;
        for (int k = 0; k < len; k++) {
          double gk = g[OFF + (o * len + k) * inner + i];
          loss[0] += gk * Math.exp(v[k] - l);
          loss[1] += gk * (v[k] - l);
        }
      }
    }
    return loss;
  }

  @Test
  @DisplayName("the test's derivative table matches finite differences of its activation table")
  void derivativeReferenceIsNumericallyRight() {
    // Guards the test's own tables against a shared mistake with the kernels.
    for (Activation f : Activation.values()) {
      for (double x : new double[] {-2.3, -0.4, 0.7, 1.9}) {
        DoubleUnaryOperator ref = v -> activationRef(f, v);
        double fd =
            (ref.applyAsDouble(x + FD_STEP) - ref.applyAsDouble(x - FD_STEP)) / (2 * FD_STEP);
        assertThat(derivativeRef(f, x))
            .as("%s'(%s)", f, x)
            .isCloseTo(fd, org.assertj.core.data.Offset.offset(1e-8));
      }
    }
  }
}
