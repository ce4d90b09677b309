package io.flows4j.tensor.kernels;

import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the kernel implementations once, at start-up: the Vector API ones when the module {@code
 * jdk.incubator.vector} is present in the boot layer (the launcher adds it with {@code
 * --add-modules jdk.incubator.vector}), the scalar ones otherwise. The system property {@value
 * #PROPERTY} ({@code scalar} or {@code vector}) forces one.
 *
 * <p>No class that touches the Vector API is loaded unless the module is present, so the scalar
 * fallback works on a JVM started without it.
 */
public final class Kernels {
  /** System property that forces a provider: {@code vector} or {@code scalar}. */
  public static final String PROPERTY = "flows4j.kernels";

  /** The name of the incubating Vector API module. */
  public static final String VECTOR_MODULE = "jdk.incubator.vector";

  private static final Gemm GEMM = chooseGemm(System.getProperty(PROPERTY));

  private Kernels() {}

  /** The SGEMM chosen at start-up. */
  public static Gemm gemm() {
    return GEMM;
  }

  /** The scalar SGEMM, always available (tests, benchmarks and fallback). */
  public static Gemm scalarGemm() {
    return new ScalarGemm();
  }

  /** The Vector API SGEMM, or empty when the module {@value #VECTOR_MODULE} is absent. */
  public static Optional<Gemm> vectorGemm() {
    return vectorAvailable() ? Optional.of(VectorProvider.gemm()) : Optional.empty();
  }

  /** Whether the module {@value #VECTOR_MODULE} is in the boot layer. */
  public static boolean vectorAvailable() {
    return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
  }

  /**
   * The provider for a value of {@value #PROPERTY}: null or blank picks the best available.
   *
   * @throws IllegalArgumentException if the value is not {@code scalar} or {@code vector}
   * @throws IllegalStateException if {@code vector} is asked for but the module is absent
   */
  static Gemm chooseGemm(String forced) {
    String choice = forced == null ? "" : forced.trim().toLowerCase(Locale.ROOT);
    switch (choice) {
      case "" -> {
        return vectorAvailable() ? VectorProvider.gemm() : new ScalarGemm();
      }
      case "scalar" -> {
        return new ScalarGemm();
      }
      case "vector" -> {
        if (!vectorAvailable()) {
          throw new IllegalStateException(
              PROPERTY
                  + "=vector: the module "
                  + VECTOR_MODULE
                  + " must be present, but it is not; start java with --add-modules "
                  + VECTOR_MODULE);
        }
        return VectorProvider.gemm();
      }
      default ->
          throw new IllegalArgumentException(
              PROPERTY + ": must be 'scalar' or 'vector', but was '" + forced + "'");
    }
  }

  /**
   * Holder whose only method names {@link VectorGemm}: the JVM resolves that class (and through it
   * the Vector API) only when the method first runs, which happens only if the module is present.
   */
  private static final class VectorProvider {
    private VectorProvider() {}

    static Gemm gemm() {
      return new VectorGemm();
    }
  }
}
