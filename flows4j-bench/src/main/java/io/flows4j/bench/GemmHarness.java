package io.flows4j.bench;

/**
 * The SGEMM workload of {@code flows4j bench gemm}: times {@code C = A B} for square matrices and
 * reports one {@link JsonLine} per case with at least the fields {@code bench} ("gemm"), {@code n},
 * {@code threads}, {@code kernel}, {@code ms}, {@code gflops} and {@code efficiency} (achieved rate
 * over the reference machine's peak on that many cores).
 */
public interface GemmHarness {
  /**
   * Measures one case.
   *
   * @param n the size of the square matrices, {@code >= 1}
   * @param threads compute threads to use, {@code >= 1} (the previous count is restored after)
   * @param quick a short run, for smoke tests
   * @throws IllegalArgumentException if {@code n < 1} or {@code threads < 1}
   */
  JsonLine run(int n, int threads, boolean quick);

  /** The harness the command line uses. */
  static GemmHarness standard() {
    return new BasicGemmHarness();
  }
}
