package io.flows4j.tensor.kernels;

import io.flows4j.tensor.Checks;

/** Argument validation shared by every {@link Gemm} implementation. */
final class GemmArgs {
  private GemmArgs() {}

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
    Checks.requireArgument(
        m >= 0 && n >= 0 && k >= 0, "sgemm: sizes must be >= 0, but were m=%d n=%d k=%d", m, n, k);
    int aCols = transA ? m : k;
    int aRows = transA ? k : m;
    int bCols = transB ? k : n;
    int bRows = transB ? n : k;
    Checks.requireArgument(
        lda >= Math.max(1, aCols), "sgemm: lda must be >= %d, but was %d", aCols, lda);
    Checks.requireArgument(
        ldb >= Math.max(1, bCols), "sgemm: ldb must be >= %d, but was %d", bCols, ldb);
    Checks.requireArgument(ldc >= Math.max(1, n), "sgemm: ldc must be >= %d, but was %d", n, ldc);
    fits("A", a, aOff, aRows, aCols, lda);
    fits("B", b, bOff, bRows, bCols, ldb);
    fits("C", c, cOff, m, n, ldc);
  }

  private static void fits(String name, float[] x, int off, int rows, int cols, int ld) {
    if (rows == 0 || cols == 0) {
      return;
    }
    long last = off + (long) (rows - 1) * ld + cols;
    Checks.requireArgument(
        off >= 0 && last <= x.length,
        "sgemm: %s (%d x %d, row stride %d, offset %d) must fit in an array of %d floats",
        name,
        rows,
        cols,
        ld,
        off,
        x.length);
  }
}
