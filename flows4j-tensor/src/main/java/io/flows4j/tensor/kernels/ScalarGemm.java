package io.flows4j.tensor.kernels;

import io.flows4j.tensor.Threads;

/**
 * Plain-Java SGEMM, the fallback when the Vector API is absent. Each element of {@code op(A) op(B)}
 * is one chain of {@link Math#fma} over the inner index; C is computed in register tiles of 4 x 4
 * elements (16 independent chains, so the two FMA units stay busy) inside column blocks of {@link
 * #NB} that keep the strip of B in L2. The four transpose combinations only change the strides with
 * which A and B are read in place; nothing is copied.
 *
 * <p>Why not i-k-j loops over rows of C: C2 does not vectorize {@code c[ci + j] += a * b[bi + j]}
 * (it cannot rule out that {@code b} and {@code c} alias), and the scalar version ran at 2-3
 * GFLOP/s on Zen 4 against 11 for the 4 x 4 tiles (docs/design-notes.md).
 *
 * <p>Rows of C are split between threads above {@link #PARALLEL_MIN_FLOPS}; every element is
 * computed the same way for any split.
 */
final class ScalarGemm implements Gemm {
  /** Columns per block: a block of B is {@code k x NB} floats, in L2 for k up to about 2000. */
  static final int NB = 64;

  /** Tile height and width. */
  static final int TILE = 4;

  /**
   * Products of fewer floating-point operations ({@code 2 m n k}) than this run on the calling
   * thread: a quarter of {@link VectorGemm#PARALLEL_MIN_FLOPS}, as the scalar code takes about 8
   * times longer per operation.
   */
  static final long PARALLEL_MIN_FLOPS = 1L << 16;

