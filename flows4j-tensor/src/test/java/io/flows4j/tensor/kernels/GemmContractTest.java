package io.flows4j.tensor.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;

import io.flows4j.tensor.Threads;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every {@link Gemm} must meet, run against each implementation by a subclass. Results
 * are compared with a reference computed in double precision, within the standard forward error
 * bound of a float32 dot product (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed.,
 * section 3.1): {@code |C - C_exact| <= gamma_n (|alpha| |op(A)| |op(B)| + |beta| |C0|)} with
 * {@code gamma_n = n u / (1 - n u)}, {@code u = 2^-24} and {@code n} the number of roundings on the
 * way to one element.
 */
abstract class GemmContractTest {
  /** Unit roundoff of float32. */
  static final double UNIT_ROUNDOFF = Math.ulp(1.0f) / 2;

  /**
   * Smallest inner-dimension block any implementation sums separately; each block adds at most two
   * roundings (the {@code alpha} product and the addition into C) to the {@code k} of the sum.
   */
  static final int MIN_INNER_BLOCK = 256;

  /** Value written around the output block to detect writes outside it. */
  static final float SENTINEL = -12345.5f;

  /** Offset and extra leading-dimension padding of the "sub-matrix" layout. */
  static final int PAD = 5;

  /** Thread counts compared for identical results. */
  static final int[] THREAD_COUNTS = {1, 2, 3};

  private int savedThreads;

  /** The implementation under test. */
  abstract Gemm gemm();

  @BeforeEach
  void saveThreads() {
    savedThreads = Threads.count();
  }

  @AfterEach
  void restoreThreads() {
    Threads.setCount(savedThreads);
  }

  /** {@code alpha, beta} pairs; {@code beta == 0} cases start from a C full of NaN. */
  static final float[][] SCALARS = {
    {1f, 0f}, {0.75f, 0f}, {1f, 1f}, {-1.5f, 0.5f}, {2f, -1f}, {0f, 0.5f}, {0f, 0f}
  };

