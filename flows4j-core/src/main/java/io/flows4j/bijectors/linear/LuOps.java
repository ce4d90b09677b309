package io.flows4j.bijectors.linear;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.StableMath;
import io.flows4j.tensor.Tensor;

/**
 * The differentiable pieces of an LU-parameterised linear map {@code W = P L (U + diag(s))} (Kingma
 * and Dhariwal 2018, "Glow: Generative Flow with Invertible 1x1 Convolutions"), with hand-written
 * backward rules. Arithmetic is float in storage with double accumulation.
 *
 * <p>Packed storage of a {@code D x D} factor pair: {@code lower} holds the strictly lower entries
 * of {@code L} row by row ({@code L[i][j]}, {@code i > j}, at {@code i (i - 1) / 2 + j}), {@code
 * upper} the strictly upper entries of {@code U} row by row ({@code U[i][j]}, {@code i < j}, at
 * {@code i D - i (i + 1) / 2 + j - i - 1}); both have {@code D (D - 1) / 2} entries. {@code L} has
 * a unit diagonal; the diagonal of {@code U + diag(s)} is {@code s = softplus(raw) + minDiagonal}.
 * The permutation {@code P} puts row {@code i} of {@code L (U + diag(s))} at row {@code perm[i]} of
 * {@code W}.
 */
final class LuOps {
  private LuOps() {}

  /** Index of {@code L[i][j]}, {@code i > j}, in the packed lower entries. */
  static int lowerIndex(int i, int j) {
    return i * (i - 1) / 2 + j;
  }

  /** Index of {@code U[i][j]}, {@code i < j}, in the packed upper entries of a {@code D x D}. */
  static int upperIndex(int d, int i, int j) {
    return i * d - i * (i + 1) / 2 + j - i - 1;
  }

  /** Number of packed entries of a strictly triangular {@code D x D} factor. */
  static int packedSize(int d) {
    return d * (d - 1) / 2;
  }

  /** {@code s = softplus(raw) + minDiagonal}, in double. */
  static double diagonal(float raw, double minDiagonal) {
    return StableMath.softplus(raw) + minDiagonal;
  }

  /** The factors of one call in double: {@code L} (unit lower) and {@code V = U + diag(s)}. */
  private record Factors(double[][] lower, double[][] upper) {}

  private static Factors factors(Tensor lower, Tensor upper, Tensor raw, double minDiagonal) {
    int d = raw.size();
    double[][] l = new double[d][d];
    double[][] v = new double[d][d];
    for (int i = 0; i < d; i++) {
      l[i][i] = 1;
      for (int j = 0; j < i; j++) {
        l[i][j] = lower.getFlat(lowerIndex(i, j));
      }
      v[i][i] = diagonal(raw.getFlat(i), minDiagonal);
      for (int j = i + 1; j < d; j++) {
        v[i][j] = upper.getFlat(upperIndex(d, i, j));
      }
    }
    return new Factors(l, v);
  }

