package io.flows4j.tensor.kernels;

/** Plain-Java SGEMM: the fallback when the Vector API is absent, and the tests' reference. */
final class ScalarGemm implements Gemm {

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
    float[] row = new float[n];
    for (int i = 0; i < m; i++) {
      java.util.Arrays.fill(row, 0f);
      for (int p = 0; p < k; p++) {
        float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        if (av == 0f) {
          continue;
        }
        if (transB) {
          for (int j = 0; j < n; j++) {
            row[j] += av * b[bOff + j * ldb + p];
          }
        } else {
          int bo = bOff + p * ldb;
          for (int j = 0; j < n; j++) {
            row[j] += av * b[bo + j];
          }
        }
      }
      int co = cOff + i * ldc;
      for (int j = 0; j < n; j++) {
        c[co + j] = beta == 0f ? alpha * row[j] : alpha * row[j] + beta * c[co + j];
      }
    }
  }

  @Override
  public String name() {
    return "scalar";
  }
}
