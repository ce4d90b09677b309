package io.flows4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-blocked inner kernels of {@link VectorGemm}: each computes one tile of {@code op(A)
 * * op(B)} for a block of {@code kc} inner indices, keeping the whole tile in vector registers, and
 * then spills it to a scratch tile {@code t} (row stride {@link #NR}) from which {@link #update}
 * applies {@code alpha} and {@code beta} to C.
 *
 * <p>A tile is {@code R} rows of A by {@code nv} vectors of B columns. Element {@code (r, p)} of A
 * is {@code a[ai + r * ars + p * aps]}, so the same kernel reads A in place (row-major, transposed)
 * or packed; row {@code p} of the B panel starts at {@code b[bi + p * bps]} and holds at least
 * {@code nv} full vectors (callers pad partial panels), so no load is masked.
 *
 * <p>Every output element is computed by the same chain of fused multiply-adds over {@code p} in
 * increasing order, whatever the tile shape, so results do not depend on where tile edges fall (and
 * hence not on how the work is split between threads).
 *
 * <p>Why the code has this shape (measured on JDK 25, see docs/design-notes.md): one method per
 * tile shape with its accumulators in locals keeps C2's graph under its inlining budget; with the C
 * update in the same method C2 stopped inlining Vector API calls and boxed every vector (100x
 * slower). The scratch spill costs 2 x 16 vector moves per tile, under 2% at {@code kc = 64}.
 */
final class VectorGemmTiles {
  /** The vector shape: the platform's preferred width (16 floats with AVX-512). */
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  /** Floats per vector. */
  static final int L = F.length();

  /** Rows of the full tile (the micro-kernel's {@code m_r}). */
  static final int MR = 4;

  /** Columns of the full tile: four vectors (the micro-kernel's {@code n_r}). */
  static final int NR = 4 * L;

  /**
   * Lane permutations {@code i -> i ^ d} of the lane-sum butterfly (identity where out of range).
   */
  private static final VectorShuffle<Float> XOR1 = xor(1);

  private static final VectorShuffle<Float> XOR2 = xor(2);
  private static final VectorShuffle<Float> XOR4 = xor(4);
  private static final VectorShuffle<Float> XOR8 = xor(8);

  private static final VectorShuffle<Float> LO8 = exchange(8, false);
  private static final VectorShuffle<Float> HI8 = exchange(8, true);
  private static final VectorShuffle<Float> LO4 = exchange(4, false);
  private static final VectorShuffle<Float> HI4 = exchange(4, true);
  private static final VectorShuffle<Float> LO2 = exchange(2, false);
  private static final VectorShuffle<Float> HI2 = exchange(2, true);
  private static final VectorShuffle<Float> LO1 = exchange(1, false);
  private static final VectorShuffle<Float> HI1 = exchange(1, true);

  private VectorGemmTiles() {}

  /**
   * Two-vector shuffles for stage {@code d} of {@link #transpose16}: lane l of the low output takes
   * lane l of the first row, or (where bit d of l is set) lane {@code l - d} of the second; the
   * high output takes lane {@code l + d} of the first or lane l of the second. Negative indexes
   * select from the second vector.
   */
  private static VectorShuffle<Float> exchange(int d, boolean high) {
    int[] x = new int[L];
    for (int l = 0; l < L; l++) {
      boolean first = (l & d) == 0;
      x[l] = high ? (first ? (l + d) % L : l - L) : (first ? l : l - d - L);
    }
    return VectorShuffle.fromValues(F, x);
  }

  private static VectorShuffle<Float> xor(int d) {
    return VectorShuffle.fromOp(F, i -> (i ^ d) < L ? i ^ d : i);
  }

  /**
   * Computes an {@code MR x (nv L)} tile into {@code t}.
   *
   * @param nv number of vectors of columns, 1 to 4
   */
  static void tile4(
      int nv, int kc, float[] a, int ai, int ars, int aps, float[] b, int bi, int bps, float[] t) {
    switch (nv) {
      case 4 -> tile4x4(kc, a, ai, ars, aps, b, bi, bps, t);
      case 3 -> tile4x3(kc, a, ai, ars, aps, b, bi, bps, t);
      case 2 -> tile4x2(kc, a, ai, ars, aps, b, bi, bps, t);
      case 1 -> tile4x1(kc, a, ai, ars, aps, b, bi, bps, t);
      default -> throw new IllegalArgumentException("tile4: nv must be in [1, 4], but was " + nv);
    }
  }

  /**
   * Computes a {@code 1 x (nv L)} tile into row 0 of {@code t}.
   *
   * @param nv number of vectors of columns, 1 to 4
   */
  static void tile1(
      int nv, int kc, float[] a, int ai, int aps, float[] b, int bi, int bps, float[] t) {
    switch (nv) {
      case 4 -> tile1x4(kc, a, ai, aps, b, bi, bps, t);
      case 3 -> tile1x3(kc, a, ai, aps, b, bi, bps, t);
      case 2 -> tile1x2(kc, a, ai, aps, b, bi, bps, t);
      case 1 -> tile1x1(kc, a, ai, aps, b, bi, bps, t);
      default -> throw new IllegalArgumentException("tile1: nv must be in [1, 4], but was " + nv);
    }
  }

  /**
   * Writes {@code C = alpha * T + beta * C} for {@code rows x cols} elements, where T is the
   * scratch tile (row stride {@link #NR}) and C starts at {@code c[ci]} with row stride {@code
   * ldc}. When {@code beta == 0} C is not read. Each element is {@code fma(c, beta, alpha * t)} in
   * vector lanes and in the scalar tail alike, so both give the same bits.
   */
  static void update(
      float[] t, int rows, int cols, float[] c, int ci, int ldc, float alpha, float beta) {
    int full = cols - cols % L;
    VectorMask<Float> tail = F.indexInRange(full, cols);
    FloatVector bv = FloatVector.broadcast(F, beta);
    for (int r = 0; r < rows; r++, ci += ldc) {
      int ti = r * NR;
      for (int j = 0; j < full; j += L) {
        FloatVector x = FloatVector.fromArray(F, t, ti + j).mul(alpha);
        if (beta != 0f) {
          x = FloatVector.fromArray(F, c, ci + j).fma(bv, x);
        }
        x.intoArray(c, ci + j);
      }
      if (full == cols) {
        continue;
      }
      if (ci + full + L <= c.length) {
        // Masked lanes are neither read nor written, so C's neighbours stay untouched.
        FloatVector x = FloatVector.fromArray(F, t, ti + full).mul(alpha);
        if (beta != 0f) {
          x = FloatVector.fromArray(F, c, ci + full, tail).fma(bv, x);
        }
        x.intoArray(c, ci + full, tail);
      } else {
        // A full vector would reach past the end of the array, where masked access is slow.
        for (int j = full; j < cols; j++) {
          float x = alpha * t[ti + j];
          c[ci + j] = beta == 0f ? x : Math.fma(c[ci + j], beta, x);
        }
      }
    }
  }

  /**
   * Computes a block of {@code rows x nj} dot products (rows 1 to 4, nj 1, 2 or 4) over the first
   * {@code kv} indices (a multiple of {@link #L}), leaving vectors of partial sums at {@code t[(r *
   * 4 + j) L]} for {@link #sumLanes(float[], int)}: row r of A starts at {@code a[ai + r * ars]},
   * row j of B' at {@code b[bi + j * brs]}, both contiguous. The sums are spilled rather than
   * reduced here because sixteen inlined reductions push C2 past its inlining budget.
   */
  static void dot(
      int rows, int nj, int kv, float[] a, int ai, int ars, float[] b, int bi, int brs, float[] t) {
    if (rows == MR) {
      switch (nj) {
        case 4 -> dot4x4(kv, a, ai, ars, b, bi, brs, t, 0);
        case 2 -> dot4x2(kv, a, ai, ars, b, bi, brs, t, 0);
        case 1 -> dot4x1(kv, a, ai, ars, b, bi, brs, t, 0);
        default -> throw new IllegalArgumentException("dot: nj must be 1, 2 or 4, but was " + nj);
      }
      return;
    }
    for (int r = 0; r < rows; r++) {
      switch (nj) {
        case 4 -> dot1x4(kv, a, ai + r * ars, b, bi, brs, t, r * 4 * L);
        case 2 -> dot1x2(kv, a, ai + r * ars, b, bi, brs, t, r * 4 * L);
        case 1 -> dot1x1(kv, a, ai + r * ars, b, bi, brs, t, r * 4 * L);
        default -> throw new IllegalArgumentException("dot: nj must be 1, 2 or 4, but was " + nj);
      }
    }
  }

  /**
   * The sum of the {@link #L} floats at {@code t[offset]} in a fixed order: a butterfly that adds
   * each lane to the lane {@code L/2}, then {@code L/4}, ... away, so lane 0 ends with the total.
   * Unlike {@code reduceLanes(ADD)}, whose order is unspecified and may differ between the
   * interpreter and compiled code, this gives the same bits everywhere (and was 4x faster than
   * adding halves through {@code reinterpretShape}).
   */
  static float sumLanes(float[] t, int offset) {
    FloatVector v = FloatVector.fromArray(F, t, offset);
    if (L > 16) {
      float s = 0f;
      for (int i = 0; i < L; i++) {
        s += v.lane(i);
      }
      return s;
    }
    if (L == 16) {
      v = v.add(v.rearrange(XOR8));
    }
    if (L >= 8) {
      v = v.add(v.rearrange(XOR4));
    }
    if (L >= 4) {
      v = v.add(v.rearrange(XOR2));
    }
    if (L >= 2) {
      v = v.add(v.rearrange(XOR1));
    }
    return v.lane(0);
  }

  /**
   * Transposes a {@code rows x cols} block: {@code dst[dOff + c * dStride + r] = src[sOff + r *
   * sStride + c]}, in 16 x 16 blocks with vector permutations where the vectors have 16 lanes (3x
   * faster than scalar copies), the edges element by element.
   */
  static void transpose(
      float[] src, int sOff, int sStride, float[] dst, int dOff, int dStride, int rows, int cols) {
    int r0 = 0;
    if (L == 16) {
      for (; r0 + 16 <= rows; r0 += 16) {
        int c0 = 0;
        for (; c0 + 16 <= cols; c0 += 16) {
          transpose16(
              src, sOff + r0 * sStride + c0, sStride, dst, dOff + c0 * dStride + r0, dStride);
        }
        transposeScalar(src, sOff, sStride, dst, dOff, dStride, r0, r0 + 16, c0, cols);
      }
    }
    transposeScalar(src, sOff, sStride, dst, dOff, dStride, r0, rows, 0, cols);
  }

  private static void transposeScalar(
      float[] src,
      int sOff,
      int sStride,
      float[] dst,
      int dOff,
      int dStride,
      int rowFrom,
      int rowTo,
      int colFrom,
      int colTo) {
    for (int r = rowFrom; r < rowTo; r++) {
      int si = sOff + r * sStride;
      for (int c = colFrom, d = dOff + colFrom * dStride + r; c < colTo; c++, d += dStride) {
        dst[d] = src[si + c];
      }
    }
  }

  /**
   * Transposes one 16 x 16 block: {@code dst[dOff + c * dStride + r] = src[sOff + r * sStride +
   * c]}. Four butterfly stages exchange the off-diagonal 8 x 8, 4 x 4, 2 x 2 and 1 x 1 sub-blocks,
   * each pair of rows with one two-vector permutation per output row.
   */
  static void transpose16(float[] src, int sOff, int sStride, float[] dst, int dOff, int dStride) {
    FloatVector r0 = FloatVector.fromArray(F, src, sOff);
    FloatVector r1 = FloatVector.fromArray(F, src, sOff + sStride);
    FloatVector r2 = FloatVector.fromArray(F, src, sOff + 2 * sStride);
    FloatVector r3 = FloatVector.fromArray(F, src, sOff + 3 * sStride);
    FloatVector r4 = FloatVector.fromArray(F, src, sOff + 4 * sStride);
    FloatVector r5 = FloatVector.fromArray(F, src, sOff + 5 * sStride);
    FloatVector r6 = FloatVector.fromArray(F, src, sOff + 6 * sStride);
    FloatVector r7 = FloatVector.fromArray(F, src, sOff + 7 * sStride);
    FloatVector r8 = FloatVector.fromArray(F, src, sOff + 8 * sStride);
    FloatVector r9 = FloatVector.fromArray(F, src, sOff + 9 * sStride);
    FloatVector r10 = FloatVector.fromArray(F, src, sOff + 10 * sStride);
    FloatVector r11 = FloatVector.fromArray(F, src, sOff + 11 * sStride);
    FloatVector r12 = FloatVector.fromArray(F, src, sOff + 12 * sStride);
    FloatVector r13 = FloatVector.fromArray(F, src, sOff + 13 * sStride);
    FloatVector r14 = FloatVector.fromArray(F, src, sOff + 14 * sStride);
    FloatVector r15 = FloatVector.fromArray(F, src, sOff + 15 * sStride);
    FloatVector s8_0 = r0.rearrange(LO8, r8);
    FloatVector s8_8 = r0.rearrange(HI8, r8);
    FloatVector s8_1 = r1.rearrange(LO8, r9);
    FloatVector s8_9 = r1.rearrange(HI8, r9);
    FloatVector s8_2 = r2.rearrange(LO8, r10);
    FloatVector s8_10 = r2.rearrange(HI8, r10);
    FloatVector s8_3 = r3.rearrange(LO8, r11);
    FloatVector s8_11 = r3.rearrange(HI8, r11);
    FloatVector s8_4 = r4.rearrange(LO8, r12);
    FloatVector s8_12 = r4.rearrange(HI8, r12);
    FloatVector s8_5 = r5.rearrange(LO8, r13);
    FloatVector s8_13 = r5.rearrange(HI8, r13);
    FloatVector s8_6 = r6.rearrange(LO8, r14);
    FloatVector s8_14 = r6.rearrange(HI8, r14);
    FloatVector s8_7 = r7.rearrange(LO8, r15);
    FloatVector s8_15 = r7.rearrange(HI8, r15);
    FloatVector s4_0 = s8_0.rearrange(LO4, s8_4);
    FloatVector s4_4 = s8_0.rearrange(HI4, s8_4);
    FloatVector s4_1 = s8_1.rearrange(LO4, s8_5);
    FloatVector s4_5 = s8_1.rearrange(HI4, s8_5);
    FloatVector s4_2 = s8_2.rearrange(LO4, s8_6);
    FloatVector s4_6 = s8_2.rearrange(HI4, s8_6);
    FloatVector s4_3 = s8_3.rearrange(LO4, s8_7);
    FloatVector s4_7 = s8_3.rearrange(HI4, s8_7);
    FloatVector s4_8 = s8_8.rearrange(LO4, s8_12);
    FloatVector s4_12 = s8_8.rearrange(HI4, s8_12);
    FloatVector s4_9 = s8_9.rearrange(LO4, s8_13);
    FloatVector s4_13 = s8_9.rearrange(HI4, s8_13);
    FloatVector s4_10 = s8_10.rearrange(LO4, s8_14);
    FloatVector s4_14 = s8_10.rearrange(HI4, s8_14);
    FloatVector s4_11 = s8_11.rearrange(LO4, s8_15);
    FloatVector s4_15 = s8_11.rearrange(HI4, s8_15);
    FloatVector s2_0 = s4_0.rearrange(LO2, s4_2);
    FloatVector s2_2 = s4_0.rearrange(HI2, s4_2);
    FloatVector s2_1 = s4_1.rearrange(LO2, s4_3);
    FloatVector s2_3 = s4_1.rearrange(HI2, s4_3);
    FloatVector s2_4 = s4_4.rearrange(LO2, s4_6);
    FloatVector s2_6 = s4_4.rearrange(HI2, s4_6);
    FloatVector s2_5 = s4_5.rearrange(LO2, s4_7);
    FloatVector s2_7 = s4_5.rearrange(HI2, s4_7);
    FloatVector s2_8 = s4_8.rearrange(LO2, s4_10);
    FloatVector s2_10 = s4_8.rearrange(HI2, s4_10);
    FloatVector s2_9 = s4_9.rearrange(LO2, s4_11);
    FloatVector s2_11 = s4_9.rearrange(HI2, s4_11);
    FloatVector s2_12 = s4_12.rearrange(LO2, s4_14);
    FloatVector s2_14 = s4_12.rearrange(HI2, s4_14);
    FloatVector s2_13 = s4_13.rearrange(LO2, s4_15);
    FloatVector s2_15 = s4_13.rearrange(HI2, s4_15);
    FloatVector t1_0 = s2_0.rearrange(LO1, s2_1);
    FloatVector t1_1 = s2_0.rearrange(HI1, s2_1);
    FloatVector t1_2 = s2_2.rearrange(LO1, s2_3);
    FloatVector t1_3 = s2_2.rearrange(HI1, s2_3);
    FloatVector t1_4 = s2_4.rearrange(LO1, s2_5);
    FloatVector t1_5 = s2_4.rearrange(HI1, s2_5);
    FloatVector t1_6 = s2_6.rearrange(LO1, s2_7);
    FloatVector t1_7 = s2_6.rearrange(HI1, s2_7);
    FloatVector t1_8 = s2_8.rearrange(LO1, s2_9);
    FloatVector t1_9 = s2_8.rearrange(HI1, s2_9);
    FloatVector t1_10 = s2_10.rearrange(LO1, s2_11);
    FloatVector t1_11 = s2_10.rearrange(HI1, s2_11);
    FloatVector t1_12 = s2_12.rearrange(LO1, s2_13);
    FloatVector t1_13 = s2_12.rearrange(HI1, s2_13);
    FloatVector t1_14 = s2_14.rearrange(LO1, s2_15);
    FloatVector t1_15 = s2_14.rearrange(HI1, s2_15);
    t1_0.intoArray(dst, dOff);
    t1_1.intoArray(dst, dOff + dStride);
    t1_2.intoArray(dst, dOff + 2 * dStride);
    t1_3.intoArray(dst, dOff + 3 * dStride);
    t1_4.intoArray(dst, dOff + 4 * dStride);
    t1_5.intoArray(dst, dOff + 5 * dStride);
    t1_6.intoArray(dst, dOff + 6 * dStride);
    t1_7.intoArray(dst, dOff + 7 * dStride);
    t1_8.intoArray(dst, dOff + 8 * dStride);
    t1_9.intoArray(dst, dOff + 9 * dStride);
    t1_10.intoArray(dst, dOff + 10 * dStride);
    t1_11.intoArray(dst, dOff + 11 * dStride);
    t1_12.intoArray(dst, dOff + 12 * dStride);
    t1_13.intoArray(dst, dOff + 13 * dStride);
    t1_14.intoArray(dst, dOff + 14 * dStride);
    t1_15.intoArray(dst, dOff + 15 * dStride);
  }

  // The tiles below are written out in full on purpose: the accumulators must be locals for C2 to
  // keep them in registers.

  /** 4 rows x 4 vectors: sums over {@code p < kc} into {@code t} (row stride {@link #NR}). */
  static void tile4x4(
      int kc, float[] a, int ai, int ars, int aps, float[] b, int bi, int bps, float[] t) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    FloatVector c01 = z;
    FloatVector c02 = z;
    FloatVector c03 = z;
    FloatVector c10 = z;
    FloatVector c11 = z;
    FloatVector c12 = z;
    FloatVector c13 = z;
    FloatVector c20 = z;
    FloatVector c21 = z;
    FloatVector c22 = z;
    FloatVector c23 = z;
    FloatVector c30 = z;
    FloatVector c31 = z;
    FloatVector c32 = z;
    FloatVector c33 = z;
    int a0 = ai;
    int a1 = ai + ars;
    int a2 = ai + 2 * ars;
    int a3 = ai + 3 * ars;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(F, b, bi);
      FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
      FloatVector b2 = FloatVector.fromArray(F, b, bi + 2 * L);
      FloatVector b3 = FloatVector.fromArray(F, b, bi + 3 * L);
      FloatVector x0 = FloatVector.broadcast(F, a[a0]);
      c00 = x0.fma(b0, c00);
      c01 = x0.fma(b1, c01);
      c02 = x0.fma(b2, c02);
      c03 = x0.fma(b3, c03);
      FloatVector x1 = FloatVector.broadcast(F, a[a1]);
      c10 = x1.fma(b0, c10);
      c11 = x1.fma(b1, c11);
      c12 = x1.fma(b2, c12);
      c13 = x1.fma(b3, c13);
      FloatVector x2 = FloatVector.broadcast(F, a[a2]);
      c20 = x2.fma(b0, c20);
      c21 = x2.fma(b1, c21);
      c22 = x2.fma(b2, c22);
      c23 = x2.fma(b3, c23);
      FloatVector x3 = FloatVector.broadcast(F, a[a3]);
      c30 = x3.fma(b0, c30);
      c31 = x3.fma(b1, c31);
      c32 = x3.fma(b2, c32);
      c33 = x3.fma(b3, c33);
      a0 += aps;
      a1 += aps;
      a2 += aps;
      a3 += aps;
      bi += bps;
    }
    c00.intoArray(t, 0);
    c01.intoArray(t, L);
    c02.intoArray(t, 2 * L);
    c03.intoArray(t, 3 * L);
    c10.intoArray(t, NR);
    c11.intoArray(t, NR + L);
    c12.intoArray(t, NR + 2 * L);
    c13.intoArray(t, NR + 3 * L);
    c20.intoArray(t, 2 * NR);
    c21.intoArray(t, 2 * NR + L);
    c22.intoArray(t, 2 * NR + 2 * L);
    c23.intoArray(t, 2 * NR + 3 * L);
    c30.intoArray(t, 3 * NR);
    c31.intoArray(t, 3 * NR + L);
    c32.intoArray(t, 3 * NR + 2 * L);
    c33.intoArray(t, 3 * NR + 3 * L);
  }

  /** 4 rows x 3 vectors: sums over {@code p < kc} into {@code t} (row stride {@link #NR}). */
  static void tile4x3(
      int kc, float[] a, int ai, int ars, int aps, float[] b, int bi, int bps, float[] t) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    FloatVector c01 = z;
    FloatVector c02 = z;
    FloatVector c10 = z;
    FloatVector c11 = z;
    FloatVector c12 = z;
    FloatVector c20 = z;
    FloatVector c21 = z;
    FloatVector c22 = z;
    FloatVector c30 = z;
    FloatVector c31 = z;
    FloatVector c32 = z;
    int a0 = ai;
    int a1 = ai + ars;
    int a2 = ai + 2 * ars;
    int a3 = ai + 3 * ars;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(F, b, bi);
      FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
      FloatVector b2 = FloatVector.fromArray(F, b, bi + 2 * L);
      FloatVector x0 = FloatVector.broadcast(F, a[a0]);
      c00 = x0.fma(b0, c00);
      c01 = x0.fma(b1, c01);
      c02 = x0.fma(b2, c02);
      FloatVector x1 = FloatVector.broadcast(F, a[a1]);
      c10 = x1.fma(b0, c10);
      c11 = x1.fma(b1, c11);
      c12 = x1.fma(b2, c12);
      FloatVector x2 = FloatVector.broadcast(F, a[a2]);
      c20 = x2.fma(b0, c20);
      c21 = x2.fma(b1, c21);
      c22 = x2.fma(b2, c22);
      FloatVector x3 = FloatVector.broadcast(F, a[a3]);
      c30 = x3.fma(b0, c30);
      c31 = x3.fma(b1, c31);
      c32 = x3.fma(b2, c32);
      a0 += aps;
      a1 += aps;
      a2 += aps;
      a3 += aps;
      bi += bps;
    }
    c00.intoArray(t, 0);
    c01.intoArray(t, L);
    c02.intoArray(t, 2 * L);
    c10.intoArray(t, NR);
    c11.intoArray(t, NR + L);
    c12.intoArray(t, NR + 2 * L);
    c20.intoArray(t, 2 * NR);
    c21.intoArray(t, 2 * NR + L);
    c22.intoArray(t, 2 * NR + 2 * L);
    c30.intoArray(t, 3 * NR);
    c31.intoArray(t, 3 * NR + L);
    c32.intoArray(t, 3 * NR + 2 * L);
  }

  /** 4 rows x 2 vectors: sums over {@code p < kc} into {@code t} (row stride {@link #NR}). */
  static void tile4x2(
      int kc, float[] a, int ai, int ars, int aps, float[] b, int bi, int bps, float[] t) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    FloatVector c01 = z;
    FloatVector c10 = z;
    FloatVector c11 = z;
    FloatVector c20 = z;
    FloatVector c21 = z;
    FloatVector c30 = z;
    FloatVector c31 = z;
    int a0 = ai;
    int a1 = ai + ars;
    int a2 = ai + 2 * ars;
    int a3 = ai + 3 * ars;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(F, b, bi);
      FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
      FloatVector x0 = FloatVector.broadcast(F, a[a0]);
      c00 = x0.fma(b0, c00);
      c01 = x0.fma(b1, c01);
      FloatVector x1 = FloatVector.broadcast(F, a[a1]);
      c10 = x1.fma(b0, c10);
      c11 = x1.fma(b1, c11);
      FloatVector x2 = FloatVector.broadcast(F, a[a2]);
      c20 = x2.fma(b0, c20);
      c21 = x2.fma(b1, c21);
      FloatVector x3 = FloatVector.broadcast(F, a[a3]);
      c30 = x3.fma(b0, c30);
      c31 = x3.fma(b1, c31);
      a0 += aps;
      a1 += aps;
      a2 += aps;
      a3 += aps;
      bi += bps;
    }
    c00.intoArray(t, 0);
    c01.intoArray(t, L);
    c10.intoArray(t, NR);
    c11.intoArray(t, NR + L);
    c20.intoArray(t, 2 * NR);
    c21.intoArray(t, 2 * NR + L);
    c30.intoArray(t, 3 * NR);
    c31.intoArray(t, 3 * NR + L);
  }

  /** 4 rows x 1 vector: sums over {@code p < kc} into {@code t} (row stride {@link #NR}). */
  static void tile4x1(
      int kc, float[] a, int ai, int ars, int aps, float[] b, int bi, int bps, float[] t) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    FloatVector c10 = z;
    FloatVector c20 = z;
    FloatVector c30 = z;
    int a0 = ai;
    int a1 = ai + ars;
    int a2 = ai + 2 * ars;
    int a3 = ai + 3 * ars;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(F, b, bi);
      FloatVector x0 = FloatVector.broadcast(F, a[a0]);
      c00 = x0.fma(b0, c00);
      FloatVector x1 = FloatVector.broadcast(F, a[a1]);
      c10 = x1.fma(b0, c10);
      FloatVector x2 = FloatVector.broadcast(F, a[a2]);
      c20 = x2.fma(b0, c20);
      FloatVector x3 = FloatVector.broadcast(F, a[a3]);
      c30 = x3.fma(b0, c30);
      a0 += aps;
      a1 += aps;
      a2 += aps;
      a3 += aps;
      bi += bps;
    }
    c00.intoArray(t, 0);
    c10.intoArray(t, NR);
    c20.intoArray(t, 2 * NR);
    c30.intoArray(t, 3 * NR);
  }

  /** 1 row x 4 vectors: sums over {@code p < kc} into {@code t} (row stride {@link #NR}). */
  static void tile1x4(int kc, float[] a, int ai, int aps, float[] b, int bi, int bps, float[] t) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    FloatVector c01 = z;
    FloatVector c02 = z;
    FloatVector c03 = z;
    int a0 = ai;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(F, b, bi);
      FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
      FloatVector b2 = FloatVector.fromArray(F, b, bi + 2 * L);
      FloatVector b3 = FloatVector.fromArray(F, b, bi + 3 * L);
      FloatVector x0 = FloatVector.broadcast(F, a[a0]);
      c00 = x0.fma(b0, c00);
      c01 = x0.fma(b1, c01);
      c02 = x0.fma(b2, c02);
      c03 = x0.fma(b3, c03);
      a0 += aps;
      bi += bps;
    }
    c00.intoArray(t, 0);
    c01.intoArray(t, L);
    c02.intoArray(t, 2 * L);
    c03.intoArray(t, 3 * L);
  }

  /** 1 row x 3 vectors: sums over {@code p < kc} into {@code t} (row stride {@link #NR}). */
  static void tile1x3(int kc, float[] a, int ai, int aps, float[] b, int bi, int bps, float[] t) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    FloatVector c01 = z;
    FloatVector c02 = z;
    int a0 = ai;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(F, b, bi);
      FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
      FloatVector b2 = FloatVector.fromArray(F, b, bi + 2 * L);
      FloatVector x0 = FloatVector.broadcast(F, a[a0]);
      c00 = x0.fma(b0, c00);
      c01 = x0.fma(b1, c01);
      c02 = x0.fma(b2, c02);
      a0 += aps;
      bi += bps;
    }
    c00.intoArray(t, 0);
    c01.intoArray(t, L);
    c02.intoArray(t, 2 * L);
  }

  /** 1 row x 2 vectors: sums over {@code p < kc} into {@code t} (row stride {@link #NR}). */
  static void tile1x2(int kc, float[] a, int ai, int aps, float[] b, int bi, int bps, float[] t) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    FloatVector c01 = z;
    int a0 = ai;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(F, b, bi);
      FloatVector b1 = FloatVector.fromArray(F, b, bi + L);
      FloatVector x0 = FloatVector.broadcast(F, a[a0]);
      c00 = x0.fma(b0, c00);
      c01 = x0.fma(b1, c01);
      a0 += aps;
      bi += bps;
    }
    c00.intoArray(t, 0);
    c01.intoArray(t, L);
  }

  /** 1 row x 1 vector: sums over {@code p < kc} into {@code t} (row stride {@link #NR}). */
  static void tile1x1(int kc, float[] a, int ai, int aps, float[] b, int bi, int bps, float[] t) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    int a0 = ai;
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(F, b, bi);
      FloatVector x0 = FloatVector.broadcast(F, a[a0]);
      c00 = x0.fma(b0, c00);
      a0 += aps;
      bi += bps;
    }
    c00.intoArray(t, 0);
  }

  /**
   * 4 x 4 dot products of length {@code kv} (a multiple of {@link #L}) as vectors of partial sums
   * at {@code t[to + (r * 4 + j) L]}.
   */
  static void dot4x4(
      int kv, float[] a, int ai, int ars, float[] b, int bi, int brs, float[] t, int to) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    FloatVector c01 = z;
    FloatVector c02 = z;
    FloatVector c03 = z;
    FloatVector c10 = z;
    FloatVector c11 = z;
    FloatVector c12 = z;
    FloatVector c13 = z;
    FloatVector c20 = z;
    FloatVector c21 = z;
    FloatVector c22 = z;
    FloatVector c23 = z;
    FloatVector c30 = z;
    FloatVector c31 = z;
    FloatVector c32 = z;
    FloatVector c33 = z;
    int a0 = ai;
    int a1 = ai + ars;
    int a2 = ai + 2 * ars;
    int a3 = ai + 3 * ars;
    int b0 = bi;
    int b1 = bi + brs;
    int b2 = bi + 2 * brs;
    int b3 = bi + 3 * brs;
    for (int p = 0; p < kv; p += L) {
      FloatVector y0 = FloatVector.fromArray(F, b, b0 + p);
      FloatVector y1 = FloatVector.fromArray(F, b, b1 + p);
      FloatVector y2 = FloatVector.fromArray(F, b, b2 + p);
      FloatVector y3 = FloatVector.fromArray(F, b, b3 + p);
      FloatVector x0 = FloatVector.fromArray(F, a, a0 + p);
      c00 = x0.fma(y0, c00);
      c01 = x0.fma(y1, c01);
      c02 = x0.fma(y2, c02);
      c03 = x0.fma(y3, c03);
      FloatVector x1 = FloatVector.fromArray(F, a, a1 + p);
      c10 = x1.fma(y0, c10);
      c11 = x1.fma(y1, c11);
      c12 = x1.fma(y2, c12);
      c13 = x1.fma(y3, c13);
      FloatVector x2 = FloatVector.fromArray(F, a, a2 + p);
      c20 = x2.fma(y0, c20);
      c21 = x2.fma(y1, c21);
      c22 = x2.fma(y2, c22);
      c23 = x2.fma(y3, c23);
      FloatVector x3 = FloatVector.fromArray(F, a, a3 + p);
      c30 = x3.fma(y0, c30);
      c31 = x3.fma(y1, c31);
      c32 = x3.fma(y2, c32);
      c33 = x3.fma(y3, c33);
    }
    c00.intoArray(t, to);
    c01.intoArray(t, to + L);
    c02.intoArray(t, to + 2 * L);
    c03.intoArray(t, to + 3 * L);
    c10.intoArray(t, to + 4 * L);
    c11.intoArray(t, to + 5 * L);
    c12.intoArray(t, to + 6 * L);
    c13.intoArray(t, to + 7 * L);
    c20.intoArray(t, to + 8 * L);
    c21.intoArray(t, to + 9 * L);
    c22.intoArray(t, to + 10 * L);
    c23.intoArray(t, to + 11 * L);
    c30.intoArray(t, to + 12 * L);
    c31.intoArray(t, to + 13 * L);
    c32.intoArray(t, to + 14 * L);
    c33.intoArray(t, to + 15 * L);
  }

  /**
   * 4 x 2 dot products of length {@code kv} (a multiple of {@link #L}) as vectors of partial sums
   * at {@code t[to + (r * 4 + j) L]}.
   */
  static void dot4x2(
      int kv, float[] a, int ai, int ars, float[] b, int bi, int brs, float[] t, int to) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    FloatVector c01 = z;
    FloatVector c10 = z;
    FloatVector c11 = z;
    FloatVector c20 = z;
    FloatVector c21 = z;
    FloatVector c30 = z;
    FloatVector c31 = z;
    int a0 = ai;
    int a1 = ai + ars;
    int a2 = ai + 2 * ars;
    int a3 = ai + 3 * ars;
    int b0 = bi;
    int b1 = bi + brs;
    for (int p = 0; p < kv; p += L) {
      FloatVector y0 = FloatVector.fromArray(F, b, b0 + p);
      FloatVector y1 = FloatVector.fromArray(F, b, b1 + p);
      FloatVector x0 = FloatVector.fromArray(F, a, a0 + p);
      c00 = x0.fma(y0, c00);
      c01 = x0.fma(y1, c01);
      FloatVector x1 = FloatVector.fromArray(F, a, a1 + p);
      c10 = x1.fma(y0, c10);
      c11 = x1.fma(y1, c11);
      FloatVector x2 = FloatVector.fromArray(F, a, a2 + p);
      c20 = x2.fma(y0, c20);
      c21 = x2.fma(y1, c21);
      FloatVector x3 = FloatVector.fromArray(F, a, a3 + p);
      c30 = x3.fma(y0, c30);
      c31 = x3.fma(y1, c31);
    }
    c00.intoArray(t, to);
    c01.intoArray(t, to + L);
    c10.intoArray(t, to + 4 * L);
    c11.intoArray(t, to + 5 * L);
    c20.intoArray(t, to + 8 * L);
    c21.intoArray(t, to + 9 * L);
    c30.intoArray(t, to + 12 * L);
    c31.intoArray(t, to + 13 * L);
  }

  /**
   * 4 x 1 dot products of length {@code kv} (a multiple of {@link #L}) as vectors of partial sums
   * at {@code t[to + (r * 4 + j) L]}.
   */
  static void dot4x1(
      int kv, float[] a, int ai, int ars, float[] b, int bi, int brs, float[] t, int to) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    FloatVector c10 = z;
    FloatVector c20 = z;
    FloatVector c30 = z;
    int a0 = ai;
    int a1 = ai + ars;
    int a2 = ai + 2 * ars;
    int a3 = ai + 3 * ars;
    int b0 = bi;
    for (int p = 0; p < kv; p += L) {
      FloatVector y0 = FloatVector.fromArray(F, b, b0 + p);
      FloatVector x0 = FloatVector.fromArray(F, a, a0 + p);
      c00 = x0.fma(y0, c00);
      FloatVector x1 = FloatVector.fromArray(F, a, a1 + p);
      c10 = x1.fma(y0, c10);
      FloatVector x2 = FloatVector.fromArray(F, a, a2 + p);
      c20 = x2.fma(y0, c20);
      FloatVector x3 = FloatVector.fromArray(F, a, a3 + p);
      c30 = x3.fma(y0, c30);
    }
    c00.intoArray(t, to);
    c10.intoArray(t, to + 4 * L);
    c20.intoArray(t, to + 8 * L);
    c30.intoArray(t, to + 12 * L);
  }

  /**
   * 1 x 4 dot products of length {@code kv} (a multiple of {@link #L}) as vectors of partial sums
   * at {@code t[to + (r * 4 + j) L]}.
   */
  static void dot1x4(int kv, float[] a, int ai, float[] b, int bi, int brs, float[] t, int to) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    FloatVector c01 = z;
    FloatVector c02 = z;
    FloatVector c03 = z;
    int a0 = ai;
    int b0 = bi;
    int b1 = bi + brs;
    int b2 = bi + 2 * brs;
    int b3 = bi + 3 * brs;
    for (int p = 0; p < kv; p += L) {
      FloatVector y0 = FloatVector.fromArray(F, b, b0 + p);
      FloatVector y1 = FloatVector.fromArray(F, b, b1 + p);
      FloatVector y2 = FloatVector.fromArray(F, b, b2 + p);
      FloatVector y3 = FloatVector.fromArray(F, b, b3 + p);
      FloatVector x0 = FloatVector.fromArray(F, a, a0 + p);
      c00 = x0.fma(y0, c00);
      c01 = x0.fma(y1, c01);
      c02 = x0.fma(y2, c02);
      c03 = x0.fma(y3, c03);
    }
    c00.intoArray(t, to);
    c01.intoArray(t, to + L);
    c02.intoArray(t, to + 2 * L);
    c03.intoArray(t, to + 3 * L);
  }

  /**
   * 1 x 2 dot products of length {@code kv} (a multiple of {@link #L}) as vectors of partial sums
   * at {@code t[to + (r * 4 + j) L]}.
   */
  static void dot1x2(int kv, float[] a, int ai, float[] b, int bi, int brs, float[] t, int to) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    FloatVector c01 = z;
    int a0 = ai;
    int b0 = bi;
    int b1 = bi + brs;
    for (int p = 0; p < kv; p += L) {
      FloatVector y0 = FloatVector.fromArray(F, b, b0 + p);
      FloatVector y1 = FloatVector.fromArray(F, b, b1 + p);
      FloatVector x0 = FloatVector.fromArray(F, a, a0 + p);
      c00 = x0.fma(y0, c00);
      c01 = x0.fma(y1, c01);
    }
    c00.intoArray(t, to);
    c01.intoArray(t, to + L);
  }

  /**
   * 1 x 1 dot products of length {@code kv} (a multiple of {@link #L}) as vectors of partial sums
   * at {@code t[to + (r * 4 + j) L]}.
   */
  static void dot1x1(int kv, float[] a, int ai, float[] b, int bi, int brs, float[] t, int to) {
    FloatVector z = FloatVector.zero(F);
    FloatVector c00 = z;
    int a0 = ai;
    int b0 = bi;
    for (int p = 0; p < kv; p += L) {
      FloatVector y0 = FloatVector.fromArray(F, b, b0 + p);
      FloatVector x0 = FloatVector.fromArray(F, a, a0 + p);
      c00 = x0.fma(y0, c00);
    }
    c00.intoArray(t, to);
  }
}
