package io.flows4j.bijectors.lowrank;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * Differentiable orthonormal frames {@code Q} of shape {@code [D, M]} ({@code Q^T Q = I_M}, {@code
 * M <= D}) for Sylvester flows (van den Berg et al. 2018), in two parameterisations, each exactly
 * orthonormal by construction (up to rounding) and with a hand-written backward rule:
 *
 * <ul>
 *   <li>{@link #householder}: the first {@code M} columns of {@code H_1 ... H_K}, {@code H_k = I -
 *       2 v_k v_k^T / |v_k|^2}, as in the paper's Householder Sylvester flow. Cost {@code O(K D
 *       M)}.
 *   <li>{@link #cayley}: the first {@code M} columns of the Cayley transform {@code (I - A)(I +
 *       A)^-1} of a skew-symmetric {@code A = S - S^T} ({@code S} strictly upper triangular). It
 *       reaches every rotation without eigenvalue -1, which suffices: flipping the sign of a column
 *       of {@code Q} is absorbed by the signs of {@code R}, {@code R~} and {@code b} (tanh is odd).
 *       The paper's orthogonal variant instead iterates a Björck orthogonalisation, whose result is
 *       orthonormal only to the iteration's tolerance. Cost {@code O(D^3)} per call (one LU of
 *       {@code I + A}, and one of {@code I - A} in the backward), independent of the batch.
 * </ul>
 */
final class FrameOps {
  private FrameOps() {}

  /**
   * The first {@code m} columns of a product of Householder reflections. A zero vector is read as
   * the identity.
   *
   * @param vectors the reflection vectors {@code v_k}, one per row, of shape {@code [K, D]}
   * @param m number of columns, {@code 1 <= m <= D}
   * @return {@code Q} of shape {@code [D, m]}
   */
  static Var householder(Var vectors, int m) {
    Checks.requireShape(
        vectors.shape().rank() == 2,
        "Sylvester.householder: vectors must have shape [K, D], but was %s",
        vectors.shape());
    int k = vectors.shape().dim(0);
    int d = vectors.shape().dim(1);
    Checks.requireArgument(
        m >= 1 && m <= d, "Sylvester.householder: m must be in [1, %d], but was %d", d, m);
    Tensor vs = vectors.value();
    double[][] v = new double[k][d];
    double[] n2 = new double[k];
    for (int r = 0; r < k; r++) {
      for (int j = 0; j < d; j++) {
        v[r][j] = vs.getFlat(r * d + j);
        n2[r] += v[r][j] * v[r][j];
      }
    }
    double[][] e = new double[d][m];
    for (int j = 0; j < m; j++) {
      e[j][j] = 1;
    }
    for (int r = k - 1; r >= 0; r--) {
      reflect(v[r], n2[r], e);
    }
    Tensor q = toTensor(e);
    return Tape.result(
        q,
        out -> {
          if (!vectors.requiresGrad()) {
            return;
          }
          Tensor gv = vectors.grad();
          double[][] gq = fromTensor(out.grad(), d, m);
          // Walk from Q = H_1 X_1 back: X_k = H_k O_k (H_k is an involution).
          double[][] o = new double[d][];
          for (int i = 0; i < d; i++) {
            o[i] = e[i].clone();
          }
          for (int r = 0; r < k; r++) {
            if (n2[r] == 0) {
              continue;
            }
            reflect(v[r], n2[r], o);
            double[][] x = o;
            double[] a = new double[m];
            double[] g = new double[m];
            for (int i = 0; i < d; i++) {
              for (int c = 0; c < m; c++) {
                a[c] += x[i][c] * v[r][i];
                g[c] += gq[i][c] * v[r][i];
              }
            }
            double ga = 0;
            for (int c = 0; c < m; c++) {
              ga += g[c] * a[c];
            }
            double n = n2[r];
            for (int i = 0; i < d; i++) {
              double s = 0;
              for (int c = 0; c < m; c++) {
                s += gq[i][c] * a[c] + x[i][c] * g[c];
              }
              double grad = -2 / n * s + 4 / (n * n) * ga * v[r][i];
              gv.setFlat(r * d + i, (float) (gv.getFlat(r * d + i) + grad));
            }
            reflect(v[r], n, gq);
          }
        },
        vectors);
  }

  /** {@code X <- (I - 2 v v^T / n) X} in place. */
  private static void reflect(double[] v, double n, double[][] x) {
    if (n == 0) {
      return;
    }
    int d = v.length;
    int m = x[0].length;
    for (int c = 0; c < m; c++) {
      double s = 0;
      for (int i = 0; i < d; i++) {
        s += v[i] * x[i][c];
      }
      double f = 2 * s / n;
      for (int i = 0; i < d; i++) {
        x[i][c] -= f * v[i];
      }
    }
  }

  /** Index of {@code S[i][j]}, {@code i < j}, among the packed strictly upper entries. */
  static int upperIndex(int d, int i, int j) {
    return i * d - i * (i + 1) / 2 + j - i - 1;
  }

