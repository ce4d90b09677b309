package io.flows4j.tensor.kernels;

/**
 * Single-precision general matrix multiply on row-major arrays:
 *
 * <pre>C = alpha * op(A) * op(B) + beta * C</pre>
 *
 * where {@code op(A)} is {@code m x k} (A itself, or A transposed when {@code transA}), {@code
 * op(B)} is {@code k x n}, and C is {@code m x n}. Leading dimensions are row strides: element
 * {@code (i, j)} of a row-major matrix X is {@code x[xOff + i * ldx + j]}. When {@code beta == 0}
 * the previous contents of C are ignored (NaN in C does not propagate), as in BLAS.
 *
 * <p>Implementations are chosen at start-up by {@link Kernels}; all of them are tested by the same
 * tests.
 */
public interface Gemm {

  /**
   * Computes {@code C = alpha * op(A) * op(B) + beta * C}.
   *
   * <p>A is stored {@code m x k} (or {@code k x m} when {@code transA}) from {@code a[aOff]} with
   * row stride {@code lda}; B is stored {@code k x n} (or {@code n x k}) from {@code b[bOff]} with
   * row stride {@code ldb}; C is {@code m x n} from {@code c[cOff]} with row stride {@code ldc}.
   * Only the {@code m x n} elements of C are written. When {@code alpha == 0} or {@code k == 0}, A
   * and B are not read.
   *
   * @param transA use A transposed: A is stored {@code k x m} with row stride {@code lda}
   * @param transB use B transposed: B is stored {@code n x k} with row stride {@code ldb}
   * @throws NullPointerException if an array is null
   * @throws IllegalArgumentException if a size or an offset is negative, a leading dimension is
   *     smaller than its stored row length (or than 1), or a matrix does not fit in its array
   */
  void sgemm(
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
      int ldc);

  /** A short name for logs and benchmarks, e.g. {@code "vector-512"} or {@code "scalar"}. */
  String name();
}
