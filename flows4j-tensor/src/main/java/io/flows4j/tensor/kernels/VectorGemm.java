package io.flows4j.tensor.kernels;

import static io.flows4j.tensor.kernels.VectorGemmTiles.L;
import static io.flows4j.tensor.kernels.VectorGemmTiles.MR;
import static io.flows4j.tensor.kernels.VectorGemmTiles.NR;

import io.flows4j.tensor.Threads;
import java.util.Arrays;

/**
 * SGEMM on the JDK Vector API: {@code C = alpha * op(A) * op(B) + beta * C} with a register-blocked
 * {@code 4 x 4L} micro-kernel ({@code 4 x 64} with AVX-512) in the manner of GotoBLAS / BLIS (Goto
 * and van de Geijn 2008, Anatomy of High-Performance Matrix Multiplication; Van Zee and van de
 * Geijn 2015, BLIS: A Framework for Rapidly Instantiating BLAS Functionality).
 *
 * <p>The loops, outermost first: inner-dimension blocks of {@link #KC}; the caller's share of
 * column panels of width {@link VectorGemmTiles#NR}, packed once per block (or read in place when
 * op(B) is B itself and small enough to stay in L2); row blocks of A sized to stay in L2, packed
 * into 4-row micro-panels when A is large; then every panel, then every 4-row tile. op(A) is never
 * transposed explicitly: the kernels read element {@code (i, p)} through a row step and a column
 * step, so the four transpose combinations only change strides and the packing of B.
 *
 * <p>Narrow products ({@code n} below the vector length) would leave most lanes empty: with A
 * transposed they are computed as {@code C^T = op(B)^T op(A)^T}, where the long side becomes the
 * vector side and both operands are read in place; with A not transposed and {@code n <=} {@link
 * #DOT_MAX_N} as dot products along the inner dimension.
 *
 * <p>Threads split the output into contiguous ranges of column panels or of 4-row tiles, so every
 * element of C is written by exactly one task with the same kernel and the same blocking of the
 * inner dimension: results are identical, bit for bit, for any thread count. Problems below {@link
 * #PARALLEL_MIN_FLOPS} stay on the calling thread.
 */
final class VectorGemm implements Gemm {

  /**
   * Inner-dimension block. Up to this length each element is one chain of fused multiply-adds;
   * longer products are summed block by block into C. A B panel of {@code KC x NR} floats (256 KiB)
   * stays in the 1 MiB L2.
   */
  static final int KC = 1024;

  /** Floats of A per row block (a quarter of L2), so the block is reused from L2 across panels. */
  static final int A_BLOCK_FLOATS = 64 * 1024;

  /**
   * A is packed into contiguous 4-row micro-panels when {@code m * k} exceeds this many floats (and
   * always when it is strided and k exceeds {@link #A_IN_PLACE_MAX_STRIDED_K}): below it, reading
   * in place is faster than copying.
   */
  static final long A_PACK_MIN_FLOATS = 256 * 1024;

  /**
   * An A whose rows are strided along the inner dimension (transposed storage) is read in place
   * only up to this inner length: beyond it each tile touches too many pages (TLB reach).
   */
  static final int A_IN_PLACE_MAX_STRIDED_K = 512;

  /**
   * Products with at most this many columns (and at least {@link VectorGemmTiles#L} rows, A not
   * transposed) are computed as dot products along the inner dimension. At 256 x 2 x 64 that took
   * 2.4-2.9 us against 9-10 us for tiles whose vectors were 2 lanes full; at k = 64 the two break
   * even near 8 columns (8.8 against 9.0 us), at k = 256 the dot products still win by 1.7x there,
   * and at 12 columns the tiles are faster (8.9 against 12.7 us).
   */
  static final int DOT_MAX_N = 8;

  /**
   * B (not transposed) is read in place when a block of it spans at most this many floats of
   * storage (512 KiB, half the L2, leaving room for the A block); larger spans are packed so that
   * each panel is contiguous (in place, 2048 x 2048 ran at 25-49 GFLOP/s against 104 packed).
   */
  static final long B_IN_PLACE_MAX_FLOATS = 128 * 1024;

  /**
   * B is read in place, whatever its size, when A has fewer rows than this: each panel is then used
   * by too few tiles to repay packing.
   */
  static final int B_PACK_MIN_ROWS = 32;

  /**
   * Products of fewer floating-point operations ({@code 2 m n k}) than this run on the calling
   * thread. Measured on 2 cores with the spinning pool of {@link Threads}: a split already gains
   * 1.6x at 64 x 64 x 64 (0.5 MFLOP, 5.0 to 3.1 us) and 2x at 256 x 64 x 2 (65 kFLOP, 3.3 to 1.7
   * us), while around 0.1 MFLOP the dispatch (about 0.5 us) eats the gain (docs/design-notes.md).
   */
  static final long PARALLEL_MIN_FLOPS = 1L << 18;

