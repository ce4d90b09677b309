package io.flows4j.tensor.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Conv1d} against a naive double-precision convolution (forward) and central finite
 * differences of the double convolution (backward).
 */
class Conv1dTest {
  static final double EPS = Math.ulp(1f);

  /**
   * Rounding allowed in a float sum of products, relative to the sum of the absolute values of its
   * terms (the condition of the sum, which a result near zero does not show): 16 float ulps. The
   * magnitudes come from the reference run on absolute values.
   */
  static final double SUM_TOL = 16 * EPS;

  /** Finite-difference step; the loss is linear in each input, so only rounding limits it. */
  static final double FD_STEP = 1e-3;

  /** One test configuration. */
  record Case(
      String name,
      int batch,
      int cin,
      int len,
      int cout,
      int kernel,
      Conv1dSpec spec,
      boolean bias,
      int[] lengths) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(
            new Case("pad 1, k 3", 2, 4, 9, 6, 3, Conv1dSpec.symmetric(1, 1, 1), true, null),
            new Case(
                "valid, dilation 2, no bias",
                2,
                3,
                11,
                5,
                3,
                Conv1dSpec.symmetric(0, 2, 1),
                false,
                null),
            new Case(
                "same k 5 dilation 2, groups 2, mask",
                2,
                4,
                10,
                6,
                5,
                Conv1dSpec.same(5, 2, 2),
                true,
                new int[] {10, 6}),
            new Case("k 1 direct", 3, 4, 7, 5, 1, Conv1dSpec.symmetric(0, 1, 1), true, null),
            new Case(
                "k 1 direct, groups 2", 2, 4, 7, 6, 1, Conv1dSpec.symmetric(0, 1, 2), false, null),
            new Case(
                "k 1 with mask",
                2,
                3,
                8,
                4,
                1,
                Conv1dSpec.symmetric(0, 1, 1),
                true,
                new int[] {5, 8}),
            new Case(
                "causal pad 6/0, dilation 3",
                2,
                3,
                8,
                4,
                3,
                new Conv1dSpec(6, 0, 3, 1),
                true,
                null),
            new Case("depthwise groups 4", 2, 4, 9, 8, 3, Conv1dSpec.same(3, 1, 4), true, null),
            new Case(
                "same k 4 (even), mask",
                2,
                2,
                9,
                3,
                4,
                Conv1dSpec.same(4, 1, 1),
                false,
                new int[] {4, 9}))
        .map(Arguments::of);
  }

  static Tensor random(long seed, int... dims) {
    return new Rng(seed).fillUniform(Tensor.zeros(dims), -1, 1);
  }

  static Tensor mask(int len, int[] lengths) {
    if (lengths == null) {
      return null;
    }
    Tensor m = Tensor.zeros(lengths.length, 1, len);
    for (int b = 0; b < lengths.length; b++) {
      for (int t = 0; t < lengths[b]; t++) {
        m.set(1f, b, 0, t);
      }
    }
    return m;
  }

  static double[] toDouble(Tensor t) {
    if (t == null) {
      return null;
    }
    double[] d = new double[t.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = t.getFlat(i);
    }
    return d;
  }

  /**
   * The direct convolution in double: loops over batch, output channel, time, input channel, tap.
   */
  static double[] reference(double[] x, double[] w, double[] bias, double[] mask, Case c) {
    int cinG = c.cin / c.spec.groups();
    int coutG = c.cout / c.spec.groups();
    int outLen = c.spec.outputLength(c.len, c.kernel);
    double[] y = new double[c.batch * c.cout * outLen];
    for (int b = 0; b < c.batch; b++) {
      for (int o = 0; o < c.cout; o++) {
        int grp = o / coutG;
        for (int t = 0; t < outLen; t++) {
          double s = bias == null ? 0 : bias[o];
          for (int ci = 0; ci < cinG; ci++) {
            int channel = grp * cinG + ci;
            for (int k = 0; k < c.kernel; k++) {
              int src = t + k * c.spec.dilation() - c.spec.padLeft();
              if (src < 0 || src >= c.len) {
                continue;
              }
              double m = mask == null ? 1 : mask[b * c.len + src];
              s += w[(o * cinG + ci) * c.kernel + k] * m * x[(b * c.cin + channel) * c.len + src];
            }
          }
          double mo = mask == null ? 1 : mask[b * c.len + t];
          y[(b * c.cout + o) * outLen + t] = s * mo;
        }
      }
    }
    return y;
  }

  static double weighted(double[] y, double[] r) {
    double s = 0;
    for (int i = 0; i < y.length; i++) {
      s += y[i] * r[i];
    }
    return s;
  }

  /**
   * Asserts {@code |actual - expected| <= SUM_TOL * magnitude} elementwise, where {@code magnitude}
   * is the sum of the absolute values of the terms that make up each element.
   */
  static void assertClose(String what, float[] actual, double[] expected, double[] magnitude) {
    assertThat(actual).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(Math.abs(actual[i] - expected[i]))
          .as("%s[%d]: %s vs %s (terms of size %s)", what, i, actual[i], expected[i], magnitude[i])
          .isLessThanOrEqualTo(SUM_TOL * magnitude[i]);
    }
  }

  /** Elementwise absolute values; {@code null} stays {@code null}. */
  static double[] abs(double[] a) {
    if (a == null) {
      return null;
    }
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = Math.abs(a[i]);
    }
    return r;
  }

  @ParameterizedTest(name = "{0}, seed 101")
  @MethodSource("cases")
  @DisplayName("forward matches the direct double convolution")
  void forward(Case c) {
    Tensor x = random(101, c.batch, c.cin, c.len);
    Tensor w = random(102, c.cout, c.cin / c.spec.groups(), c.kernel);
    Tensor bias = c.bias ? random(103, c.cout) : null;
    Tensor mask = mask(c.len, c.lengths);
    Shape outShape = Conv1d.outputShape(x.shape(), w.shape(), c.spec);
    assertThat(outShape).isEqualTo(Shape.of(c.batch, c.cout, c.spec.outputLength(c.len, c.kernel)));
    Tensor y = Tensor.full(outShape, Float.NaN);
    Conv1d.forward(x, w, bias, mask, c.spec, y);
    double[] xd = toDouble(x);
    double[] wd = toDouble(w);
    double[] bd = toDouble(bias);
    double[] md = toDouble(mask);
    assertClose(
        "y",
        y.toArray(),
        reference(xd, wd, bd, md, c),
        reference(abs(xd), abs(wd), abs(bd), md, c));
  }

  @ParameterizedTest(name = "{0}, seed 111")
  @MethodSource("cases")
  @DisplayName("backward adds central finite differences of sum(r * conv) in double")
  void backward(Case c) {
    Tensor x = random(111, c.batch, c.cin, c.len);
    Tensor w = random(112, c.cout, c.cin / c.spec.groups(), c.kernel);
    Tensor bias = c.bias ? random(113, c.cout) : null;
    Tensor mask = mask(c.len, c.lengths);
    Shape outShape = Conv1d.outputShape(x.shape(), w.shape(), c.spec);
    Tensor r = random(114, outShape.dims());
    // Gradients start non-zero: backward must add to them.
    Tensor gx = random(115, x.shape().dims());
    Tensor gw = random(116, w.shape().dims());
    Tensor gb = c.bias ? random(117, c.cout) : null;
    double[] gx0 = toDouble(gx);
    double[] gw0 = toDouble(gw);
    double[] gb0 = toDouble(gb);
    Conv1d.backward(x, w, mask, c.spec, r, gx, gw, gb);

    double[] xd = toDouble(x);
    double[] wd = toDouble(w);
    double[] bd = toDouble(bias);
    double[] md = toDouble(mask);
    double[] rd = toDouble(r);
    double[][] mag = referenceBackward(abs(xd), abs(wd), md, abs(rd), c);
    assertClose(
        "dx",
        gx.toArray(),
        plus(gx0, numericGradient(xd, () -> weighted(reference(xd, wd, bd, md, c), rd))),
        plus(abs(gx0), mag[0]));
    assertClose(
        "dw",
        gw.toArray(),
        plus(gw0, numericGradient(wd, () -> weighted(reference(xd, wd, bd, md, c), rd))),
        plus(abs(gw0), mag[1]));
    if (c.bias) {
      assertClose(
          "dbias",
          gb.toArray(),
          plus(gb0, numericGradient(bd, () -> weighted(reference(xd, wd, bd, md, c), rd))),
          plus(abs(gb0), mag[2]));
    }
  }

  static double[] plus(double[] a, double[] b) {
    double[] s = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      s[i] = a[i] + b[i];
    }
    return s;
  }

  /** Central differences of {@code loss} with respect to every element of {@code v}. */
  static double[] numericGradient(double[] v, java.util.function.DoubleSupplier loss) {
    double[] g = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      double saved = v[i];
      v[i] = saved + FD_STEP;
      double up = loss.getAsDouble();
      v[i] = saved - FD_STEP;
      double down = loss.getAsDouble();
      v[i] = saved;
      g[i] = (up - down) / (2 * FD_STEP);
    }
    return g;
  }

  @Test
  @DisplayName(
      "the batch split over 2 threads gives the 1-thread result and the reference; seed 121")
  void parallelBatch() {
    int batch = 4;
    int ch = 32;
    int len = 1024;
    int[] lengths = {1024, 1000, 517, 3};
    Case c = new Case("parallel", batch, ch, len, ch, 5, Conv1dSpec.same(5, 2, 1), true, lengths);
    long flops = 2L * c.cout * c.cin * c.kernel * c.len;
    int perTask = (int) ((Conv1d.MIN_FLOPS_PER_TASK + flops - 1) / flops);
    int saved = Threads.count();
    try {
      Threads.setCount(2);
      assertThat(Threads.tasksFor(c.batch, perTask)).as("this case must split").isEqualTo(2);
      Tensor x = random(121, batch, ch, len);
      Tensor w = random(122, ch, ch, 5);
      Tensor bias = random(123, ch);
      Tensor mask = mask(len, lengths);
      Tensor r = random(124, batch, ch, len);
      Tensor[] two = run(x, w, bias, mask, c.spec, r);
      Threads.setCount(1);
      Tensor[] one = run(x, w, bias, mask, c.spec, r);
      for (int i = 0; i < 4; i++) {
        // The reductions are cut into ranges that do not depend on the thread count.
        assertThat(two[i].toArray())
            .as("2 threads = 1 thread, output %d", i)
            .isEqualTo(one[i].toArray());
      }
      double[] xd = toDouble(x);
      double[] wd = toDouble(w);
      double[] bd = toDouble(bias);
      double[] md = toDouble(mask);
      double[] rd = toDouble(r);
      double[][] expected = new double[4][];
      double[][] magnitude = new double[4][];
      expected[0] = reference(xd, wd, bd, md, c);
      magnitude[0] = reference(abs(xd), abs(wd), abs(bd), md, c);
      System.arraycopy(referenceBackward(xd, wd, md, rd, c), 0, expected, 1, 3);
      System.arraycopy(referenceBackward(abs(xd), abs(wd), md, abs(rd), c), 0, magnitude, 1, 3);
      for (int i = 0; i < 4; i++) {
        assertClose("2 threads, output " + i, two[i].toArray(), expected[i], magnitude[i]);
        assertClose("1 thread, output " + i, one[i].toArray(), expected[i], magnitude[i]);
      }
    } finally {
      Threads.setCount(saved);
    }
  }

  private static Tensor[] run(
      Tensor x, Tensor w, Tensor bias, Tensor mask, Conv1dSpec spec, Tensor r) {
    Tensor y = Tensor.zeros(Conv1d.outputShape(x.shape(), w.shape(), spec));
    Conv1d.forward(x, w, bias, mask, spec, y);
    Tensor gx = Tensor.zeros(x.shape());
    Tensor gw = Tensor.zeros(w.shape());
    Tensor gb = Tensor.zeros(bias.shape());
    Conv1d.backward(x, w, mask, spec, r, gx, gw, gb);
    return new Tensor[] {y, gx, gw, gb};
  }

  /** The adjoint loops of {@link #reference}, in double: gradients of sum(r * y). */
  static double[][] referenceBackward(double[] x, double[] w, double[] mask, double[] r, Case c) {
    int cinG = c.cin / c.spec.groups();
    int coutG = c.cout / c.spec.groups();
    int outLen = c.spec.outputLength(c.len, c.kernel);
    double[] gx = new double[x.length];
    double[] gw = new double[w.length];
    double[] gb = new double[c.cout];
    for (int b = 0; b < c.batch; b++) {
      for (int o = 0; o < c.cout; o++) {
        int grp = o / coutG;
        for (int t = 0; t < outLen; t++) {
          double g = r[(b * c.cout + o) * outLen + t] * (mask == null ? 1 : mask[b * c.len + t]);
          gb[o] += g;
          for (int ci = 0; ci < cinG; ci++) {
            for (int k = 0; k < c.kernel; k++) {
              int src = t + k * c.spec.dilation() - c.spec.padLeft();
              if (src < 0 || src >= c.len) {
                continue;
              }
              double m = mask == null ? 1 : mask[b * c.len + src];
              int xi = (b * c.cin + grp * cinG + ci) * c.len + src;
              int wi = (o * cinG + ci) * c.kernel + k;
              gw[wi] += g * m * x[xi];
              gx[xi] += g * m * w[wi];
            }
          }
        }
      }
    }
    return new double[][] {gx, gw, gb};
  }

  @Test
  @DisplayName("the same-padding helper keeps the length for odd and even spans")
  void samePadding() {
    for (int k = 1; k <= 6; k++) {
      for (int d = 1; d <= 4; d++) {
        Conv1dSpec s = Conv1dSpec.same(k, d, 1);
        assertThat(s.outputLength(37, k)).isEqualTo(37);
        assertThat(s.padRight() - s.padLeft()).isBetween(0, 1);
      }
    }
  }

  @Test
  void shapeErrorsNameOpAndShapes() {
    Conv1dSpec spec = Conv1dSpec.symmetric(1, 1, 1);
    Tensor x = Tensor.zeros(2, 4, 9);
    assertThatThrownBy(() -> Conv1d.outputShape(x.shape(), Shape.of(6, 3, 3), spec))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageStartingWith(
            "conv1d: weight [6, 3, 3] does not fit input [2, 4, 9] with 1 groups");
    assertThatThrownBy(() -> Conv1d.outputShape(Shape.of(2, 4), Shape.of(6, 4, 3), spec))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("conv1d: input must have shape [batch, channels, length], but was [2, 4]");
    assertThatThrownBy(
            () ->
                Conv1d.forward(
                    x,
                    Tensor.zeros(6, 4, 3),
                    null,
                    Tensor.zeros(2, 1, 8),
                    spec,
                    Tensor.zeros(2, 6, 9)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "conv1d: mask must have shape [2, 1, 9] for input [2, 4, 9] and weight [6, 4, 3], but"
                + " was [2, 1, 8]");
    assertThatThrownBy(
            () ->
                Conv1d.forward(
                    x,
                    Tensor.zeros(6, 4, 3),
                    null,
                    Tensor.zeros(2, 1, 9),
                    Conv1dSpec.symmetric(0, 1, 1),
                    Tensor.zeros(2, 6, 7)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "conv1d: a mask needs an output as long as the input (9), but padding 0 + 0, dilation 1"
                + " and kernel size 3 give 7");
    assertThatThrownBy(
            () ->
                Conv1d.outputShape(
                    Shape.of(2, 4, 3), Shape.of(6, 4, 3), Conv1dSpec.symmetric(0, 2, 1)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageStartingWith("conv1d: output length must be >= 1, but input [2, 4, 3]");
    assertThatThrownBy(() -> Conv1dSpec.symmetric(1, 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("conv1d: dilation must be > 0, but was 0");
  }
}