  /**
   * The first {@code m} columns of the Cayley transform {@code (I - A)(I + A)^-1}, {@code A = S -
   * S^T}.
   *
   * <p>Backward: with {@code W = (I + A)^-1 E} and {@code Q = (I - A) W}, {@code dQ = -2 (I + A)^-1
   * dA W}, so {@code dLoss/dA = -2 (I - A)^-1 G W^T} ({@code G = dLoss/dQ}), and {@code dLoss/dS =
   * dLoss/dA - (dLoss/dA)^T} on the strict upper triangle.
   *
   * @param skew the packed strictly upper entries of {@code S}, row by row, of shape {@code [D (D -
   *     1) / 2]}
   * @param d the dimension {@code D}
   * @param m number of columns, {@code 1 <= m <= D}
   * @return {@code Q} of shape {@code [D, m]}
   */
  static Var cayley(Var skew, int d, int m) {
    Checks.requireShape(
        skew.shape().equals(Shape.of(d * (d - 1) / 2)),
        "Sylvester.cayley: skew must have shape [%d], but was %s",
        d * (d - 1) / 2,
        skew.shape());
    Checks.requireArgument(
        m >= 1 && m <= d, "Sylvester.cayley: m must be in [1, %d], but was %d", d, m);
    double[][] a = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = i + 1; j < d; j++) {
        double s = skew.value().getFlat(upperIndex(d, i, j));
        a[i][j] = s;
        a[j][i] = -s;
      }
    }
    double[][] e = new double[d][m];
    for (int j = 0; j < m; j++) {
      e[j][j] = 1;
    }
    double[][] w = solve(plusIdentity(a, 1), e);
    double[][] q = new double[d][m];
    for (int i = 0; i < d; i++) {
      for (int c = 0; c < m; c++) {
        double s = w[i][c];
        for (int k = 0; k < d; k++) {
          s -= a[i][k] * w[k][c];
        }
        q[i][c] = s;
      }
    }
    return Tape.result(
        toTensor(q),
        out -> {
          if (!skew.requiresGrad()) {
            return;
          }
          double[][] z = solve(plusIdentity(a, -1), fromTensor(out.grad(), d, m));
          Tensor gs = skew.grad();
          for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
              // dLoss/dA[i][j] - dLoss/dA[j][i], dLoss/dA = -2 Z W^T
              double s = 0;
              for (int c = 0; c < m; c++) {
                s += z[i][c] * w[j][c] - z[j][c] * w[i][c];
              }
              int at = upperIndex(d, i, j);
              gs.setFlat(at, (float) (gs.getFlat(at) - 2 * s));
            }
          }
        },
        skew);
  }

  /** {@code I + sign A}. */
  private static double[][] plusIdentity(double[][] a, double sign) {
    int d = a.length;
    double[][] out = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        out[i][j] = sign * a[i][j] + (i == j ? 1 : 0);
      }
    }
    return out;
  }

  /**
   * Solves {@code A X = B} by LU with partial pivoting ({@code A} is {@code I} plus a
   * skew-symmetric matrix, never singular: its eigenvalues are {@code 1 + i lambda}).
   */
  private static double[][] solve(double[][] a, double[][] b) {
    int d = a.length;
    int m = b[0].length;
    double[][] lu = new double[d][];
    double[][] x = new double[d][];
    for (int i = 0; i < d; i++) {
      lu[i] = a[i].clone();
      x[i] = b[i].clone();
    }
    for (int c = 0; c < d; c++) {
      int p = c;
      for (int r = c + 1; r < d; r++) {
        if (Math.abs(lu[r][c]) > Math.abs(lu[p][c])) {
          p = r;
        }
      }
      double[] t = lu[c];
      lu[c] = lu[p];
      lu[p] = t;
      t = x[c];
      x[c] = x[p];
      x[p] = t;
      for (int r = c + 1; r < d; r++) {
        double f = lu[r][c] / lu[c][c];
        if (f == 0) {
          continue;
        }
        for (int k = c + 1; k < d; k++) {
          lu[r][k] -= f * lu[c][k];
        }
        for (int k = 0; k < m; k++) {
          x[r][k] -= f * x[c][k];
        }
      }
    }
    for (int c = d - 1; c >= 0; c--) {
      for (int k = 0; k < m; k++) {
        double s = x[c][k];
        for (int j = c + 1; j < d; j++) {
          s -= lu[c][j] * x[j][k];
        }
        x[c][k] = s / lu[c][c];
      }
    }
    return x;
  }

  private static Tensor toTensor(double[][] q) {
    int d = q.length;
    int m = q[0].length;
    Tensor t = Tape.newValue(Shape.of(d, m));
    for (int i = 0; i < d; i++) {
      for (int c = 0; c < m; c++) {
        t.setFlat(i * m + c, (float) q[i][c]);
      }
    }
    return t;
  }

  private static double[][] fromTensor(Tensor t, int d, int m) {
    double[][] out = new double[d][m];
    for (int i = 0; i < d; i++) {
      for (int c = 0; c < m; c++) {
        out[i][c] = t.getFlat(i * m + c);
      }
    }
    return out;
  }
}
