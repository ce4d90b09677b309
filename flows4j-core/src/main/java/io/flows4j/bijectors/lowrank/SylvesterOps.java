package io.flows4j.bijectors.lowrank;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.FusedOp;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The fused ops of a Sylvester layer (van den Berg, Hasenclever, Tomczak and Welling 2018), {@code
 * g(x) = x + Q R h(R~ Q^T x + b)} with {@code h = tanh}, in both directions, with hand-written
 * backward rules; double inside, float in storage.
 *
 * <p>{@code R} and {@code R~} are {@code M x M} upper triangular, given as packed strictly upper
 * entries (row by row, as {@link FrameOps#upperIndex}) and raw diagonals: {@code r_ii =
 * tanh(rho_i)}, {@code r~_ii = (1 - delta) tanh(rho~_i)}, so {@code |r_ii r~_ii| <= 1 - delta} and
 * every factor {@code 1 + r_ii r~_ii h'(z_i) >= delta} ({@code delta =} {@link
 * LowRankMath#MIN_SLOPE}): the paper's tanh-diagonal constraint with a margin.
 *
 * <p><b>Numerical direction.</b> In the coordinates {@code v = Q^T x} the map is {@code v + R h(R~
 * v + b) = Q^T y}, while the part of {@code x} orthogonal to the columns of {@code Q} passes
 * through unchanged ({@code x = y + Q (v - Q^T y)}). Row {@code i} of that system involves only
 * {@code v_i, ..., v_{M-1}} ({@code R}, {@code R~} upper triangular), so it is solved from the last
 * coordinate to the first, each a strictly increasing scalar equation {@code v_i + r_ii tanh(r~_ii
 * v_i + c_i) = t_i} ({@code c_i = b_i + sum_{k>i} R~_ik v_k}, {@code t_i = (Q^T y)_i - sum_{j>i}
 * R_ij tanh(z_j)}), by {@link LowRankMath#solveTanh}.
 *
 * <p><b>Gradients of the numerical direction</b> by implicit differentiation: {@code J = Q K Q^T +
 * (I - Q Q^T)} with {@code K = I + R H' R~} upper triangular, so {@code J^-T xb = xb + Q (K^-T p -
 * p)}, {@code p = Q^T xb}, one forward substitution per row; then as for planar.
 */
final class SylvesterOps {
  private SylvesterOps() {}

  /** Per-call matrices in double. */
  private static final class Params {
    final int d;
    final int m;
    final double[][] q;
    final double[][] r;
    final double[][] t;
    final double[] b;
    final double[] onePlusM;

    Params(Tensor qv, Tensor ru, Tensor rd, Tensor tu, Tensor td, Tensor bv) {
      d = qv.shape().dim(0);
      m = qv.shape().dim(1);
      q = new double[d][m];
      for (int i = 0; i < d; i++) {
        for (int c = 0; c < m; c++) {
          q[i][c] = qv.getFlat(i * m + c);
        }
      }
      r = new double[m][m];
      t = new double[m][m];
      b = new double[m];
      onePlusM = new double[m];
      for (int i = 0; i < m; i++) {
        r[i][i] = Math.tanh(rd.getFlat(i));
        t[i][i] = (1 - LowRankMath.MIN_SLOPE) * Math.tanh(td.getFlat(i));
        for (int j = i + 1; j < m; j++) {
          r[i][j] = ru.getFlat(FrameOps.upperIndex(m, i, j));
          t[i][j] = tu.getFlat(FrameOps.upperIndex(m, i, j));
        }
        b[i] = bv.getFlat(i);
        onePlusM[i] = 1 + r[i][i] * t[i][i];
      }
    }
  }

  /** Per-row work arrays, allocated once per call. */
  private static final class Work {
    final double[] v;
    final double[] z;
    final double[] hz;
    final double[] hp;
    final double[] s;
    final double[] a;
    final double[] bm;
    final double[] cm;

    Work(int m) {
      v = new double[m];
      z = new double[m];
      hz = new double[m];
      hp = new double[m];
      s = new double[m];
      a = new double[m];
      bm = new double[m];
      cm = new double[m];
    }
  }

  /** Gradient accumulators. */
  private static final class Grads {
    final double[][] q;
    final double[][] r;
    final double[][] t;
    final double[] b;

    Grads(int d, int m) {
      q = new double[d][m];
      r = new double[m][m];
      t = new double[m][m];
      b = new double[m];
    }
  }

  /** {@code v = Q^T x}, {@code z = R~ v + b}, {@code h(z)}, {@code h'(z)} for one row. */
  private static void encode(Params p, float[] xs, int off, Work w) {
    for (int c = 0; c < p.m; c++) {
      double s = 0;
      for (int i = 0; i < p.d; i++) {
        s += p.q[i][c] * xs[off + i];
      }
      w.v[c] = s;
    }
    for (int i = 0; i < p.m; i++) {
      double s = p.b[i];
      for (int k = i; k < p.m; k++) {
        s += p.t[i][k] * w.v[k];
      }
      w.z[i] = s;
      w.hz[i] = Math.tanh(s);
      w.hp[i] = 1 - w.hz[i] * w.hz[i];
    }
  }

  /** {@code 1 + m_i h'(z_i) = tanh^2 + h' (1 + m_i)}, without cancellation. */
  private static double det(Params p, Work w, int i) {
    return w.hz[i] * w.hz[i] + w.hp[i] * p.onePlusM[i];
  }

  /**
   * The closed form {@code y = x + Q R tanh(R~ Q^T x + b)}, {@code log|det| = sum_i log(1 + r_ii
   * r~_ii h'(z_i))}.
   *
   * @param x of shape {@code [batch, D]}
   * @param q the frame, of shape {@code [D, M]}
   * @param rUpper packed strictly upper {@code R}, {@code [M (M - 1) / 2]}
   * @param rDiag raw diagonal of {@code R}, {@code [M]}
   * @param tUpper packed strictly upper {@code R~}, {@code [M (M - 1) / 2]}
   * @param tDiag raw diagonal of {@code R~}, {@code [M]}
   * @param b of shape {@code [M]}
   * @return {@code y} of shape {@code [batch, D]} and log-determinants of shape {@code [batch]}
   */
  static Transformed closed(
      String op, Var x, Var q, Var rUpper, Var rDiag, Var tUpper, Var tDiag, Var b) {
    checkShapes(op, x, q, rUpper, rDiag, tUpper, tDiag, b);
    Params p = params(q, rUpper, rDiag, tUpper, tDiag, b);
    int rows = x.shape().dim(0);
    int d = p.d;
    int m = p.m;
    Tensor y = Tape.newValue(x.shape());
    Tensor ld = Tape.newValue(Shape.of(rows));
    float[] xs = x.value().data();
    int xo = x.value().offset();
    Work w = new Work(m);
    for (int row = 0; row < rows; row++) {
      int off = row * d;
      encode(p, xs, xo + off, w);
      double l = 0;
      for (int i = 0; i < m; i++) {
        double s = 0;
        for (int j = i; j < m; j++) {
          s += p.r[i][j] * w.hz[j];
        }
        w.s[i] = s;
        l += Math.log(det(p, w, i));
      }
      for (int i = 0; i < d; i++) {
        double s = xs[xo + off + i];
        for (int c = 0; c < m; c++) {
          s += p.q[i][c] * w.s[c];
        }
        y.setFlat(off + i, (float) s);
      }
      ld.setFlat(row, (float) l);
    }
    if (!OpSupport.records(x, q, rUpper, rDiag, tUpper, tDiag, b)) {
      return new Transformed(Var.constant(y), Var.constant(ld));
    }
    return FusedOp.transformed(
        y,
        ld,
        (gy, gl) -> {
          Grads g = new Grads(d, m);
          Work wk = new Work(m);
          OpSupport.backwardRows(
              x,
              gy,
              gl,
              rows,
              d,
              (off, gyRow, s, gxRow) -> closedBackwardRow(p, xs, xo + off, gyRow, s, g, gxRow, wk));
          finish(p, g, q, rUpper, rDiag, tUpper, tDiag, b);
        },
        x,
        q,
        rUpper,
        rDiag,
        tUpper,
        tDiag,
        b);
  }

  /**
   * The numerical inverse of {@link #closed} (see the class comment), with {@code log|det dx/dy| =
   * -sum_i log(1 + r_ii r~_ii h'(z_i))} at the solution.
   *
   * @param y of shape {@code [batch, D]}
   * @return {@code x} of shape {@code [batch, D]} and log-determinants of shape {@code [batch]}
   * @throws io.flows4j.bijectors.NonConvergenceException if a scalar solve fails
   */
  static Transformed solve(
      String op, Var y, Var q, Var rUpper, Var rDiag, Var tUpper, Var tDiag, Var b) {
    checkShapes(op, y, q, rUpper, rDiag, tUpper, tDiag, b);
    Params p = params(q, rUpper, rDiag, tUpper, tDiag, b);
    int rows = y.shape().dim(0);
    int d = p.d;
    int m = p.m;
    Tensor x = Tape.newValue(y.shape());
    Tensor ld = Tape.newValue(Shape.of(rows));
    float[] ys = y.value().data();
    int yo = y.value().offset();
    float[] xs = x.data();
    int xo = x.offset();
    Work w = new Work(m);
    for (int row = 0; row < rows; row++) {
      int off = row * d;
      // a = Q^T y; solve v + R tanh(R~ v + b) = a from the last coordinate to the first.
      for (int c = 0; c < m; c++) {
        double s = 0;
        for (int i = 0; i < d; i++) {
          s += p.q[i][c] * ys[yo + off + i];
        }
        w.a[c] = s;
      }
      double l = 0;
      for (int i = m - 1; i >= 0; i--) {
        double c = p.b[i];
        double t = w.a[i];
        for (int k = i + 1; k < m; k++) {
          c += p.t[i][k] * w.v[k];
          t -= p.r[i][k] * w.hz[k];
        }
        double vi = LowRankMath.solveTanh(op, t, p.r[i][i], p.t[i][i], c);
        w.v[i] = vi;
        w.z[i] = p.t[i][i] * vi + c;
        w.hz[i] = Math.tanh(w.z[i]);
        w.hp[i] = 1 - w.hz[i] * w.hz[i];
        l -= Math.log(det(p, w, i));
      }
      for (int i = 0; i < d; i++) {
        double s = ys[yo + off + i];
        for (int c = 0; c < m; c++) {
          s += p.q[i][c] * (w.v[c] - w.a[c]);
        }
        xs[xo + off + i] = (float) s;
      }
      ld.setFlat(row, (float) l);
    }
    if (!OpSupport.records(y, q, rUpper, rDiag, tUpper, tDiag, b)) {
      return new Transformed(Var.constant(x), Var.constant(ld));
    }
    return FusedOp.transformed(
        x,
        ld,
        (gx, gl) -> {
          Grads g = new Grads(d, m);
          Work wk = new Work(m);
          Tensor gy = y.requiresGrad() ? y.grad() : null;
          double[] xb = new double[d];
          double[] negLambda = new double[d];
          double[] unused = new double[d];
          for (int row = 0; row < rows; row++) {
            int off = row * d;
            encode(p, xs, xo + off, wk);
            double s = gl == null ? 0 : gl.getFlat(row);
            // zeta = dL/dz; dL/dx = Q R~^T zeta.
            for (int i = 0; i < m; i++) {
              wk.bm[i] = s * (-2 * wk.hz[i] * wk.hp[i] * (p.onePlusM[i] - 1)) / det(p, wk, i);
            }
            for (int c = 0; c < m; c++) {
              double acc = 0;
              for (int i = 0; i <= c; i++) {
                acc += p.t[i][c] * wk.bm[i];
              }
              wk.cm[c] = acc;
            }
            for (int i = 0; i < d; i++) {
              double acc = gx == null ? 0 : gx.getFlat(off + i);
              for (int c = 0; c < m; c++) {
                acc -= p.q[i][c] * wk.cm[c];
              }
              xb[i] = acc;
            }
            // pp = Q^T xb (in wk.a), then K^T qq = pp by forward substitution (qq in wk.s).
            for (int c = 0; c < m; c++) {
              double acc = 0;
              for (int i = 0; i < d; i++) {
                acc += p.q[i][c] * xb[i];
              }
              wk.a[c] = acc;
            }
            solveKTransposed(p, wk);
            for (int i = 0; i < d; i++) {
              double acc = xb[i];
              for (int c = 0; c < m; c++) {
                acc += p.q[i][c] * (wk.s[c] - wk.a[c]);
              }
              negLambda[i] = -acc;
            }
            if (gy != null) {
              for (int i = 0; i < d; i++) {
                gy.setFlat(off + i, (float) (gy.getFlat(off + i) - negLambda[i]));
              }
            }
            closedBackwardRow(p, xs, xo + off, negLambda, -s, g, unused, wk);
          }
          finish(p, g, q, rUpper, rDiag, tUpper, tDiag, b);
        },
        y,
        q,
        rUpper,
        rDiag,
        tUpper,
        tDiag,
        b);
  }

  /**
   * Solves {@code (I + R~^T H' R^T) qq = pp} (lower triangular) for {@code qq}, with {@code pp} in
   * {@code w.a}, {@code h'} in {@code w.hp}; writes {@code qq} into {@code w.s} and uses {@code
   * w.cm} for {@code u = R^T qq}.
   */
  private static void solveKTransposed(Params p, Work w) {
    int m = p.m;
    for (int i = 0; i < m; i++) {
      double rhs = w.a[i];
      for (int k = 0; k < i; k++) {
        rhs -= p.t[k][i] * w.hp[k] * w.cm[k];
      }
      double partial = 0;
      for (int j = 0; j < i; j++) {
        partial += p.r[j][i] * w.s[j];
      }
      rhs -= p.t[i][i] * w.hp[i] * partial;
      double qi = rhs / (1 + p.t[i][i] * w.hp[i] * p.r[i][i]);
      w.s[i] = qi;
      w.cm[i] = partial + p.r[i][i] * qi;
    }
  }

  /** One row of the closed form's backward (uses {@code w} as scratch). */
  private static void closedBackwardRow(
      Params p, float[] xs, int off, double[] gy, double s, Grads g, double[] gxRow, Work w) {
    int d = p.d;
    int m = p.m;
    encode(p, xs, off, w);
    for (int i = 0; i < m; i++) {
      double acc = 0;
      for (int j = i; j < m; j++) {
        acc += p.r[i][j] * w.hz[j];
      }
      w.s[i] = acc;
    }
    // sbar = Q^T gy (in w.a)
    for (int c = 0; c < m; c++) {
      double acc = 0;
      for (int i = 0; i < d; i++) {
        acc += p.q[i][c] * gy[i];
      }
      w.a[c] = acc;
    }
    // hzbar = R^T sbar; zbar = hzbar h' + s zeta (in w.bm); dm_i = s h'_i / det_i.
    for (int j = 0; j < m; j++) {
      double acc = 0;
      for (int i = 0; i <= j; i++) {
        acc += p.r[i][j] * w.a[i];
        g.r[i][j] += w.a[i] * w.hz[j];
      }
      double det = det(p, w, j);
      double mj = p.onePlusM[j] - 1;
      w.bm[j] = acc * w.hp[j] + s * mj * (-2 * w.hz[j] * w.hp[j]) / det;
      double dm = s * w.hp[j] / det;
      g.r[j][j] += dm * p.t[j][j];
      g.t[j][j] += dm * p.r[j][j];
    }
    // R~ bar, b bar, vbar = R~^T zbar (in w.cm)
    for (int k = 0; k < m; k++) {
      double acc = 0;
      for (int i = 0; i <= k; i++) {
        acc += p.t[i][k] * w.bm[i];
        g.t[i][k] += w.bm[i] * w.v[k];
      }
      w.cm[k] = acc;
      g.b[k] += w.bm[k];
    }
    for (int i = 0; i < d; i++) {
      double acc = gy[i];
      double xi = xs[off + i];
      for (int c = 0; c < m; c++) {
        acc += p.q[i][c] * w.cm[c];
        g.q[i][c] += gy[i] * w.s[c] + xi * w.cm[c];
      }
      gxRow[i] = acc;
    }
  }

  private static void finish(
      Params p, Grads g, Var q, Var rUpper, Var rDiag, Var tUpper, Var tDiag, Var b) {
    int m = p.m;
    double[] gq = new double[p.d * m];
    for (int i = 0; i < p.d; i++) {
      for (int c = 0; c < m; c++) {
        gq[i * m + c] = g.q[i][c];
      }
    }
    OpSupport.addGrad(q, gq);
    double[] gru = new double[m * (m - 1) / 2];
    double[] gtu = new double[m * (m - 1) / 2];
    double[] grd = new double[m];
    double[] gtd = new double[m];
    for (int i = 0; i < m; i++) {
      grd[i] = g.r[i][i] * (1 - p.r[i][i] * p.r[i][i]);
      double th = p.t[i][i] / (1 - LowRankMath.MIN_SLOPE);
      gtd[i] = g.t[i][i] * (1 - LowRankMath.MIN_SLOPE) * (1 - th * th);
      for (int j = i + 1; j < m; j++) {
        gru[FrameOps.upperIndex(m, i, j)] = g.r[i][j];
        gtu[FrameOps.upperIndex(m, i, j)] = g.t[i][j];
      }
    }
    OpSupport.addGrad(rUpper, gru);
    OpSupport.addGrad(rDiag, grd);
    OpSupport.addGrad(tUpper, gtu);
    OpSupport.addGrad(tDiag, gtd);
    OpSupport.addGrad(b, g.b);
  }

  private static Params params(Var q, Var ru, Var rd, Var tu, Var td, Var b) {
    return new Params(q.value(), ru.value(), rd.value(), tu.value(), td.value(), b.value());
  }

  private static void checkShapes(String op, Var x, Var q, Var ru, Var rd, Var tu, Var td, Var b) {
    Checks.requireShape(
        q.shape().rank() == 2, "%s: Q must have shape [D, M], but was %s", op, q.shape());
    int d = q.shape().dim(0);
    int m = q.shape().dim(1);
    Shape packed = Shape.of(m * (m - 1) / 2);
    Checks.requireShape(
        x.shape().rank() == 2
            && x.shape().dim(1) == d
            && ru.shape().equals(packed)
            && tu.shape().equals(packed)
            && rd.shape().equals(Shape.of(m))
            && td.shape().equals(Shape.of(m))
            && b.shape().equals(Shape.of(m)),
        "%s: input must have shape [batch, %d] with R, R~ packed [%d], diagonals and b [%d], but"
            + " were %s, %s, %s, %s, %s, %s",
        op,
        d,
        packed.size(),
        m,
        x.shape(),
        ru.shape(),
        rd.shape(),
        tu.shape(),
        td.shape(),
        b.shape());
  }
}
