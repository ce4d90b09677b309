package io.flows4j.bijectors;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import java.util.Locale;

/**
 * Fused elementwise bijections with their log-determinants: one pass computes {@code y = f(x)} and
 * {@code log|det| = sum_i log f'(x_i)} per row; one pass adds {@code dx = dy f'(x) + dl (log
 * f')'(x)}. The forms are chosen to be stable at both tails (no {@code log(1 + exp(x))} or {@code
 * log(1 - tanh^2)} written naively), and the derivatives in the backward pass are algebraic in the
 * saved input or output (no transcendental function).
 *
 * <p>Each map checks its domain and throws {@link InputOutsideDomainException} for an input outside
 * it (including NaN); maps whose domain is all reals let NaN through.
 */
final class ElementwiseMaps {
  /** Elements per task below which a loop stays on the calling thread. */
  private static final int GRAIN = 1 << 14;

  private static final double LOG_4 = Math.log(4);

  private ElementwiseMaps() {}

  /** A monotone elementwise bijection, evaluated a row at a time. */
  abstract static class ElementwiseMap {
    final String op;

    ElementwiseMap(String op) {
      this.op = op;
    }

    /**
     * {@code y = f(x)} for the {@code n} elements of row {@code row}, returning {@code sum log
     * f'(x)} in double.
     *
     * @throws InputOutsideDomainException for an element outside the domain
     */
    abstract double row(float[] x, int xo, float[] y, int yo, int n, int row);

    /** {@code dx += dy f'(x) + dl (log f')'(x)} for one row; {@code dy} may be {@code null}. */
    abstract void rowBackward(
        float[] x,
        int xo,
        float[] y,
        int yo,
        float[] dy,
        int dyo,
        float dl,
        float[] dx,
        int dxo,
        int n);
  }

  /**
   * Applies a map to every element of {@code x} as one op.
   *
   * @param x of shape {@code [batch, ...]}
   * @return the values, of the shape of {@code x}, and the log-determinant per row
   */
  static Transformed apply(Var x, ElementwiseMap map) {
    Tensor xv = x.value();
    int rows = x.shape().batch();
    int cols = x.shape().rowSize();
    Tensor y = Tape.newValue(x.shape());
    Tensor ld = Tape.newValue(Shape.of(rows));
    float[] xd = xv.data();
    int xo = xv.offset();
    float[] yd = y.data();
    int yo = y.offset();
    int grain = Math.max(1, GRAIN / Math.max(1, cols));
    Threads.parallelRange(
        rows,
        grain,
        (from, to) -> {
          for (int b = from; b < to; b++) {
            int off = b * cols;
            ld.setFlat(b, (float) map.row(xd, xo + off, yd, yo + off, cols, b));
          }
        });
    return FusedResult.of(
        y,
        ld,
        (dy, dl) -> {
          if (!x.requiresGrad()) {
            return;
          }
          Tensor dx = x.grad();
          float[] dxd = dx.data();
          int dxo = dx.offset();
          float[] dyd = dy == null ? null : dy.data();
          int dyo = dy == null ? 0 : dy.offset();
          Threads.parallelRange(
              rows,
              grain,
              (from, to) -> {
                for (int b = from; b < to; b++) {
                  int off = b * cols;
                  float dlb = dl == null ? 0f : dl.getFlat(b);
                  map.rowBackward(
                      xd, xo + off, yd, yo + off, dyd, dyo + off, dlb, dxd, dxo + off, cols);
                }
              });
        },
        x);
  }

  /**
   * {@code y = (sigmoid(x) - alpha) / (1 - 2 alpha)} on all reals, with {@code log f'(x) =
   * -softplus(x) - softplus(-x) - log(1 - 2 alpha) = -|x| - 2 log1p(exp(-|x|)) - log(1 - 2 alpha)};
   * the inverse of {@link LogitMap}.
   */
  static final class SigmoidMap extends ElementwiseMap {
    private final double alpha;
    private final double width;
    private final double logWidth;

    SigmoidMap(String op, double alpha) {
      super(op);
      this.alpha = alpha;
      this.width = 1 - 2 * alpha;
      this.logWidth = Math.log(width);
    }

    @Override
    double row(float[] x, int xo, float[] y, int yo, int n, int row) {
      double sum = -n * logWidth;
      for (int i = 0; i < n; i++) {
        double v = x[xo + i];
        double a = Math.abs(v);
        double e = Math.exp(-a);
        double s = v >= 0 ? 1 / (1 + e) : e / (1 + e);
        y[yo + i] = (float) ((s - alpha) / width);
        sum -= a + 2 * Math.log1p(e);
      }
      return sum;
    }

    @Override
    void rowBackward(
        float[] x,
        int xo,
        float[] y,
        int yo,
        float[] dy,
        int dyo,
        float dl,
        float[] dx,
        int dxo,
        int n) {
      for (int i = 0; i < n; i++) {
        double s = alpha + width * y[yo + i];
        double g = dl * (1 - 2 * s);
        if (dy != null) {
          g += dy[dyo + i] * s * (1 - s) / width;
        }
        dx[dxo + i] += (float) g;
      }
    }
  }

