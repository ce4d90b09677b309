package io.flows4j.tensor.kernels;

import java.util.Locale;

/**
 * Chooses the {@link Elementwise} implementation once, at start-up, by the rule {@link Kernels}
 * uses for GEMM: the Vector-API kernels when the module {@code jdk.incubator.vector} is present and
 * its preferred vectors are at least 128 bits wide, the scalar kernels otherwise. The system
 * property {@code flows4j.kernels} ({@link Kernels#PROPERTY}) set to {@code scalar} forces the
 * fallback; set to {@code vector} it requires the Vector API and fails at start-up without it.
 */
public final class ElementwiseKernels {
  private static final Elementwise INSTANCE = choose();

  private ElementwiseKernels() {}

  /** The elementwise kernels chosen at start-up. */
  public static Elementwise get() {
    return INSTANCE;
  }

  /** The scalar kernels, always available (tests and fallback). */
  public static Elementwise scalar() {
    return new ScalarElementwise();
  }

  /**
   * The Vector-API kernels, or {@code null} when the module {@code jdk.incubator.vector} is absent
   * or its vectors are narrower than 128 bits.
   */
  public static Elementwise vectorOrNull() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return null;
    }
    try {
      return VectorElementwise.bits() >= 128 ? new VectorElementwise() : null;
    } catch (LinkageError e) {
      // The module is listed but cannot be linked (an unusual launcher): use the scalar kernels.
      return null;
    }
  }

  private static Elementwise choose() {
    String want = System.getProperty(Kernels.PROPERTY, "").trim().toLowerCase(Locale.ROOT);
    switch (want) {
      case "scalar" -> {
        return scalar();
      }
      case "", "vector" -> {
        Elementwise v = vectorOrNull();
        if (v != null) {
          return v;
        }
        if (want.equals("vector")) {
          throw new IllegalStateException(
              Kernels.PROPERTY
                  + ": vector kernels need the module jdk.incubator.vector"
                  + " (--add-modules=jdk.incubator.vector), but it is absent");
        }
        return scalar();
      }
      default ->
          throw new IllegalArgumentException(
              Kernels.PROPERTY + ": must be 'vector' or 'scalar', but was '" + want + "'");
    }
  }
}