  private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

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
      GemmArgs.scale(m, n, beta, c, cOff, ldc);
      return;
    }
    // op(A)(i, p) = a[aOff + i * ars + p * aps]; op(B)(p, j) = b[bOff + p * bps + j * bjs].
    int ars = transA ? 1 : lda;
    int aps = transA ? lda : 1;
    int bps = transB ? 1 : ldb;
    int bjs = transB ? ldb : 1;
    if (n < L && m >= L) {
      if (!transA && n <= DOT_MAX_N) {
        new DotJob(m, n, k, alpha, a, aOff, lda, b, bOff, bps, bjs, beta, c, cOff, ldc).start();
        return;
      }
      if (transA) {
        // C^T = op(B)^T op(A)^T: the long side m becomes the vector side, and op(A)^T is A itself.
        new TileJob(n, m, k, alpha, b, bOff, bjs, bps, a, aOff, aps, ars, beta, c, cOff, 1, ldc)
            .start();
        return;
      }
    }
    new TileJob(m, n, k, alpha, a, aOff, ars, aps, b, bOff, bps, bjs, beta, c, cOff, ldc, 1)
        .start();
  }

  @Override
  public String name() {
    return "vector-" + VectorGemmTiles.F.vectorBitSize();
  }

  /**
   * The number of tasks for a product of {@code units} independent parts: 1 below {@link
   * #PARALLEL_MIN_FLOPS} or with one thread.
   */
  static int tasks(int m, int n, int k, int units) {
    int threads = Threads.count();
    if (threads <= 1 || 2.0 * m * n * k < PARALLEL_MIN_FLOPS) {
      return 1;
    }
    return Math.min(threads, units);
  }

  /**
   * Whether to split over column panels (each task packs only its own part of B) rather than over
   * rows (each task packs all of B): panels when they divide evenly or are plentiful.
   */
  static boolean splitPanels(int panels, int rowTiles, int tasks) {
    if (panels < tasks) {
      return false;
    }
    return panels % tasks == 0 || panels >= 4 * tasks || rowTiles < tasks;
  }

  private static int ceilDiv(int x, int y) {
    return (x + y - 1) / y;
  }

  /** Per-thread buffers, grown on demand and kept: no allocation once warm. */
  private static final class Workspace {
    final float[] tile = new float[MR * NR];
    float[] packedA = new float[0];
    float[] packedB = new float[0];

    float[] packedA(int size) {
      if (packedA.length < size) {
        packedA = new float[size];
      }
      return packedA;
    }

    float[] packedB(int size) {
      if (packedB.length < size) {
        packedB = new float[size];
      }
      return packedB;
    }
  }

  /**
   * A product computed by the tile kernels on an oriented view: {@code C' = alpha A' B' + beta C'}
   * with {@code A'(i, p) = a[aOff + i ars + p aps]} ({@code m x k}), {@code B'(p, j) = b[bOff + p
   * bps + j bjs]} ({@code k x n}) and {@code C'(i, j) = c[cOff + i crs + j ccs]}. The plain
   * orientation is {@code C' = C}; the transposed one computes {@code C^T = op(B)^T op(A)^T}.
   */
  private record TileJob(
      int m,
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
      int crs,
      int ccs) {

    void start() {
      int panels = ceilDiv(n, NR);
      int rowTiles = ceilDiv(m, MR);
      int tasks = tasks(m, n, k, Math.max(panels, rowTiles));
      if (tasks <= 1) {
        run(0, m, 0, panels);
      } else if (splitPanels(panels, rowTiles, tasks)) {
        Threads.runSplit(panels, tasks, (from, to) -> run(0, m, from, to));
      } else {
        Threads.runSplit(
            rowTiles, tasks, (from, to) -> run(from * MR, Math.min(m, to * MR), 0, panels));
      }
    }

    /**
     * Computes rows {@code [rowFrom, rowTo)} of C' in column panels {@code [panelFrom, panelTo)}.
     */
    void run(int rowFrom, int rowTo, int panelFrom, int panelTo) {
      Workspace ws = WORKSPACE.get();
      float[] t = ws.tile;
      boolean packA =
          (long) m * k > A_PACK_MIN_FLOATS || (aps != 1 && k > A_IN_PLACE_MAX_STRIDED_K);
      for (int pc = 0; pc < k; pc += KC) {
        int kc = Math.min(KC, k - pc);
        float betaPc = pc == 0 ? beta : 1f;
        int aBlock = aOff + pc * aps;
        int bBlock = bOff + pc * bps;
        boolean bInPlace =
            bjs == 1 && ((long) kc * bps <= B_IN_PLACE_MAX_FLOATS || m < B_PACK_MIN_ROWS);
        float[] bp = packPanels(ws, bBlock, kc, panelFrom, panelTo, bInPlace);
        int mcMax = Math.max(MR, A_BLOCK_FLOATS / kc / MR * MR);
        for (int ic = rowFrom; ic < rowTo; ic += mcMax) {
          int mc = Math.min(mcMax, rowTo - ic);
          float[] as;
          int asOff;
          int asRowStep;
          int asColStep;
          if (packA) {
            as = ws.packedA(ceilDiv(mc, MR) * MR * kc);
            packA(as, aBlock + ic * ars, mc, kc);
            asOff = 0;
            asRowStep = 1;
            asColStep = MR;
          } else {
            as = a;
            asOff = aBlock + ic * ars;
            asRowStep = ars;
            asColStep = aps;
          }
          for (int jp = panelFrom; jp < panelTo; jp++) {
            int j0 = jp * NR;
            int cols = Math.min(NR, n - j0);
            int nv = ceilDiv(cols, L);
            float[] bs;
            int bi;
            int bRowStep;
            if (bInPlace && cols % L == 0) {
              bs = b;
              bi = bBlock + j0;
              bRowStep = bps;
            } else {
              bs = bp;
              bi = bInPlace ? 0 : (jp - panelFrom) * kc * NR;
              bRowStep = nv * L;
            }
            int ci = cOff + ic * crs + j0 * ccs;
            panel(
                mc, kc, packA, as, asOff, asRowStep, asColStep, bs, bi, bRowStep, cols, ci, betaPc,
                t);
          }
        }
      }
    }

    /**
     * Multiplies the A block (rows {@code [0, mc)}, in place or packed) by one B panel into C, tile
     * by tile. Kept apart from {@link #run} so that it is compiled on its own: a change of layout
     * that deoptimizes {@link #run} does not send this hot loop back to profiled code.
     */
    private void panel(
        int mc,
        int kc,
        boolean packed,
        float[] as,
        int asOff,
        int asRowStep,
        int asColStep,
        float[] bs,
        int bi,
        int bRowStep,
        int cols,
        int ci,
        float betaPc,
        float[] t) {
      int nv = ceilDiv(cols, L);
      int r = 0;
      for (; r + MR <= mc; r += MR, ci += MR * crs) {
        int ai = packed ? r * kc : asOff + r * asRowStep;
        VectorGemmTiles.tile4(nv, kc, as, ai, asRowStep, asColStep, bs, bi, bRowStep, t);
        update(t, MR, cols, ci, betaPc);
      }
      for (; r < mc; r++, ci += crs) {
        int ai = packed ? (r - r % MR) * kc + r % MR : asOff + r * asRowStep;
        VectorGemmTiles.tile1(nv, kc, as, ai, asColStep, bs, bi, bRowStep, t);
        update(t, 1, cols, ci, betaPc);
      }
    }

    private void update(float[] t, int rows, int cols, int ci, float betaPc) {
      if (ccs == 1) {
        VectorGemmTiles.update(t, rows, cols, c, ci, crs, alpha, betaPc);
        return;
      }
      // Transposed orientation: walk C row by row (j' outer) so the writes are contiguous.
      for (int j = 0; j < cols; j++) {
        int cj = ci + j * ccs;
        for (int r = 0; r < rows; r++) {
          int idx = cj + r * crs;
          float x = alpha * t[r * NR + j];
          c[idx] = betaPc == 0f ? x : Math.fma(c[idx], betaPc, x);
        }
      }
    }

    /**
     * Packs the B' panels {@code [panelFrom, panelTo)} of the inner block starting at {@code
     * bBlock}: panel {@code jp} goes to offset {@code (jp - panelFrom) kc NR}, each of its {@code
     * kc} rows holding {@code round_up(cols, L)} floats (zero-padded). With {@code bInPlace} only a
     * last panel whose width is not a whole number of vectors is packed, to offset 0.
     */
    private float[] packPanels(
        Workspace ws, int bBlock, int kc, int panelFrom, int panelTo, boolean bInPlace) {
      if (bInPlace) {
        int j0 = (panelTo - 1) * NR;
        int cols = Math.min(NR, n - j0);
        if (cols % L == 0) {
          return ws.packedB(0);
        }
        float[] bp = ws.packedB(kc * NR);
        packPanel(bp, 0, bBlock, kc, j0, cols);
        return bp;
      }
      float[] bp = ws.packedB((panelTo - panelFrom) * kc * NR);
      for (int jp = panelFrom; jp < panelTo; jp++) {
        int j0 = jp * NR;
        packPanel(bp, (jp - panelFrom) * kc * NR, bBlock, kc, j0, Math.min(NR, n - j0));
      }
      return bp;
    }

    /** Copies B'[0 : kc, j0 : j0 + cols] of the block at {@code bBlock}, rows padded to vectors. */
    private void packPanel(float[] dst, int dstOff, int bBlock, int kc, int j0, int cols) {
      int w = ceilDiv(cols, L) * L;
      if (bjs == 1) {
        int src = bBlock + j0;
        for (int p = 0, d = dstOff; p < kc; p++, src += bps, d += w) {
          System.arraycopy(b, src, dst, d, cols);
        }
      } else if (bps == 1) {
        // Each column of B' is contiguous in B: a transposition.
        VectorGemmTiles.transpose(b, bBlock + j0 * bjs, bjs, dst, dstOff, w, cols, kc);
      } else {
        for (int p = 0, d = dstOff; p < kc; p++, d += w) {
          for (int jj = 0; jj < cols; jj++) {
            dst[d + jj] = b[bBlock + p * bps + (j0 + jj) * bjs];
          }
        }
      }
      if (cols < w) {
        for (int p = 0, d = dstOff; p < kc; p++, d += w) {
          Arrays.fill(dst, d + cols, d + w, 0f);
        }
      }
    }

    /**
     * Packs {@code mc} rows of A' starting at {@code a[src]} into 4-row micro-panels: element
     * {@code (r, p)} of micro-panel {@code q} goes to {@code q MR kc + p MR + r}. A last
     * micro-panel of fewer rows leaves its missing rows unwritten (they are never read).
     */
    private void packA(float[] dst, int src, int mc, int kc) {
      for (int r0 = 0; r0 < mc; r0 += MR, src += MR * ars) {
        int rows = Math.min(MR, mc - r0);
        // p outer: with transposed storage (ars == 1) the MR values of one p are contiguous.
        for (int p = 0, d = r0 * kc, s = src; p < kc; p++, d += MR, s += aps) {
          for (int r = 0; r < rows; r++) {
            dst[d + r] = a[s + r * ars];
          }
        }
      }
    }
  }

  /**
   * A product with few columns ({@code n <= DOT_MAX_N}) and A not transposed, computed as dot
   * products along the inner dimension: both op(A) rows and op(B) columns are then contiguous, and
   * no vector lane is wasted on columns that do not exist. Each element is the lane sum (in the
   * fixed order of {@link VectorGemmTiles#sumLanes}) of vector partial sums over the first {@code k
   * - k % L} indices, followed by a fused multiply-add chain over the rest.
   */
  private record DotJob(
      int m,
      int n,
      int k,
      float alpha,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int bps,
      int bjs,
      float beta,
      float[] c,
      int cOff,
      int ldc) {

    void start() {
      int rowTiles = ceilDiv(m, MR);
      int tasks = tasks(m, n, k, rowTiles);
      if (tasks <= 1) {
        run(0, m);
      } else {
        Threads.runSplit(rowTiles, tasks, (from, to) -> run(from * MR, Math.min(m, to * MR)));
      }
    }

    void run(int rowFrom, int rowTo) {
      Workspace ws = WORKSPACE.get();
      float[] t = ws.tile;
      // B'(j, p) = op(B)(p, j) must be contiguous in p: it is when B is transposed, else copy it.
      float[] bt;
      int bi;
      int brs;
      if (bps == 1) {
        bt = b;
        bi = bOff;
        brs = bjs;
      } else {
        bt = ws.packedB(n * k);
        for (int p = 0; p < k; p++) {
          int s = bOff + p * bps;
          for (int j = 0; j < n; j++) {
            bt[j * k + p] = b[s + j * bjs];
          }
        }
        bi = 0;
        brs = k;
      }
      int kv = k - k % L;
      for (int i0 = rowFrom; i0 < rowTo; i0 += MR) {
        int rows = Math.min(MR, rowTo - i0);
        int ai = aOff + i0 * lda;
        for (int j0 = 0; j0 < n; ) {
          int nj = n - j0 >= 4 ? 4 : n - j0 >= 2 ? 2 : 1;
          VectorGemmTiles.dot(rows, nj, kv, a, ai, lda, bt, bi + j0 * brs, brs, t);
          for (int r = 0; r < rows; r++) {
            int ar = ai + r * lda;
            int ci = cOff + (i0 + r) * ldc + j0;
            for (int j = 0; j < nj; j++) {
              float s = VectorGemmTiles.sumLanes(t, (r * 4 + j) * L);
              int bj = bi + (j0 + j) * brs;
              for (int p = kv; p < k; p++) {
                s = Math.fma(a[ar + p], bt[bj + p], s);
              }
              float x = alpha * s;
              c[ci + j] = beta == 0f ? x : Math.fma(c[ci + j], beta, x);
            }
          }
          j0 += nj;
        }
      }
    }
  }
}