  /**
   * {@code y = logit(s) = log(s) - log(1 - s)} with {@code s = alpha + (1 - 2 alpha) x}, on {@code
   * s in (0, 1)}, with {@code log f'(x) = log(1 - 2 alpha) - log(s) - log(1 - s)}.
   */
  static final class LogitMap extends ElementwiseMap {
    private final double alpha;
    private final double width;
    private final double logWidth;
    private final String domain;

    LogitMap(String op, double alpha) {
      super(op);
      this.alpha = alpha;
      this.width = 1 - 2 * alpha;
      this.logWidth = Math.log(width);
      this.domain =
          alpha == 0
              ? "(0, 1)"
              : String.format(
                  Locale.ROOT,
                  "(%s, %s) (where alpha + (1 - 2 alpha) x is in (0, 1), alpha = %s)",
                  -alpha / width,
                  (1 - alpha) / width,
                  alpha);
    }

    @Override
    double row(float[] x, int xo, float[] y, int yo, int n, int row) {
      double sum = n * logWidth;
      for (int i = 0; i < n; i++) {
        double s = alpha + width * x[xo + i];
        if (!(s > 0 && s < 1)) {
          throw InputOutsideDomainException.of(op, domain, x[xo + i], row, i);
        }
        double logS = Math.log(s);
        double log1mS = Math.log1p(-s);
        y[yo + i] = (float) (logS - log1mS);
        sum -= logS + log1mS;
      }
      return sum;
    }

    @Override
    void rowBackward(
        float[] x,
        int xo,
        float[] y,
        int yo,
        float[] dy,
        int dyo,
        float dl,
        float[] dx,
        int dxo,
        int n) {
      for (int i = 0; i < n; i++) {
        double s = alpha + width * x[xo + i];
        double inv = width / (s * (1 - s));
        double g = dl * inv * (2 * s - 1);
        if (dy != null) {
          g += dy[dyo + i] * inv;
        }
        dx[dxo + i] += (float) g;
      }
    }
  }

  /**
   * {@code y = tanh(x)} on all reals, with {@code log f'(x) = log(1 - tanh(x)^2) = 2 (log 2 - |x| -
   * softplus(-2 |x|))}.
   */
  static final class TanhMap extends ElementwiseMap {
    TanhMap(String op) {
      super(op);
    }

    @Override
    double row(float[] x, int xo, float[] y, int yo, int n, int row) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        double v = x[xo + i];
        double a = Math.abs(v);
        double e = Math.exp(-2 * a);
        // tanh(a) = (1 - e) / (1 + e) with e = exp(-2a) <= 1: no overflow, exact sign.
        y[yo + i] = (float) Math.copySign((1 - e) / (1 + e), v);
        sum += LOG_4 - 2 * a - 2 * Math.log1p(e);
      }
      return sum;
    }

    @Override
    void rowBackward(
        float[] x,
        int xo,
        float[] y,
        int yo,
        float[] dy,
        int dyo,
        float dl,
        float[] dx,
        int dxo,
        int n) {
      for (int i = 0; i < n; i++) {
        double t = y[yo + i];
        double g = -2 * dl * t;
        if (dy != null) {
          g += dy[dyo + i] * (1 - t) * (1 + t);
        }
        dx[dxo + i] += (float) g;
      }
    }
  }

  /**
   * {@code y = atanh(x) = (log1p(x) - log1p(-x)) / 2} on {@code (-1, 1)}, with {@code log f'(x) =
   * -log(1 - x^2) = -log1p(x) - log1p(-x)}.
   */
  static final class AtanhMap extends ElementwiseMap {
    AtanhMap(String op) {
      super(op);
    }

    @Override
    double row(float[] x, int xo, float[] y, int yo, int n, int row) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        double v = x[xo + i];
        if (!(v > -1 && v < 1)) {
          throw InputOutsideDomainException.of(op, "(-1, 1)", x[xo + i], row, i);
        }
        double lp = Math.log1p(v);
        double lm = Math.log1p(-v);
        y[yo + i] = (float) (0.5 * (lp - lm));
        sum -= lp + lm;
      }
      return sum;
    }

    @Override
    void rowBackward(
        float[] x,
        int xo,
        float[] y,
        int yo,
        float[] dy,
        int dyo,
        float dl,
        float[] dx,
        int dxo,
        int n) {
      for (int i = 0; i < n; i++) {
        double v = x[xo + i];
        double inv = 1 / ((1 - v) * (1 + v));
        double g = 2 * dl * v * inv;
        if (dy != null) {
          g += dy[dyo + i] * inv;
        }
        dx[dxo + i] += (float) g;
      }
    }
  }
}
