package io.flows4j.bijectors.residual;

/** LU factorisation with partial pivoting of small dense matrices in double, in place. */
final class Lu {
  private Lu() {}

  /**
   * Factors the row-major {@code n x n} matrix {@code a} in place into {@code P A = L U} (unit
   * lower {@code L} below the diagonal, {@code U} on and above it).
   *
   * @param piv receives the row swapped into place at each step
   * @return {@code log|det A|}; {@code -Infinity} for a singular matrix
   */
  static double factor(double[] a, int[] piv, int n) {
    double logDet = 0;
    for (int c = 0; c < n; c++) {
      int p = c;
      double best = Math.abs(a[c * n + c]);
      for (int r = c + 1; r < n; r++) {
        double v = Math.abs(a[r * n + c]);
        if (v > best) {
          best = v;
          p = r;
        }
      }
      piv[c] = p;
      if (p != c) {
        for (int k = 0; k < n; k++) {
          double t = a[c * n + k];
          a[c * n + k] = a[p * n + k];
          a[p * n + k] = t;
        }
      }
      double d = a[c * n + c];
      logDet += Math.log(Math.abs(d));
      if (d == 0) {
        continue;
      }
      for (int r = c + 1; r < n; r++) {
        double f = a[r * n + c] / d;
        a[r * n + c] = f;
        for (int k = c + 1; k < n; k++) {
          a[r * n + k] -= f * a[c * n + k];
        }
      }
    }
    return logDet;
  }

  /** The inverse {@code A^-1} (row-major, into {@code out}) from the factors of {@link #factor}. */
  static void inverse(double[] lu, int[] piv, int n, double[] out) {
    double[] col = new double[n];
    for (int j = 0; j < n; j++) {
      // Solve A x = e_j: apply the row swaps to e_j, then L and U.
      java.util.Arrays.fill(col, 0);
      col[j] = 1;
      for (int c = 0; c < n; c++) {
        int p = piv[c];
        if (p != c) {
          double t = col[c];
          col[c] = col[p];
          col[p] = t;
        }
      }
      for (int r = 1; r < n; r++) {
        double s = col[r];
        for (int k = 0; k < r; k++) {
          s -= lu[r * n + k] * col[k];
        }
        col[r] = s;
      }
      for (int r = n - 1; r >= 0; r--) {
        double s = col[r];
        for (int k = r + 1; k < n; k++) {
          s -= lu[r * n + k] * col[k];
        }
        col[r] = s / lu[r * n + r];
      }
      for (int r = 0; r < n; r++) {
        out[r * n + j] = col[r];
      }
    }
  }
}
