package io.flows4j.autodiff;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/** Fused log-densities and losses for maximum-likelihood training of flows. */
public final class Losses {
  /** {@code 0.5 log(2 pi)}, the per-dimension constant of a Gaussian log-density. */
  public static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

  private Losses() {}

  /**
   * Log-density of the standard normal base, one value per batch row: {@code log N(z; 0, I) = -0.5
   * sum_j z_j^2 - (D/2) log(2 pi)}, with {@code D} the elements of one row; backward {@code dz = -z
   * dy}.
   *
   * @param z of shape {@code [batch, ...]} (a rank-1 {@code z} is read as {@code [batch]}, one
   *     feature per row)
   * @return of shape {@code [batch]}
   */
  public static Var standardNormalLogProb(Var z) {
    Tensor zv = z.value();
    int rows = z.shape().batch();
    int cols = z.shape().rowSize();
    float[] d = zv.data();
    int o = zv.offset();
    double constant = cols * HALF_LOG_TWO_PI;
    Tensor y = Tape.newValue(Shape.of(rows));
    for (int i = 0; i < rows; i++) {
      double s = 0;
      int r = o + i * cols;
      for (int j = 0; j < cols; j++) {
        double v = d[r + j];
        s += v * v;
      }
      y.setFlat(i, (float) (-0.5 * s - constant));
    }
    return Tape.result(
        y,
        out -> {
          if (z.requiresGrad()) {
            Tensor dy = out.grad();
            Tensor dz = z.grad();
            float[] g = dz.data();
            int go = dz.offset();
            for (int i = 0; i < rows; i++) {
              float gi = dy.getFlat(i);
              int r = i * cols;
              for (int j = 0; j < cols; j++) {
                g[go + r + j] -= gi * d[o + r + j];
              }
            }
          }
        },
        z);
  }

  /**
   * Log-density of a diagonal normal, one value per batch row: {@code sum_j [-0.5 u_j^2 - logStd_j
   * - 0.5 log(2 pi)]} with {@code u = (x - mean) exp(-logStd)}; backward {@code dx = -dy u
   * exp(-logStd)}, {@code dmean = -dx}, {@code dlogStd = dy (u^2 - 1)}. This is the base of a
   * conditional flow ({@code N(mu(c), sigma(c))}) or a learned per-level prior.
   *
   * @param x of shape {@code [batch, ...]}
   * @param mean of the shape of {@code x}, or of one row of it ({@code [D]} or {@code [1, D]})
   * @param logStd like {@code mean}
   * @return of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code mean} or {@code logStd} is neither
   *     of {@code x}'s shape nor one row of it
   */
  public static Var normalLogProb(Var x, Var mean, Var logStd) {
    Broadcast bm = Broadcast.of("normalLogProb", x.shape(), mean.shape());
    Broadcast bs = Broadcast.of("normalLogProb", x.shape(), logStd.shape());
    Checks.requireShape(
        fits(bm, x.shape()) && fits(bs, x.shape()),
        "normalLogProb: mean and logStd must have the shape of x %s or of one row of it, but were"
            + " %s and %s",
        x.shape(),
        mean.shape(),
        logStd.shape());
    int rows = x.shape().batch();
    int cols = x.shape().rowSize();
    Tensor xv = x.value();
    Tensor mv = mean.value();
    Tensor sv = logStd.value();
    float[] xd = xv.data();
    float[] md = mv.data();
    float[] sd = sv.data();
    int xo = xv.offset();
    int mo = mv.offset();
    int so = sv.offset();
    // A parameter of x's shape steps by a row per batch row; a shared row does not step.
    int mrs = bm.b == Broadcast.Kind.SAME ? cols : 0;
    int srs = bs.b == Broadcast.Kind.SAME ? cols : 0;
    double constant = cols * HALF_LOG_TWO_PI;
    Tensor y = Tape.newValue(Shape.of(rows));
    for (int i = 0; i < rows; i++) {
      double s = 0;
      for (int j = 0; j < cols; j++) {
        double ls = sd[so + i * srs + j];
        double u = (xd[xo + i * cols + j] - md[mo + i * mrs + j]) * Math.exp(-ls);
        s += 0.5 * u * u + ls;
      }
      y.setFlat(i, (float) (-s - constant));
    }
    return Tape.result(
        y,
        out -> {
          Tensor dy = out.grad();
          Tensor gx = x.requiresGrad() ? x.grad() : null;
          Tensor gm = mean.requiresGrad() ? mean.grad() : null;
          Tensor gs = logStd.requiresGrad() ? logStd.grad() : null;
          for (int i = 0; i < rows; i++) {
            float gi = dy.getFlat(i);
            for (int j = 0; j < cols; j++) {
              float inv = (float) Math.exp(-sd[so + i * srs + j]);
              float u = (xd[xo + i * cols + j] - md[mo + i * mrs + j]) * inv;
              float dxv = -gi * u * inv;
              if (gx != null) {
                gx.data()[gx.offset() + i * cols + j] += dxv;
              }
              if (gm != null) {
                gm.data()[gm.offset() + i * mrs + j] -= dxv;
              }
              if (gs != null) {
                gs.data()[gs.offset() + i * srs + j] += gi * (u * u - 1f);
              }
            }
          }
        },
        x,
        mean,
        logStd);
  }

  /** Whether the second operand has the shape of {@code x} or of one row of it. */
  private static boolean fits(Broadcast b, Shape x) {
    return b.a == Broadcast.Kind.SAME
        && (b.b == Broadcast.Kind.SAME
            || b.b == Broadcast.Kind.ROW
            || (b.b == Broadcast.Kind.SCALAR && x.rowSize() == 1));
  }

  /**
   * The negative mean, {@code -(1/B) sum_b x_b}: the loss of maximum likelihood from per-row
   * log-densities.
   *
   * @param x of shape {@code [batch]}
   * @return of shape {@code [1]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not of rank 1
   * @throws IllegalArgumentException if the batch is empty
   */
  public static Var meanNegative(Var x) {
    Checks.requireShape(
        x.shape().rank() == 1, "meanNegative: x must have shape [batch], but was %s", x.shape());
    Checks.requireArgument(
        x.shape().dim(0) > 0, "meanNegative: batch must be > 0, but x is %s", x.shape());
    int n = x.shape().dim(0);
    Tensor xv = x.value();
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += xv.getFlat(i);
    }
    Tensor y = Tape.newValue(Shape.of(1));
    y.setFlat(0, (float) (-s / n));
    return Tape.result(
        y,
        out -> {
          if (x.requiresGrad()) {
            float g = -out.grad().getFlat(0) / n;
            Tensor dx = x.grad();
            for (int i = 0; i < n; i++) {
              dx.data()[dx.offset() + i] += g;
            }
          }
        },
        x);
  }
}
