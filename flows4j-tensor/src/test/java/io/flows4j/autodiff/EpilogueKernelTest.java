package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.tensor.kernels.Activation;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Both dense-layer pass implementations against double references, tails included. */
class EpilogueKernelTest {
  private static final int ROWS = 5;

  /** Relative tolerance of the kernels' float results (vector transcendentals are within ulps). */
  private static final double TOL = 2e-6;

  static Stream<Arguments> cases() {
    Stream.Builder<Arguments> s = Stream.builder();
    for (EpilogueKernel k : new EpilogueKernel[] {new ScalarEpilogue(), new VectorEpilogue()}) {
      for (Activation act : Activation.values()) {
        for (int cols : new int[] {3, 16, 37}) {
          s.add(Arguments.of(k, act, cols));
        }
      }
    }
    return s.build();
  }

  private static double derivative(Activation act, double x) {
    double h = 1e-6;
    return (Reference.activation(act, x + h) - Reference.activation(act, x - h)) / (2 * h);
  }

  private static void close(float actual, double expected, String what) {
    assertThat((double) actual)
        .as(what)
        .isCloseTo(expected, org.assertj.core.data.Offset.offset(TOL * (1 + Math.abs(expected))));
  }

  @ParameterizedTest(name = "{0} {1} cols={2} seed=501")
  @MethodSource("cases")
  void matchesReferences(EpilogueKernel kernel, Activation act, int cols) {
    SplittableRandom r = new SplittableRandom(501);
    int n = ROWS * cols;
    float[] src = new float[n + 3];
    float[] bias = new float[cols + 1];
    for (int i = 0; i < src.length; i++) {
      // Magnitudes from 0.01 to 30, both signs: tails and the linear region of every activation.
      double m = Math.exp(r.nextDouble(Math.log(0.01), Math.log(30)));
      src[i] = (float) (r.nextBoolean() ? m : -m);
    }
    for (int j = 0; j < bias.length; j++) {
      bias[j] = (float) r.nextDouble(-0.5, 0.5);
    }
    float[] dst = new float[n + 2];
    float[] save = new float[n + 1];
    kernel.forwardRows(src, 3, bias, 1, dst, 2, save, 1, 0, ROWS, cols, act);
    float[] dy = new float[n];
    float[] dz = new float[n];
    float[] dBias = new float[cols];
    for (int i = 0; i < n; i++) {
      dy[i] = (float) r.nextDouble(-1, 1);
    }
    kernel.backwardRows(dy, 0, dst, 2, save, 1, dz, 0, false, dBias, 0, 0, ROWS, cols, act);
    float[] acc = dz.clone();
    kernel.backwardRows(dy, 0, dst, 2, save, 1, acc, 0, true, null, 0, 0, ROWS, cols, act);
    double[] biasSums = new double[cols];
    for (int i = 0; i < ROWS; i++) {
      for (int j = 0; j < cols; j++) {
        int k = i * cols + j;
        double x = (double) src[3 + k] + bias[1 + j];
        close(save[1 + k], x, "pre-activation " + k);
        close(dst[2 + k], Reference.activation(act, save[1 + k]), "activation " + k);
        double g = dy[k] * derivative(act, save[1 + k]);
        assertThat((double) dz[k])
            .as("gradient %d at x=%s", k, save[1 + k])
            .isCloseTo(g, org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(g))));
        close(acc[k], 2.0 * dz[k], "accumulated gradient " + k);
        biasSums[j] += dz[k];
      }
    }
    for (int j = 0; j < cols; j++) {
      close(dBias[j], biasSums[j], "bias gradient " + j);
    }
    float[] sums = new float[cols];
    kernel.columnSums(dz, 0, ROWS, cols, sums, 0);
    for (int j = 0; j < cols; j++) {
      close(sums[j], biasSums[j], "column sum " + j);
    }
  }
}
