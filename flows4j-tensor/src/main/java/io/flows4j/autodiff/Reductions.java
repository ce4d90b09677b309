package io.flows4j.autodiff;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Sums, means and log-sum-exps over whole tensors, batch rows or the last axis. Every sum is taken
 * in double and rounded once, so long reductions keep float32 accuracy.
 */
public final class Reductions {
  private Reductions() {}

  /** Sum of every element, {@code sum_i x_i}, as a one-element tensor of shape {@code [1]}. */
  public static Var sum(Var x) {
    return total(x, 1.0);
  }

  /**
   * Mean of every element, as shape {@code [1]}.
   *
   * @throws IllegalArgumentException if {@code x} has no elements
   */
  public static Var mean(Var x) {
    int n = x.value().size();
    Checks.requireArgument(n > 0, "mean: x must have elements, but has shape %s", x.shape());
    return total(x, 1.0 / n);
  }

  private static Var total(Var x, double scale) {
    Tensor xv = x.value();
    float[] d = xv.data();
    int o = xv.offset();
    int n = xv.size();
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += d[o + i];
    }
    Tensor y = Tape.newValue(Shape.of(1));
    y.setFlat(0, (float) (s * scale));
    float c = (float) scale;
    return Tape.result(
        y,
        out -> {
          if (x.requiresGrad()) {
            float g = c * out.grad().getFlat(0);
            Tensor dx = x.grad();
            float[] gd = dx.data();
            int go = dx.offset();
            for (int i = 0; i < n; i++) {
              gd[go + i] += g;
            }
          }
        },
        x);
  }

  /**
   * Sum over every dimension but the batch, {@code y_b = sum_j x_{b,j}}: the shape of per-row
   * log-determinants and log-densities.
   *
   * @param x of shape {@code [batch, ...]}
   * @return of shape {@code [batch]}
   */
  public static Var sumRows(Var x) {
    Tensor xv = x.value();
    int rows = x.shape().batch();
    int cols = x.shape().rowSize();
    float[] d = xv.data();
    int o = xv.offset();
    Tensor y = Tape.newValue(Shape.of(rows));
    for (int i = 0; i < rows; i++) {
      double s = 0;
      int r = o + i * cols;
      for (int j = 0; j < cols; j++) {
        s += d[r + j];
      }
      y.setFlat(i, (float) s);
    }
    return Tape.result(
        y,
        out -> {
          if (x.requiresGrad()) {
            Tensor dy = out.grad();
            Tensor dx = x.grad();
            float[] g = dx.data();
            int go = dx.offset();
            for (int i = 0; i < rows; i++) {
              float v = dy.getFlat(i);
              int r = go + i * cols;
              for (int j = 0; j < cols; j++) {
                g[r + j] += v;
              }
            }
          }
        },
        x);
  }

  /**
   * Sum over the batch, {@code y_j = sum_b x_{b,j}}.
   *
   * @param x of shape {@code [batch, ...]}
   * @return of the shape of one batch row ({@code [1]} when {@code x} is of rank 1)
   */
  public static Var sumOverBatch(Var x) {
    return overBatch(x, 1.0);
  }

  /**
   * Mean over the batch, {@code y_j = (1/B) sum_b x_{b,j}}.
   *
   * @param x of shape {@code [batch, ...]}
   * @return of the shape of one batch row ({@code [1]} when {@code x} is of rank 1)
   * @throws IllegalArgumentException if the batch is empty
   */
  public static Var meanOverBatch(Var x) {
    int b = x.shape().batch();
    Checks.requireArgument(b > 0, "meanOverBatch: batch must be > 0, but x is %s", x.shape());
    return overBatch(x, 1.0 / b);
  }

  private static Var overBatch(Var x, double scale) {
    Shape s = x.shape();
    int rows = s.batch();
    int cols = s.rowSize();
    Shape rowShape =
        s.rank() == 1 ? Shape.of(1) : Shape.of(Arrays.copyOfRange(s.dims(), 1, s.rank()));
    Tensor xv = x.value();
    float[] d = xv.data();
    int o = xv.offset();
    double[] acc = new double[cols];
    for (int i = 0; i < rows; i++) {
      int r = o + i * cols;
      for (int j = 0; j < cols; j++) {
        acc[j] += d[r + j];
      }
    }
    Tensor y = Tape.newValue(rowShape);
    for (int j = 0; j < cols; j++) {
      y.setFlat(j, (float) (acc[j] * scale));
    }
    float c = (float) scale;
    return Tape.result(
        y,
        out -> {
          if (x.requiresGrad()) {
            Tensor dy = out.grad();
            float[] gy = dy.data();
            int gyo = dy.offset();
            Tensor dx = x.grad();
            float[] g = dx.data();
            int go = dx.offset();
            for (int i = 0; i < rows; i++) {
              int r = go + i * cols;
              for (int j = 0; j < cols; j++) {
                g[r + j] += c * gy[gyo + j];
              }
            }
          }
        },
        x);
  }

  /**
   * {@code log(sum_k exp(x_k))} along the last axis, computed as {@code m + log(sum_k exp(x_k -
   * m))} with {@code m = max_k x_k}, so it neither overflows nor loses the largest term; backward
   * {@code dx_k = dy softmax(x)_k = dy exp(x_k - y)}.
   *
   * @param x of shape {@code [..., K]}, {@code K >= 1}
   * @return of the shape of {@code x} without its last axis ({@code [1]} when {@code x} is of rank
   *     1)
   * @throws IllegalArgumentException if the last axis is empty
   */
  public static Var logSumExp(Var x) {
    Shape s = x.shape();
    int k = s.dim(-1);
    Checks.requireArgument(k > 0, "logSumExp: last axis must be non-empty, but x is %s", s);
    Shape outShape = s.rank() == 1 ? Shape.of(1) : Shape.of(Arrays.copyOf(s.dims(), s.rank() - 1));
    int rows = s.size() / k;
    Tensor xv = x.value();
    float[] d = xv.data();
    int o = xv.offset();
    Tensor y = Tape.newValue(outShape);
    float[] yd = y.data();
    int yo = y.offset();
    for (int i = 0; i < rows; i++) {
      int r = o + i * k;
      float m = Float.NEGATIVE_INFINITY;
      for (int j = 0; j < k; j++) {
        m = Math.max(m, d[r + j]);
      }
      if (m == Float.NEGATIVE_INFINITY || m == Float.POSITIVE_INFINITY) {
        yd[yo + i] = m;
        continue;
      }
      double sum = 0;
      for (int j = 0; j < k; j++) {
        sum += Math.exp(d[r + j] - m);
      }
      yd[yo + i] = (float) (m + Math.log(sum));
    }
    return Tape.result(
        y,
        out -> {
          if (x.requiresGrad()) {
            Tensor dy = out.grad();
            Tensor dx = x.grad();
            float[] g = dx.data();
            int go = dx.offset();
            for (int i = 0; i < rows; i++) {
              // Softmax from the row's max and sum in double: the float y has lost too many
              // digits when |y| is large (1000 + log 2 is stored to about 6e-5).
              int r = o + i * k;
              int gr = go + i * k;
              float m = Float.NEGATIVE_INFINITY;
              for (int j = 0; j < k; j++) {
                m = Math.max(m, d[r + j]);
              }
              if (m == Float.NEGATIVE_INFINITY) {
                continue;
              }
              double sum = 0;
              for (int j = 0; j < k; j++) {
                sum += Math.exp(d[r + j] - m);
              }
              double gi = dy.getFlat(i) / sum;
              for (int j = 0; j < k; j++) {
                g[gr + j] += (float) (gi * Math.exp(d[r + j] - m));
              }
            }
          }
        },
        x);
  }
}