  /** Sizes chosen to reach every path: empty, 1, primes, tile edges, narrow, K blocks, packing. */
  static final int[][] SIZES = {
    {0, 0, 0},
    {0, 3, 4},
    {3, 0, 4},
    {3, 4, 0},
    {1, 1, 1},
    {1, 1, 7},
    {1, 40, 3},
    {40, 1, 3},
    {2, 64, 256},
    {64, 1, 256},
    {17, 1, 64},
    {1, 100, 1},
    {7, 11, 13},
    {5, 16, 1},
    {13, 29, 31},
    {16, 2, 64},
    {33, 3, 17},
    {64, 4, 65},
    {20, 1, 5},
    {31, 5, 47},
    {100, 7, 9},
    {4, 64, 64},
    {67, 129, 33},
    {65, 80, 2},
    {300, 257, 129},
    {20, 70, 1100},
    {40, 70, 600},
    {600, 64, 450},
    {40, 600, 450},
    {40, 8, 70},
    {50, 12, 33}
  };

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    long seed = 1;
    for (int[] s : SIZES) {
      for (int t = 0; t < 4; t++) {
        out.add(Arguments.of(t >= 2, t % 2 == 1, s[0], s[1], s[2], seed++));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{index}: transA={0} transB={1} m={2} n={3} k={4} seed={5}")
  @MethodSource("cases")
  void matchesDoubleReferenceOnWholeArrays(
      boolean transA, boolean transB, int m, int n, int k, long seed) {
    checkAgainstReference(new Problem(transA, transB, m, n, k, 0, seed));
  }

  @ParameterizedTest(name = "{index}: transA={0} transB={1} m={2} n={3} k={4} seed={5}")
  @MethodSource("cases")
  void matchesDoubleReferenceOnSubMatrices(
      boolean transA, boolean transB, int m, int n, int k, long seed) {
    checkAgainstReference(new Problem(transA, transB, m, n, k, PAD, seed));
  }

  static Stream<Arguments> threadCases() {
    // Each is above every implementation's threshold for splitting, and reaches a different path.
    int[][] sizes = {
      {300, 257, 129},
      {520, 64, 128},
      {3000, 3, 300},
      {3000, 5, 160},
      {2000, 12, 100},
      {40, 700, 300}
    };
    List<Arguments> out = new ArrayList<>();
    long seed = 1000;
    for (int[] s : sizes) {
      for (int t = 0; t < 4; t++) {
        out.add(Arguments.of(t >= 2, t % 2 == 1, s[0], s[1], s[2], seed++));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{index}: transA={0} transB={1} m={2} n={3} k={4} seed={5}")
  @MethodSource("threadCases")
  void resultsAreIdenticalForEveryThreadCount(
      boolean transA, boolean transB, int m, int n, int k, long seed) {
    Problem p = new Problem(transA, transB, m, n, k, PAD, seed);
    float[] first = null;
    for (int threads : THREAD_COUNTS) {
      Threads.setCount(threads);
      float[] c = p.initialC(false);
      p.run(gemm(), 1.25f, 0.5f, c);
      if (first == null) {
        first = c;
        checkResult(p, 1.25f, 0.5f, p.initialC(false), c);
      } else {
        assertThat(c).as("C with %d threads vs 1 thread", threads).isEqualTo(first);
      }
    }
  }

  @Test
  void alphaZeroDoesNotReadAOrB() {
    Problem p = new Problem(false, false, 9, 37, 11, PAD, 7);
    Arrays.fill(p.a, Float.NaN);
    Arrays.fill(p.b, Float.POSITIVE_INFINITY);
    float[] c = p.initialC(false);
    float[] expected = c.clone();
    p.run(gemm(), 0f, 0.5f, c);
    for (int i = 0; i < p.m; i++) {
      for (int j = 0; j < p.n; j++) {
        int idx = p.cOff + i * p.ldc + j;
        expected[idx] = 0.5f * expected[idx];
      }
    }
    assertThat(c).isEqualTo(expected);
  }

  @Test
  void nonFiniteInputsPropagate() {
    Problem p = new Problem(false, false, 20, 40, 30, 0, 8);
    p.a[3 * p.lda + 4] = Float.NaN;
    float[] c = p.initialC(false);
    p.run(gemm(), 1f, 0f, c);
    for (int j = 0; j < p.n; j++) {
      assertThat(c[3 * p.ldc + j]).as("row 3, column %d", j).isNaN();
      assertThat(c[2 * p.ldc + j]).as("row 2, column %d", j).isFinite();
    }
  }

  @Test
  void refusesNegativeSizes() {
    float[] x = new float[16];
    assertThatThrownBy(
            () -> gemm().sgemm(false, false, -1, 2, 2, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sgemm: sizes must be >= 0, but were m=-1 n=2 k=2");
    assertThatThrownBy(
            () -> gemm().sgemm(false, false, 2, 2, -3, 1f, x, 0, 2, x, 0, 2, 0f, x, 0, 2))
        .hasMessage("sgemm: sizes must be >= 0, but were m=2 n=2 k=-3");
  }

  @Test
  void refusesLeadingDimensionsSmallerThanRows() {
    float[] x = new float[100];
    assertThatThrownBy(() -> gemm().sgemm(false, false, 3, 4, 5, 1f, x, 0, 4, x, 0, 4, 0f, x, 0, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sgemm: lda must be >= max(1, k) = 5, but was 4");
    assertThatThrownBy(() -> gemm().sgemm(true, false, 3, 4, 5, 1f, x, 0, 3, x, 0, 3, 0f, x, 0, 4))
        .hasMessage("sgemm: ldb must be >= max(1, n) = 4, but was 3");
    assertThatThrownBy(() -> gemm().sgemm(false, true, 3, 4, 5, 1f, x, 0, 5, x, 0, 5, 0f, x, 0, 0))
        .hasMessage("sgemm: ldc must be >= max(1, n) = 4, but was 0");
    assertThatThrownBy(() -> gemm().sgemm(false, false, 0, 0, 0, 1f, x, 0, 0, x, 0, 1, 0f, x, 0, 1))
        .hasMessage("sgemm: lda must be >= max(1, k) = 1, but was 0");
  }

  @Test
  void refusesArraysTooShortAndNegativeOffsets() {
    float[] small = new float[11];
    float[] big = new float[100];
    assertThatThrownBy(
            () -> gemm().sgemm(false, false, 3, 4, 4, 1f, small, 0, 4, big, 0, 4, 0f, big, 0, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "sgemm: A (3 x 4, row stride 4, offset 0) needs an array of at least 12 floats, but"
                + " its array has 11");
    assertThatThrownBy(
            () -> gemm().sgemm(false, false, 3, 4, 4, 1f, big, 0, 4, big, 0, 4, 0f, big, 90, 4))
        .hasMessage(
            "sgemm: C (3 x 4, row stride 4, offset 90) needs an array of at least 102 floats, but"
                + " its array has 100");
    assertThatThrownBy(
            () -> gemm().sgemm(false, false, 3, 4, 4, 1f, big, 0, 4, big, -1, 4, 0f, big, 0, 4))
        .hasMessage("sgemm: offset of B must be >= 0, but was -1");
    assertThatThrownBy(
            () -> gemm().sgemm(false, false, 3, 4, 4, 1f, big, 0, 4, null, 0, 4, 0f, big, 0, 4))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("sgemm: B must not be null");
  }

  private void checkAgainstReference(Problem p) {
    for (float[] s : SCALARS) {
      float alpha = s[0];
      float beta = s[1];
      float[] c0 = p.initialC(beta == 0f);
      float[] c = c0.clone();
      p.run(gemm(), alpha, beta, c);
      checkResult(p, alpha, beta, c0, c);
    }
  }

  /** Checks {@code c} against the double reference and that nothing outside C was written. */
  private static void checkResult(Problem p, float alpha, float beta, float[] c0, float[] c) {
    int blocks = (p.k + MIN_INNER_BLOCK - 1) / MIN_INNER_BLOCK;
    double nu = (p.k + 2 + 2.0 * blocks) * UNIT_ROUNDOFF;
    double gamma = nu / (1 - nu);
    for (int idx = 0; idx < c.length; idx++) {
      int rel = idx - p.cOff;
      int i = rel >= 0 ? rel / p.ldc : -1;
      int j = rel >= 0 ? rel % p.ldc : -1;
      if (i < 0 || i >= p.m || j >= p.n) {
        assertThat(c[idx])
            .as("C[%d], outside the %d x %d output", idx, p.m, p.n)
            .isEqualTo(c0[idx]);
        continue;
      }
      double exact = p.exact()[i * p.n + j];
      double magnitude = p.magnitude()[i * p.n + j];
      double old = beta == 0f ? 0 : c0[idx];
      double expected = alpha * exact + beta * old;
      double bound = gamma * (Math.abs(alpha) * magnitude + Math.abs(beta * old));
      double err = Math.abs(c[idx] - expected);
      if (!(err <= bound)) {
        fail(
            String.format(
                "C[%d, %d] = %s, expected %s within %s (alpha=%s beta=%s seed=%d)",
                i, j, c[idx], expected, bound, alpha, beta, p.seed));
      }
    }
  }

  /**
   * A random problem with its layout: whole arrays ({@code pad == 0}) or sub-matrices at an offset,
   * with leading dimensions {@code pad} longer than their rows.
   */
  static final class Problem {
    final boolean transA;
    final boolean transB;
    final int m;
    final int n;
    final int k;
    final long seed;
    final int aOff;
    final int lda;
    final int bOff;
    final int ldb;
    final int cOff;
    final int ldc;
    final float[] a;
    final float[] b;
    final int cLength;
    private double[] exact;
    private double[] magnitude;

    Problem(boolean transA, boolean transB, int m, int n, int k, int pad, long seed) {
      this.transA = transA;
      this.transB = transB;
      this.m = m;
      this.n = n;
      this.k = k;
      this.seed = seed;
      Random rnd = new Random(seed);
      int aRows = transA ? k : m;
      int aCols = transA ? m : k;
      int bRows = transB ? n : k;
      int bCols = transB ? k : n;
      aOff = pad;
      lda = Math.max(1, aCols + pad);
      bOff = 2 * pad;
      ldb = Math.max(1, bCols + pad);
      cOff = 3 * pad;
      ldc = Math.max(1, n + pad);
      a = matrix(rnd, aOff, aRows, aCols, lda, pad);
      b = matrix(rnd, bOff, bRows, bCols, ldb, pad);
      cLength = cOff + m * ldc + pad;
    }

    /** {@code sum_p op(A)[i, p] op(B)[p, j]} in double, at {@code [i * n + j]}. */
    double[] exact() {
      if (exact == null) {
        exact = new double[m * n];
        magnitude = new double[m * n];
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            double sum = 0;
            double abs = 0;
            for (int q = 0; q < k; q++) {
              double prod = (double) opA(i, q) * opB(q, j);
              sum += prod;
              abs += Math.abs(prod);
            }
            exact[i * n + j] = sum;
            magnitude[i * n + j] = abs;
          }
        }
      }
      return exact;
    }

    /** {@code sum_p |op(A)[i, p] op(B)[p, j]|}, at {@code [i * n + j]}. */
    double[] magnitude() {
      exact();
      return magnitude;
    }

    float opA(int i, int p) {
      return transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
    }

    float opB(int p, int j) {
      return transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
    }

    /** A C array: random values inside the output block (NaN if asked), sentinels around it. */
    float[] initialC(boolean nanInside) {
      Random rnd = new Random(seed * 31 + 17);
      float[] c = new float[cLength];
      Arrays.fill(c, SENTINEL);
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          c[cOff + i * ldc + j] = nanInside ? Float.NaN : rnd.nextFloat() * 2 - 1;
        }
      }
      return c;
    }

    void run(Gemm g, float alpha, float beta, float[] c) {
      g.sgemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    /** Values in [-1, 1) inside the matrix, NaN in the padding so that stray reads show. */
    private static float[] matrix(Random rnd, int off, int rows, int cols, int ld, int pad) {
      float[] x = new float[off + rows * ld + pad];
      Arrays.fill(x, Float.NaN);
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          x[off + i * ld + j] = rnd.nextFloat() * 2 - 1;
        }
      }
      return x;
    }
  }
}