  /**
   * The weight {@code W = P L (U + diag(s))}.
   *
   * @param lower packed strictly lower entries, shape {@code [D (D - 1) / 2]}
   * @param upper packed strictly upper entries, shape {@code [D (D - 1) / 2]}
   * @param raw unconstrained diagonal, shape {@code [D]}
   * @param perm the row permutation {@code P}, length {@code D}
   * @param minDiagonal the smallest diagonal entry, {@code > 0}
   * @return {@code W} of shape {@code [D, D]}
   */
  static Var weight(Var lower, Var upper, Var raw, int[] perm, double minDiagonal) {
    int d = perm.length;
    checkFactors("LULinear.weight", lower, upper, raw, d);
    Factors f = factors(lower.value(), upper.value(), raw.value(), minDiagonal);
    Tensor w = Tape.newValue(Shape.of(d, d));
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        // (L V)[i][j] = sum_{k <= min(i, j)} L[i][k] V[k][j]
        double s = 0;
        int kmax = Math.min(i, j);
        for (int k = 0; k <= kmax; k++) {
          s += f.lower[i][k] * f.upper[k][j];
        }
        w.setFlat(perm[i] * d + j, (float) s);
      }
    }
    return Tape.result(
        w,
        out -> {
          Tensor gw = out.grad();
          // dM = P^T dW: row i of M is row perm[i] of W.
          double[][] gm = new double[d][d];
          for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
              gm[i][j] = gw.getFlat(perm[i] * d + j);
            }
          }
          if (lower.requiresGrad()) {
            // dL = dM V^T, strictly lower part.
            Tensor gl = lower.grad();
            for (int i = 1; i < d; i++) {
              for (int k = 0; k < i; k++) {
                double s = 0;
                for (int j = k; j < d; j++) {
                  s += gm[i][j] * f.upper[k][j];
                }
                int at = lowerIndex(i, k);
                gl.setFlat(at, (float) (gl.getFlat(at) + s));
              }
            }
          }
          if (upper.requiresGrad() || raw.requiresGrad()) {
            // dV = L^T dM, upper part including the diagonal.
            Tensor gu = upper.requiresGrad() ? upper.grad() : null;
            Tensor gr = raw.requiresGrad() ? raw.grad() : null;
            for (int k = 0; k < d; k++) {
              for (int j = k; j < d; j++) {
                double s = 0;
                for (int i = k; i < d; i++) {
                  s += f.lower[i][k] * gm[i][j];
                }
                if (j == k) {
                  if (gr != null) {
                    gr.setFlat(
                        k,
                        (float) (gr.getFlat(k) + s * StableMath.sigmoid(raw.value().getFlat(k))));
                  }
                } else if (gu != null) {
                  int at = upperIndex(d, k, j);
                  gu.setFlat(at, (float) (gu.getFlat(at) + s));
                }
              }
            }
          }
        },
        lower,
        upper,
        raw);
  }

  /**
   * The log-determinant {@code sign * sum_i log s_i}, the same for every row.
   *
   * @param raw unconstrained diagonal, shape {@code [D]}
   * @param batch number of rows
   * @param sign {@code +1} for {@code W}, {@code -1} for {@code W^-1}
   * @return of shape {@code [batch]}
   */
  static Var logDet(Var raw, int batch, double sign, double minDiagonal) {
    Tensor rv = raw.value();
    int d = rv.size();
    double s = 0;
    for (int i = 0; i < d; i++) {
      s += Math.log(diagonal(rv.getFlat(i), minDiagonal));
    }
    Tensor ld = Tape.newValue(Shape.of(batch)).fill((float) (sign * s));
    return Tape.result(
        ld,
        out -> {
          if (raw.requiresGrad()) {
            double g = 0;
            Tensor gld = out.grad();
            for (int r = 0; r < batch; r++) {
              g += gld.getFlat(r);
            }
            Tensor gr = raw.grad();
            for (int i = 0; i < d; i++) {
              float a = rv.getFlat(i);
              // d log s / d raw = sigmoid(raw) / s
              double dl = StableMath.sigmoid(a) / diagonal(a, minDiagonal);
              gr.setFlat(i, (float) (gr.getFlat(i) + sign * g * dl));
            }
          }
        },
        raw);
  }

  /**
   * The inverse map {@code x = W^-1 (z - b)} by two triangular solves per row, without forming an
   * inverse: {@code y = P^T (z - b)}, {@code L w = y} (forward substitution), {@code (U + diag(s))
   * x = w} (back substitution).
   *
   * <p>Backward, with {@code g = dL/dx}: {@code g_w = (U + diag s)^-T g}, {@code g_y = L^-T g_w}
   * (two more triangular solves), {@code dV -= g_w x^T} (upper part), {@code dL -= g_y w^T}
   * (strictly lower part), {@code dz = P g_y}, {@code db = -sum_rows P g_y}.
   *
   * @param z of shape {@code [batch, D]}
   * @param bias of shape {@code [D]}
   * @return {@code x} of shape {@code [batch, D]}
   */
  static Var solve(Var z, Var bias, Var lower, Var upper, Var raw, int[] perm, double minDiagonal) {
    int d = perm.length;
    checkFactors("LULinear.inverse", lower, upper, raw, d);
    Checks.requireShape(
        z.shape().rank() == 2 && z.shape().dim(1) == d && bias.shape().equals(Shape.of(d)),
        "LULinear.inverse: input must have shape [batch, %d] and bias [%d], but were %s and %s",
        d,
        d,
        z.shape(),
        bias.shape());
    int rows = z.shape().dim(0);
    Factors f = factors(lower.value(), upper.value(), raw.value(), minDiagonal);
    boolean records =
        Tape.isRecording()
            && (z.requiresGrad()
                || bias.requiresGrad()
                || lower.requiresGrad()
                || upper.requiresGrad()
                || raw.requiresGrad());
    Tensor x = Tape.newValue(z.shape());
    // w = L^-1 y, kept for the gradient of L.
    Tensor wKeep = records ? Tape.newValue(z.shape()) : null;
    Tensor zv = z.value();
    Tensor bv = bias.value();
    double[] y = new double[d];
    double[] w = new double[d];
    double[] xr = new double[d];
    for (int r = 0; r < rows; r++) {
      int off = r * d;
      for (int i = 0; i < d; i++) {
        y[i] = (double) zv.getFlat(off + perm[i]) - bv.getFlat(perm[i]);
      }
      forwardUnitLower(f.lower, y, w);
      backUpper(f.upper, w, xr);
      for (int i = 0; i < d; i++) {
        x.setFlat(off + i, (float) xr[i]);
        if (wKeep != null) {
          wKeep.setFlat(off + i, (float) w[i]);
        }
      }
    }
    if (!records) {
      return Var.constant(x);
    }
    return Tape.result(
        x,
        out -> {
          Tensor gx = out.grad();
          double[] g = new double[d];
          double[] gw = new double[d];
          double[] gy = new double[d];
          double[][] dv = new double[d][d];
          double[][] dl = new double[d][d];
          double[] db = new double[d];
          for (int r = 0; r < rows; r++) {
            int off = r * d;
            for (int i = 0; i < d; i++) {
              g[i] = gx.getFlat(off + i);
            }
            forwardUpperTransposed(f.upper, g, gw);
            backUnitLowerTransposed(f.lower, gw, gy);
            for (int i = 0; i < d; i++) {
              for (int j = i; j < d; j++) {
                dv[i][j] -= gw[i] * x.getFlat(off + j);
              }
              for (int j = 0; j < i; j++) {
                dl[i][j] -= gy[i] * wKeep.getFlat(off + j);
              }
              db[perm[i]] -= gy[i];
            }
            if (z.requiresGrad()) {
              Tensor gz = z.grad();
              for (int i = 0; i < d; i++) {
                int at = off + perm[i];
                gz.setFlat(at, (float) (gz.getFlat(at) + gy[i]));
              }
            }
          }
          if (bias.requiresGrad()) {
            Tensor gb = bias.grad();
            for (int i = 0; i < d; i++) {
              gb.setFlat(i, (float) (gb.getFlat(i) + db[i]));
            }
          }
          if (lower.requiresGrad()) {
            Tensor gl = lower.grad();
            for (int i = 1; i < d; i++) {
              for (int j = 0; j < i; j++) {
                int at = lowerIndex(i, j);
                gl.setFlat(at, (float) (gl.getFlat(at) + dl[i][j]));
              }
            }
          }
          if (upper.requiresGrad()) {
            Tensor gu = upper.grad();
            for (int i = 0; i < d; i++) {
              for (int j = i + 1; j < d; j++) {
                int at = upperIndex(d, i, j);
                gu.setFlat(at, (float) (gu.getFlat(at) + dv[i][j]));
              }
            }
          }
          if (raw.requiresGrad()) {
            Tensor gr = raw.grad();
            for (int i = 0; i < d; i++) {
              double ds = StableMath.sigmoid(raw.value().getFlat(i));
              gr.setFlat(i, (float) (gr.getFlat(i) + dv[i][i] * ds));
            }
          }
        },
        z,
        bias,
        lower,
        upper,
        raw);
  }

  /** Solves {@code L w = y} for unit lower triangular {@code L}. */
  private static void forwardUnitLower(double[][] l, double[] y, double[] w) {
    int d = y.length;
    for (int i = 0; i < d; i++) {
      double s = y[i];
      for (int j = 0; j < i; j++) {
        s -= l[i][j] * w[j];
      }
      w[i] = s;
    }
  }

  /** Solves {@code V x = w} for upper triangular {@code V} with a nonzero diagonal. */
  private static void backUpper(double[][] v, double[] w, double[] x) {
    int d = w.length;
    for (int i = d - 1; i >= 0; i--) {
      double s = w[i];
      for (int j = i + 1; j < d; j++) {
        s -= v[i][j] * x[j];
      }
      x[i] = s / v[i][i];
    }
  }

  /** Solves {@code V^T a = g} (a lower triangular system) for upper triangular {@code V}. */
  private static void forwardUpperTransposed(double[][] v, double[] g, double[] a) {
    int d = g.length;
    for (int i = 0; i < d; i++) {
      double s = g[i];
      for (int j = 0; j < i; j++) {
        s -= v[j][i] * a[j];
      }
      a[i] = s / v[i][i];
    }
  }

  /** Solves {@code L^T a = g} (unit upper triangular) for unit lower triangular {@code L}. */
  private static void backUnitLowerTransposed(double[][] l, double[] g, double[] a) {
    int d = g.length;
    for (int i = d - 1; i >= 0; i--) {
      double s = g[i];
      for (int j = i + 1; j < d; j++) {
        s -= l[j][i] * a[j];
      }
      a[i] = s;
    }
  }

  private static void checkFactors(String op, Var lower, Var upper, Var raw, int d) {
    int packed = packedSize(d);
    Checks.requireShape(
        lower.shape().equals(Shape.of(packed))
            && upper.shape().equals(Shape.of(packed))
            && raw.shape().equals(Shape.of(d)),
        "%s: factors must have shapes [%d], [%d], [%d], but were %s, %s, %s",
        op,
        packed,
        packed,
        d,
        lower.shape(),
        upper.shape(),
        raw.shape());
  }
}
