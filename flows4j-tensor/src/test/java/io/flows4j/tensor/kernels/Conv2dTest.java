package io.flows4j.tensor.kernels;

import static io.flows4j.tensor.kernels.Conv1dTest.abs;
import static io.flows4j.tensor.kernels.Conv1dTest.assertClose;
import static io.flows4j.tensor.kernels.Conv1dTest.numericGradient;
import static io.flows4j.tensor.kernels.Conv1dTest.plus;
import static io.flows4j.tensor.kernels.Conv1dTest.random;
import static io.flows4j.tensor.kernels.Conv1dTest.toDouble;
import static io.flows4j.tensor.kernels.Conv1dTest.weighted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
 * {@link Conv2d} against a naive double-precision convolution (forward) and central finite
 * differences of the double convolution (backward). Tolerances are those of {@link Conv1dTest}.
 */
class Conv2dTest {

  record Case(
      String name,
      int batch,
      int cin,
      int h,
      int w,
      int cout,
      int kh,
      int kw,
      int pad,
      boolean bias) {
    @Override
    public String toString() {
      return name;
    }

    int outH() {
      return h + 2 * pad - kh + 1;
    }

    int outW() {
      return w + 2 * pad - kw + 1;
    }
  }

  static Stream<Arguments> cases() {
    return Stream.of(
            new Case("3x3 pad 1", 2, 3, 5, 6, 4, 3, 3, 1, true),
            new Case("3x3 pad 0, no bias", 2, 2, 6, 5, 3, 3, 3, 0, false),
            new Case("1x1 direct", 2, 4, 4, 3, 5, 1, 1, 0, true),
            new Case("1x1 pad 1", 1, 3, 3, 4, 2, 1, 1, 1, true),
            new Case("2x3 pad 1", 2, 2, 4, 5, 3, 2, 3, 1, false),
            new Case("5x5 pad 2 on 3x3", 1, 2, 3, 3, 2, 5, 5, 2, true),
            // Fewer output than input channels: the output-side lowering.
            new Case("3x3 pad 1, 5 -> 2 channels", 2, 5, 4, 5, 2, 3, 3, 1, true),
            new Case("2x3 pad 0, 4 -> 1 channel, no bias", 2, 4, 5, 4, 1, 2, 3, 0, false),
            new Case("3x3 pad 2 (output larger), 3 -> 2", 1, 3, 3, 4, 2, 3, 3, 2, true),
            new Case("5x5 pad 2 on 3x3, 3 -> 2", 1, 3, 3, 3, 2, 5, 5, 2, true))
        .map(Arguments::of);
  }