  @Override
  public void sgemm(
      boolean transA,
      boolean transB,
      int m,
      int n,
      int k,
      float alpha,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float beta,
      float[] c,
      int cOff,
      int ldc) {
    GemmArgs.check(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
    if (m == 0 || n == 0) {
      return;
    }
    if (k == 0 || alpha == 0f) {
      // BLAS semantics: A and B are not read, so NaN in them does not reach C.
      GemmArgs.scale(m, n, beta, c, cOff, ldc);
      return;
    }
    // op(A)(i, p) = a[aOff + i * ars + p * aps]; op(B)(p, j) = b[bOff + p * bps + j * bjs].
    Strided job =
        new Strided(
            n,
            k,
            alpha,
            a,
            aOff,
            transA ? 1 : lda,
            transA ? lda : 1,
            b,
            bOff,
            transB ? 1 : ldb,
            transB ? ldb : 1,
            beta,
            c,
            cOff,
            ldc);
    int rowTiles = (m + TILE - 1) / TILE;
    int tasks = 2.0 * m * n * k < PARALLEL_MIN_FLOPS ? 1 : Math.min(Threads.count(), rowTiles);
    if (tasks <= 1) {
      job.rows(0, m);
    } else {
      Threads.runSplit(
          rowTiles, tasks, (from, to) -> job.rows(from * TILE, Math.min(m, to * TILE)));
    }
  }

  @Override
  public String name() {
    return "scalar";
  }

  /** One product with its operands' strides. */
  private record Strided(
      int n,
      int k,
      float alpha,
      float[] a,
      int aOff,
      int ars,
      int aps,
      float[] b,
      int bOff,
      int bps,
      int bjs,
      float beta,
      float[] c,
      int cOff,
      int ldc) {

    /** Computes rows {@code [rowFrom, rowTo)} of C. */
    void rows(int rowFrom, int rowTo) {
      for (int j0 = 0; j0 < n; j0 += NB) {
        int j1 = Math.min(n, j0 + NB);
        int i = rowFrom;
        for (; i + TILE <= rowTo; i += TILE) {
          int j = j0;
          for (; j + TILE <= j1; j += TILE) {
            tile(i, j);
          }
          for (; j < j1; j++) {
            column(i, j);
          }
        }
        for (; i < rowTo; i++) {
          int j = j0;
          for (; j + TILE <= j1; j += TILE) {
            row(i, j);
          }
          for (; j < j1; j++) {
            element(i, j);
          }
        }
      }
    }

    private void tile(int i, int j) {
      float c00 = 0f;
      float c01 = 0f;
      float c02 = 0f;
      float c03 = 0f;
      float c10 = 0f;
      float c11 = 0f;
      float c12 = 0f;
      float c13 = 0f;
      float c20 = 0f;
      float c21 = 0f;
      float c22 = 0f;
      float c23 = 0f;
      float c30 = 0f;
      float c31 = 0f;
      float c32 = 0f;
      float c33 = 0f;
      int a0 = aOff + i * ars;
      int a1 = a0 + ars;
      int a2 = a1 + ars;
      int a3 = a2 + ars;
      int b0 = bOff + j * bjs;
      int b1 = b0 + bjs;
      int b2 = b1 + bjs;
      int b3 = b2 + bjs;
      for (int p = 0; p < k; p++) {
        float y0 = b[b0];
        float y1 = b[b1];
        float y2 = b[b2];
        float y3 = b[b3];
        float x = a[a0];
        c00 = Math.fma(x, y0, c00);
        c01 = Math.fma(x, y1, c01);
        c02 = Math.fma(x, y2, c02);
        c03 = Math.fma(x, y3, c03);
        x = a[a1];
        c10 = Math.fma(x, y0, c10);
        c11 = Math.fma(x, y1, c11);
        c12 = Math.fma(x, y2, c12);
        c13 = Math.fma(x, y3, c13);
        x = a[a2];
        c20 = Math.fma(x, y0, c20);
        c21 = Math.fma(x, y1, c21);
        c22 = Math.fma(x, y2, c22);
        c23 = Math.fma(x, y3, c23);
        x = a[a3];
        c30 = Math.fma(x, y0, c30);
        c31 = Math.fma(x, y1, c31);
        c32 = Math.fma(x, y2, c32);
        c33 = Math.fma(x, y3, c33);
        a0 += aps;
        a1 += aps;
        a2 += aps;
        a3 += aps;
        b0 += bps;
        b1 += bps;
        b2 += bps;
        b3 += bps;
      }
      int ci = cOff + i * ldc + j;
      store(ci, c00);
      store(ci + 1, c01);
      store(ci + 2, c02);
      store(ci + 3, c03);
      ci += ldc;
      store(ci, c10);
      store(ci + 1, c11);
      store(ci + 2, c12);
      store(ci + 3, c13);
      ci += ldc;
      store(ci, c20);
      store(ci + 1, c21);
      store(ci + 2, c22);
      store(ci + 3, c23);
      ci += ldc;
      store(ci, c30);
      store(ci + 1, c31);
      store(ci + 2, c32);
      store(ci + 3, c33);
    }

    /** Elements {@code (i .. i + 3, j)}: four independent chains. */
    private void column(int i, int j) {
      float s0 = 0f;
      float s1 = 0f;
      float s2 = 0f;
      float s3 = 0f;
      int a0 = aOff + i * ars;
      int bj = bOff + j * bjs;
      for (int p = 0; p < k; p++, a0 += aps, bj += bps) {
        float y = b[bj];
        s0 = Math.fma(a[a0], y, s0);
        s1 = Math.fma(a[a0 + ars], y, s1);
        s2 = Math.fma(a[a0 + 2 * ars], y, s2);
        s3 = Math.fma(a[a0 + 3 * ars], y, s3);
      }
      int ci = cOff + i * ldc + j;
      store(ci, s0);
      store(ci + ldc, s1);
      store(ci + 2 * ldc, s2);
      store(ci + 3 * ldc, s3);
    }

    /** Elements {@code (i, j .. j + 3)}: four independent chains. */
    private void row(int i, int j) {
      float s0 = 0f;
      float s1 = 0f;
      float s2 = 0f;
      float s3 = 0f;
      int ai = aOff + i * ars;
      int b0 = bOff + j * bjs;
      for (int p = 0; p < k; p++, ai += aps, b0 += bps) {
        float x = a[ai];
        s0 = Math.fma(x, b[b0], s0);
        s1 = Math.fma(x, b[b0 + bjs], s1);
        s2 = Math.fma(x, b[b0 + 2 * bjs], s2);
        s3 = Math.fma(x, b[b0 + 3 * bjs], s3);
      }
      int ci = cOff + i * ldc + j;
      store(ci, s0);
      store(ci + 1, s1);
      store(ci + 2, s2);
      store(ci + 3, s3);
    }

    private void element(int i, int j) {
      float s = 0f;
      int ai = aOff + i * ars;
      int bj = bOff + j * bjs;
      for (int p = 0; p < k; p++, ai += aps, bj += bps) {
        s = Math.fma(a[ai], b[bj], s);
      }
      store(cOff + i * ldc + j, s);
    }

    /** {@code C = alpha * s + beta * C}, not reading C when {@code beta == 0}. */
    private void store(int idx, float s) {
      float x = alpha * s;
      c[idx] = beta == 0f ? x : Math.fma(c[idx], beta, x);
    }
  }
}
