package io.flows4j.tensor.kernels;

import io.flows4j.tensor.Checks;
import java.util.Arrays;
import java.util.Objects;

/** Argument validation and trivial cases shared by every {@link Gemm} implementation. */
final class GemmArgs {
  private GemmArgs() {}

  /**
   * Checks the arguments of {@link Gemm#sgemm}.
   *
   * @throws NullPointerException if an array is null
   * @throws IllegalArgumentException if a size is negative, a leading dimension is smaller than its
   *     row length (or 1), an offset is negative, or a matrix does not fit in its array
   */
  static void check(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc) {
    Objects.requireNonNull(a, "sgemm: A must not be null");
    Objects.requireNonNull(b, "sgemm: B must not be null");
    Objects.requireNonNull(c, "sgemm: C must not be null");
    Checks.requireArgument(
        m >= 0 && n >= 0 && k >= 0, "sgemm: sizes must be >= 0, but were m=%d n=%d k=%d", m, n, k);
    int aCols = transA ? m : k;
    int aRows = transA ? k : m;
    int bCols = transB ? k : n;
    int bRows = transB ? n : k;
    ld("lda", lda, aCols, transA ? "m" : "k");
    ld("ldb", ldb, bCols, transB ? "k" : "n");
    ld("ldc", ldc, n, "n");
    fits("A", a, aOff, aRows, aCols, lda);
    fits("B", b, bOff, bRows, bCols, ldb);
    fits("C", c, cOff, m, n, ldc);
  }

  /**
   * {@code C = beta * C} on an {@code m x n} block; with {@code beta == 0} C becomes zero whatever
   * it held (NaN included), as BLAS specifies.
   */
  static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * ldc;
      if (beta == 0f) {
        Arrays.fill(c, ci, ci + n, 0f);
      } else if (beta != 1f) {
        for (int j = 0; j < n; j++) {
          c[ci + j] *= beta;
        }
      }
    }
  }

  private static void ld(String name, int ld, int cols, String colsName) {
    int min = Math.max(1, cols);
    Checks.requireArgument(
        ld >= min, "sgemm: %s must be >= max(1, %s) = %d, but was %d", name, colsName, min, ld);
  }

  private static void fits(String name, float[] x, int off, int rows, int cols, int ld) {
    Checks.requireArgument(off >= 0, "sgemm: offset of %s must be >= 0, but was %d", name, off);
    if (rows == 0 || cols == 0) {
      return;
    }
    long last = off + (long) (rows - 1) * ld + cols;
    Checks.requireArgument(
        last <= x.length,
        "sgemm: %s (%d x %d, row stride %d, offset %d) needs an array of at least %d floats, but"
            + " its array has %d",
        name,
        rows,
        cols,
        ld,
        off,
        last,
        x.length);
  }
}
