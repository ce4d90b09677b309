package io.flows4j.bijectors.linear;

import io.flows4j.autodiff.Backward;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
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
 *
 * <p>Shared by {@link LULinear} (vectors, {@code [batch, D]}) and the invertible 1x1 convolution of
 * {@code io.flows4j.bijectors.image} (images, {@code [batch, D, H, W]}, the same matrix at every
 * pixel): {@link #solve} works on {@code [batch, D, positions...]}, a vector being one position.
 */
public final class LuOps {
  private LuOps() {}

  /**
   * The parameters of an LU-factored matrix, as {@link #randomRotation} returns them.
   *
   * @param permutation the row permutation {@code P}
   * @param lower packed strictly lower entries of {@code L}
   * @param upper packed strictly upper entries of {@code U}
   * @param rawDiagonal unconstrained diagonal {@code r}, {@code s = softplus(r) + minDiagonal}
   */
  public record Factorization(
      int[] permutation, float[] lower, float[] upper, float[] rawDiagonal) {}

  /**
   * A random orthogonal matrix in LU form, Glow's initialisation of the invertible 1x1 convolution
   * (Kingma and Dhariwal 2018): {@code Q} by modified Gram-Schmidt on a seeded Gaussian matrix,
   * factored with partial pivoting as {@code Q = P L U}, with the signs of {@code U}'s diagonal
   * moved into {@code Q}'s columns so that {@code s > 0} ({@code Q S}, {@code S = diag(sign u_ii)},
   * is still orthogonal). {@code P} is the pivoting permutation.
   *
   * @param d matrix size, {@code >= 1}
   * @param seed seed of the Gaussian matrix
   * @param minDiagonal the floor of {@code s}, {@code > 0}
   * @throws IllegalArgumentException if {@code d < 1}
   */
  public static Factorization randomRotation(int d, long seed, double minDiagonal) {
    Checks.requirePositive(d, "LuOps.randomRotation", "d");
    double[][] q = orthogonal(d, new Rng(seed));
    // Doolittle with partial pivoting: rows piv[i] of Q = row i of L U.
    int[] piv = new int[d];
    for (int i = 0; i < d; i++) {
      piv[i] = i;
    }
    for (int c = 0; c < d; c++) {
      int p = c;
      for (int r = c + 1; r < d; r++) {
        if (Math.abs(q[r][c]) > Math.abs(q[p][c])) {
          p = r;
        }
      }
      double[] t = q[c];
      q[c] = q[p];
      q[p] = t;
      int ti = piv[c];
      piv[c] = piv[p];
      piv[p] = ti;
      for (int r = c + 1; r < d; r++) {
        q[r][c] /= q[c][c];
        for (int k = c + 1; k < d; k++) {
          q[r][k] -= q[r][c] * q[c][k];
        }
      }
    }
    float[] lo = new float[packedSize(d)];
    float[] up = new float[packedSize(d)];
    float[] raw = new float[d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < i; j++) {
        lo[lowerIndex(i, j)] = (float) q[i][j];
      }
      for (int j = i + 1; j < d; j++) {
        // Column j of Q is multiplied by sign(u_jj), so U's column j is too.
        up[upperIndex(d, i, j)] = (float) (q[i][j] * Math.signum(q[j][j]));
      }
      raw[i] = rawFor(Math.abs(q[i][i]), minDiagonal);
    }
    return new Factorization(piv, lo, up, raw);
  }

  /** The raw diagonal value giving the diagonal {@code s} (at least just above the floor). */
  public static float rawFor(double s, double minDiagonal) {
    double above = Math.max(s - minDiagonal, 1e-6);
    return (float) StableMath.softplusInverse(above);
  }

  /** A {@code d x d} orthogonal matrix: modified Gram-Schmidt on the columns of a Gaussian one. */
  private static double[][] orthogonal(int d, Rng rng) {
    double[][] a = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        a[i][j] = rng.nextGaussian();
      }
    }
    for (int j = 0; j < d; j++) {
      for (int k = 0; k < j; k++) {
        double dot = 0;
        for (int i = 0; i < d; i++) {
          dot += a[i][k] * a[i][j];
        }
        for (int i = 0; i < d; i++) {
          a[i][j] -= dot * a[i][k];
        }
      }
      double norm = 0;
      for (int i = 0; i < d; i++) {
        norm += a[i][j] * a[i][j];
      }
      norm = Math.sqrt(norm);
      for (int i = 0; i < d; i++) {
        a[i][j] /= norm;
      }
    }
    return a;
  }

  /** Index of {@code L[i][j]}, {@code i > j}, in the packed lower entries. */
  static int lowerIndex(int i, int j) {
    return i * (i - 1) / 2 + j;
  }

  /** Index of {@code U[i][j]}, {@code i < j}, in the packed upper entries of a {@code D x D}. */
  static int upperIndex(int d, int i, int j) {
    return i * d - i * (i + 1) / 2 + j - i - 1;
  }

  /** Number of packed entries of a strictly triangular {@code D x D} factor. */
  public static int packedSize(int d) {
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
   * @throws io.flows4j.tensor.ShapeMismatchException if a factor's shape does not fit {@code D}
   */
  public static Var weight(Var lower, Var upper, Var raw, int[] perm, double minDiagonal) {
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
   * @param sign {@code +1} for {@code W}, {@code -1} for {@code W^-1}; {@code +-positions} for the
   *     same matrix applied at {@code positions} places per row (a 1x1 convolution over {@code H W}
   *     pixels)
   * @return of shape {@code [batch]}
   */
  public static Var logDet(Var raw, int batch, double sign, double minDiagonal) {
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
   * The inverse map {@code x = W^-1 (z - b)} by two triangular solves, without forming an inverse:
   * {@code y = P^T (z - b)}, {@code L w = y} (forward substitution), {@code (U + diag(s)) x = w}
   * (back substitution), in double. The input is {@code [batch, D]} (vectors) or {@code [batch, D,
   * positions...]} (the same map at every position, e.g. every pixel of a 1x1 convolution): each
   * row's {@code D x positions} block is solved with all positions as right-hand sides at once, so
   * the inner loops run along the contiguous positions.
   *
   * <p>Backward, with {@code g = dL/dx}: {@code g_w = (U + diag s)^-T g}, {@code g_y = L^-T g_w}
   * (two more triangular solves), {@code dV -= g_w x^T} (upper part), {@code dL -= g_y w^T}
   * (strictly lower part), summed over rows and positions, {@code dz = P g_y}, {@code db = -sum P
   * g_y}.
   *
   * @param z of shape {@code [batch, D]} or {@code [batch, D, ...]}
   * @param bias of shape {@code [D]}, or {@code null} for none
   * @param op the operation, for messages (e.g. {@code "LULinear.inverse"})
   * @return {@code x}, shaped like {@code z}
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit {@code D}
   */
  public static Var solve(
      String op, Var z, Var bias, Var lower, Var upper, Var raw, int[] perm, double minDiagonal) {
    int d = perm.length;
    checkFactors(op, lower, upper, raw, d);
    Shape zs = z.shape();
    Checks.requireShape(
        zs.rank() >= 2 && zs.dim(1) == d,
        "%s: input must have shape [batch, %d] or [batch, %d, ...], but was %s",
        op,
        d,
        d,
        zs);
    if (bias != null) {
      Checks.requireShape(
          bias.shape().equals(Shape.of(d)),
          "%s: bias must have shape [%d], but was %s",
          op,
          d,
          bias.shape());
    }
    int rows = zs.dim(0);
    int np = zs.rowSize() / d;
    int block = d * np;
    Factors f = factors(lower.value(), upper.value(), raw.value(), minDiagonal);
    boolean records =
        Tape.isRecording()
            && (z.requiresGrad()
                || (bias != null && bias.requiresGrad())
                || lower.requiresGrad()
                || upper.requiresGrad()
                || raw.requiresGrad());
    Tensor x = Tape.newValue(zs);
    // w = L^-1 y, kept for the gradient of L.
    Tensor wKeep = records ? Tape.newValue(zs) : null;
    float[] zd = z.value().data();
    int zo = z.value().offset();
    float[] xd = x.data();
    int xo = x.offset();
    double[] y = new double[block];
    double[] w = new double[block];
    double[] xr = new double[block];
    for (int r = 0; r < rows; r++) {
      int off = r * block;
      for (int i = 0; i < d; i++) {
        double b = bias == null ? 0 : bias.value().getFlat(perm[i]);
        int src = zo + off + perm[i] * np;
        for (int p = 0; p < np; p++) {
          y[i * np + p] = (double) zd[src + p] - b;
        }
      }
      forwardUnitLower(f.lower, y, w, np);
      backUpper(f.upper, w, xr, np);
      for (int i = 0; i < block; i++) {
        xd[xo + off + i] = (float) xr[i];
      }
      if (wKeep != null) {
        for (int i = 0; i < block; i++) {
          wKeep.data()[wKeep.offset() + off + i] = (float) w[i];
        }
      }
    }
    if (!records) {
      return Var.constant(x);
    }
    Backward rule =
        out -> {
          Tensor gx = out.grad();
          double[] g = new double[block];
          double[] gw = new double[block];
          double[] gy = new double[block];
          double[][] dv = new double[d][d];
          double[][] dl = new double[d][d];
          double[] db = new double[d];
          for (int r = 0; r < rows; r++) {
            int off = r * block;
            for (int i = 0; i < block; i++) {
              g[i] = gx.getFlat(off + i);
            }
            forwardUpperTransposed(f.upper, g, gw, np);
            backUnitLowerTransposed(f.lower, gw, gy, np);
            for (int i = 0; i < d; i++) {
              for (int j = i; j < d; j++) {
                dv[i][j] -= dot(gw, i * np, x, off + j * np, np);
              }
              for (int j = 0; j < i; j++) {
                dl[i][j] -= dot(gy, i * np, wKeep, off + j * np, np);
              }
              double s = 0;
              for (int p = 0; p < np; p++) {
                s += gy[i * np + p];
              }
              db[perm[i]] -= s;
            }
            if (z.requiresGrad()) {
              Tensor gz = z.grad();
              for (int i = 0; i < d; i++) {
                int at = gz.offset() + off + perm[i] * np;
                for (int p = 0; p < np; p++) {
                  gz.data()[at + p] += (float) gy[i * np + p];
                }
              }
            }
          }
          if (bias != null && bias.requiresGrad()) {
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
        };
    return bias == null
        ? Tape.result(x, rule, z, lower, upper, raw)
        : Tape.result(x, rule, z, bias, lower, upper, raw);
  }

  /** {@code sum_p a[ao + p] t[to + p]} in double, {@code t} a float tensor read at a flat index. */
  private static double dot(double[] a, int ao, Tensor t, int to, int n) {
    float[] td = t.data();
    int base = t.offset() + to;
    double s = 0;
    for (int p = 0; p < n; p++) {
      s += a[ao + p] * td[base + p];
    }
    return s;
  }

  /** Solves {@code L w = y} for unit lower triangular {@code L}, {@code np} right-hand sides. */
  private static void forwardUnitLower(double[][] l, double[] y, double[] w, int np) {
    int d = l.length;
    for (int i = 0; i < d; i++) {
      int wi = i * np;
      System.arraycopy(y, wi, w, wi, np);
      for (int j = 0; j < i; j++) {
        double c = l[i][j];
        int wj = j * np;
        for (int p = 0; p < np; p++) {
          w[wi + p] -= c * w[wj + p];
        }
      }
    }
  }

  /** Solves {@code V x = w} for upper triangular {@code V}, {@code np} right-hand sides. */
  private static void backUpper(double[][] v, double[] w, double[] x, int np) {
    int d = v.length;
    for (int i = d - 1; i >= 0; i--) {
      int xi = i * np;
      System.arraycopy(w, xi, x, xi, np);
      for (int j = i + 1; j < d; j++) {
        double c = v[i][j];
        int xj = j * np;
        for (int p = 0; p < np; p++) {
          x[xi + p] -= c * x[xj + p];
        }
      }
      double inv = 1 / v[i][i];
      for (int p = 0; p < np; p++) {
        x[xi + p] *= inv;
      }
    }
  }

  /** Solves {@code V^T a = g} (lower triangular) for upper triangular {@code V}, {@code np} RHS. */
  private static void forwardUpperTransposed(double[][] v, double[] g, double[] a, int np) {
    int d = v.length;
    for (int i = 0; i < d; i++) {
      int ai = i * np;
      System.arraycopy(g, ai, a, ai, np);
      for (int j = 0; j < i; j++) {
        double c = v[j][i];
        int aj = j * np;
        for (int p = 0; p < np; p++) {
          a[ai + p] -= c * a[aj + p];
        }
      }
      double inv = 1 / v[i][i];
      for (int p = 0; p < np; p++) {
        a[ai + p] *= inv;
      }
    }
  }

  /** Solves {@code L^T a = g} (unit upper triangular) for unit lower {@code L}, {@code np} RHS. */
  private static void backUnitLowerTransposed(double[][] l, double[] g, double[] a, int np) {
    int d = l.length;
    for (int i = d - 1; i >= 0; i--) {
      int ai = i * np;
      System.arraycopy(g, ai, a, ai, np);
      for (int j = i + 1; j < d; j++) {
        double c = l[j][i];
        int aj = j * np;
        for (int p = 0; p < np; p++) {
          a[ai + p] -= c * a[aj + p];
        }
      }
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