  /** The direct convolution in double: loops over image, output channel, rows, columns, taps. */
  static double[] reference(double[] x, double[] w, double[] bias, Case c) {
    double[] y = new double[c.batch * c.cout * c.outH() * c.outW()];
    for (int b = 0; b < c.batch; b++) {
      for (int o = 0; o < c.cout; o++) {
        for (int i = 0; i < c.outH(); i++) {
          for (int j = 0; j < c.outW(); j++) {
            double s = bias == null ? 0 : bias[o];
            for (int ci = 0; ci < c.cin; ci++) {
              for (int p = 0; p < c.kh; p++) {
                for (int q = 0; q < c.kw; q++) {
                  int ih = i + p - c.pad;
                  int iw = j + q - c.pad;
                  if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) {
                    continue;
                  }
                  s +=
                      w[((o * c.cin + ci) * c.kh + p) * c.kw + q]
                          * x[((b * c.cin + ci) * c.h + ih) * c.w + iw];
                }
              }
            }
            y[((b * c.cout + o) * c.outH() + i) * c.outW() + j] = s;
          }
        }
      }
    }
    return y;
  }

  @ParameterizedTest(name = "{0}, seed 201")
  @MethodSource("cases")
  @DisplayName("forward matches the direct double convolution")
  void forward(Case c) {
    Tensor x = random(201, c.batch, c.cin, c.h, c.w);
    Tensor w = random(202, c.cout, c.cin, c.kh, c.kw);
    Tensor bias = c.bias ? random(203, c.cout) : null;
    Shape outShape = Conv2d.outputShape(x.shape(), w.shape(), c.pad);
    assertThat(outShape).isEqualTo(Shape.of(c.batch, c.cout, c.outH(), c.outW()));
    Tensor y = Tensor.full(outShape, Float.NaN);
    Conv2d.forward(x, w, bias, c.pad, y);
    double[] xd = toDouble(x);
    double[] wd = toDouble(w);
    double[] bd = toDouble(bias);
    assertClose(
        "y", y.toArray(), reference(xd, wd, bd, c), reference(abs(xd), abs(wd), abs(bd), c));
  }

  @ParameterizedTest(name = "{0}, seed 211")
  @MethodSource("cases")
  @DisplayName("backward adds central finite differences of sum(r * conv) in double")
  void backward(Case c) {
    Tensor x = random(211, c.batch, c.cin, c.h, c.w);
    Tensor w = random(212, c.cout, c.cin, c.kh, c.kw);
    Tensor bias = c.bias ? random(213, c.cout) : null;
    Tensor r = random(214, c.batch, c.cout, c.outH(), c.outW());
    Tensor gx = random(215, x.shape().dims());
    Tensor gw = random(216, w.shape().dims());
    Tensor gb = c.bias ? random(217, c.cout) : null;
    double[] gx0 = toDouble(gx);
    double[] gw0 = toDouble(gw);
    double[] gb0 = toDouble(gb);
    Conv2d.backward(x, w, c.pad, r, gx, gw, gb);
    double[] xd = toDouble(x);
    double[] wd = toDouble(w);
    double[] bd = toDouble(bias);
    double[] rd = toDouble(r);
    double[][] mag = referenceBackward(abs(xd), abs(wd), abs(rd), c);
    assertClose(
        "dx",
        gx.toArray(),
        plus(gx0, numericGradient(xd, () -> weighted(reference(xd, wd, bd, c), rd))),
        plus(abs(gx0), mag[0]));
    assertClose(
        "dw",
        gw.toArray(),
        plus(gw0, numericGradient(wd, () -> weighted(reference(xd, wd, bd, c), rd))),
        plus(abs(gw0), mag[1]));
    if (c.bias) {
      assertClose(
          "dbias",
          gb.toArray(),
          plus(gb0, numericGradient(bd, () -> weighted(reference(xd, wd, bd, c), rd))),
          plus(abs(gb0), mag[2]));
    }
  }

  /** The adjoint loops of {@link #reference}, in double: gradients of sum(r * y). */
  static double[][] referenceBackward(double[] x, double[] w, double[] r, Case c) {
    double[] gx = new double[x.length];
    double[] gw = new double[w.length];
    double[] gb = new double[c.cout];
    for (int b = 0; b < c.batch; b++) {
      for (int o = 0; o < c.cout; o++) {
        for (int i = 0; i < c.outH(); i++) {
          for (int j = 0; j < c.outW(); j++) {
            double g = r[((b * c.cout + o) * c.outH() + i) * c.outW() + j];
            gb[o] += g;
            for (int ci = 0; ci < c.cin; ci++) {
              for (int p = 0; p < c.kh; p++) {
                for (int q = 0; q < c.kw; q++) {
                  int ih = i + p - c.pad;
                  int iw = j + q - c.pad;
                  if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) {
                    continue;
                  }
                  int xi = ((b * c.cin + ci) * c.h + ih) * c.w + iw;
                  int wi = ((o * c.cin + ci) * c.kh + p) * c.kw + q;
                  gw[wi] += g * x[xi];
                  gx[xi] += g * w[wi];
                }
              }
            }
          }
        }
      }
    }
    return new double[][] {gx, gw, gb};
  }

  static Stream<Arguments> parallelCases() {
    return Stream.of(
            new Case("48 -> 48 channels (im2col)", 4, 48, 16, 16, 48, 3, 3, 1, true),
            new Case("64 -> 8 channels (output side)", 14, 64, 16, 16, 8, 3, 3, 1, true))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}, seed 221")
  @MethodSource("parallelCases")
  @DisplayName("the batch split over 2 and 3 threads gives the 1-thread result, bit for bit")
  void parallelBatch(Case c) {
    long flops = 2L * c.cout * c.cin * c.kh * c.kw * c.outH() * c.outW();
    int perTask = (int) ((Conv2d.MIN_FLOPS_PER_TASK + flops - 1) / flops);
    int saved = Threads.count();
    try {
      Threads.setCount(2);
      assertThat(Threads.tasksFor(c.batch, perTask)).as("this case must split").isEqualTo(2);
      Tensor x = random(221, c.batch, c.cin, c.h, c.w);
      Tensor w = random(222, c.cout, c.cin, c.kh, c.kw);
      Tensor bias = random(223, c.cout);
      Tensor r = random(224, c.batch, c.cout, c.outH(), c.outW());
      Tensor[] two = run(x, w, bias, c.pad, r);
      Threads.setCount(1);
      Tensor[] one = run(x, w, bias, c.pad, r);
      Threads.setCount(3);
      Tensor[] three = run(x, w, bias, c.pad, r);
      for (int i = 0; i < 4; i++) {
        // The reductions are cut into ranges that do not depend on the thread count.
        assertThat(two[i].toArray())
            .as("2 threads = 1 thread, output %d", i)
            .isEqualTo(one[i].toArray());
        assertThat(three[i].toArray())
            .as("3 threads = 1 thread, output %d", i)
            .isEqualTo(one[i].toArray());
      }
      double[] xd = toDouble(x);
      double[] wd = toDouble(w);
      double[] bd = toDouble(bias);
      double[] rd = toDouble(r);
      double[][] expected = new double[4][];
      double[][] magnitude = new double[4][];
      expected[0] = reference(xd, wd, bd, c);
      magnitude[0] = reference(abs(xd), abs(wd), abs(bd), c);
      System.arraycopy(referenceBackward(xd, wd, rd, c), 0, expected, 1, 3);
      System.arraycopy(referenceBackward(abs(xd), abs(wd), abs(rd), c), 0, magnitude, 1, 3);
      for (int i = 0; i < 4; i++) {
        assertClose("2 threads, output " + i, two[i].toArray(), expected[i], magnitude[i]);
        assertClose("1 thread, output " + i, one[i].toArray(), expected[i], magnitude[i]);
      }
    } finally {
      Threads.setCount(saved);
    }
  }

  @Test
  @DisplayName("an empty batch runs on both lowerings and leaves the weight gradient as it was")
  void emptyBatch() {
    for (int cout : new int[] {6, 2}) {
      Tensor x = Tensor.zeros(0, 4, 3, 3);
      Tensor w = random(231, cout, 4, 3, 3);
      Tensor y = Tensor.zeros(0, cout, 3, 3);
      Conv2d.forward(x, w, null, 1, y);
      Tensor gw = random(232, cout, 4, 3, 3);
      float[] before = gw.toArray();
      Conv2d.backward(x, w, 1, Tensor.zeros(0, cout, 3, 3), Tensor.zeros(0, 4, 3, 3), gw, null);
      assertThat(gw.toArray()).containsExactly(before);
    }
  }

  private static Tensor[] run(Tensor x, Tensor w, Tensor bias, int pad, Tensor r) {
    Tensor y = Tensor.zeros(Conv2d.outputShape(x.shape(), w.shape(), pad));
    Conv2d.forward(x, w, bias, pad, y);
    Tensor gx = Tensor.zeros(x.shape());
    Tensor gw = Tensor.zeros(w.shape());
    Tensor gb = Tensor.zeros(bias.shape());
    Conv2d.backward(x, w, pad, r, gx, gw, gb);
    return new Tensor[] {y, gx, gw, gb};
  }

  @Test
  void shapeErrorsNameOpAndShapes() {
    assertThatThrownBy(() -> Conv2d.outputShape(Shape.of(2, 3, 5, 5), Shape.of(4, 2, 3, 3), 1))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "conv2d: weight [4, 2, 3, 3] does not fit input [2, 3, 5, 5]: weight.dim(1) must equal"
                + " the input channels 3");
    assertThatThrownBy(() -> Conv2d.outputShape(Shape.of(2, 3, 2, 2), Shape.of(4, 3, 3, 3), 0))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "conv2d: output must be at least 1x1, but input [2, 3, 2, 2] with weight [4, 3, 3, 3]"
                + " and padding 0 gives 0x0");
    assertThatThrownBy(
            () ->
                Conv2d.forward(
                    Tensor.zeros(2, 3, 5, 5),
                    Tensor.zeros(4, 3, 3, 3),
                    Tensor.zeros(3),
                    1,
                    Tensor.zeros(2, 4, 5, 5)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "conv2d: bias must have shape [4] for input [2, 3, 5, 5] and weight [4, 3, 3, 3], but"
                + " was [3]");
    assertThatThrownBy(() -> Conv2d.outputShape(Shape.of(2, 3, 5, 5), Shape.of(4, 3, 3, 3), -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("conv2d: padding must be >= 0, but was -1");
  }
}
