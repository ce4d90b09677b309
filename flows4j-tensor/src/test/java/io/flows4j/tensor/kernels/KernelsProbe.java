package io.flows4j.tensor.kernels;

/**
 * Run by {@link KernelsTest} in a JVM started without {@code jdk.incubator.vector}: prints the
 * chosen provider, whether the module is visible and one product computed with it.
 */
final class KernelsProbe {
  private KernelsProbe() {}

  public static void main(String[] args) {
    float[] a = {1, 2};
    float[] b = {3, 8};
    float[] c = {0};
    Kernels.gemm().sgemm(false, false, 1, 1, 2, 1f, a, 0, 2, b, 0, 1, 0f, c, 0, 1);
    System.out.println(Kernels.gemm().name() + " " + Kernels.vectorAvailable() + " " + c[0]);
  }
}
