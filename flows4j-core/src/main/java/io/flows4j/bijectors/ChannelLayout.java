package io.flows4j.bijectors;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * How a per-channel layer sees its input: {@code [batch, channels]} for vectors, {@code [batch,
 * channels, T]} for sequences and {@code [batch, channels, H, W]} for images, each channel repeated
 * at {@code positions} places per row (1, {@code T} or {@code H * W}). Element {@code (b, c, p)} is
 * at flat index {@code (b * channels + c) * positions + p}: a row is {@code channels} contiguous
 * runs of {@code positions} values.
 *
 * @param batch rows
 * @param channels features or channels, the second dimension
 * @param positions elements per channel per row, the product of the dimensions after the second
 */
record ChannelLayout(int batch, int channels, int positions) {

  /**
   * The layout of {@code shape} for a layer with {@code channels} channels.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code shape} is not {@code [batch,
   *     channels, ...]}
   */
  static ChannelLayout of(String op, Shape shape, int channels) {
    Checks.requireShape(
        shape.rank() >= 2 && shape.dim(1) == channels,
        "%s: input must have shape [batch, %d] or [batch, %d, ...], but was %s",
        op,
        channels,
        channels,
        shape);
    return new ChannelLayout(shape.dim(0), channels, shape.rowSize() / channels);
  }

  /** Values per channel in the whole batch, {@code batch * positions}. */
  int perChannel() {
    return batch * positions;
  }

  /**
   * The per-channel mean and biased variance over batch and positions, two passes in double: {@code
   * [0][c]} the means, {@code [1][c]} the variances.
   */
  double[][] meanVariance(Tensor x) {
    int c0 = channels;
    float[] d = x.data();
    int o = x.offset();
    double[] mean = new double[c0];
    double[] var = new double[c0];
    for (int run = 0; run < batch * c0; run++) {
      int base = o + run * positions;
      double s = 0;
      for (int p = 0; p < positions; p++) {
        s += d[base + p];
      }
      mean[run % c0] += s;
    }
    double n = perChannel();
    for (int c = 0; c < c0; c++) {
      mean[c] /= n;
    }
    // Two passes: the sum of squared deviations does not cancel as E[x^2] - E[x]^2 would.
    for (int run = 0; run < batch * c0; run++) {
      int base = o + run * positions;
      double m = mean[run % c0];
      double s = 0;
      for (int p = 0; p < positions; p++) {
        double dev = d[base + p] - m;
        s += dev * dev;
      }
      var[run % c0] += s;
    }
    for (int c = 0; c < c0; c++) {
      var[c] /= n;
    }
    return new double[][] {mean, var};
  }
}
