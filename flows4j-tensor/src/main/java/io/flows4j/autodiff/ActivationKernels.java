package io.flows4j.autodiff;

import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Activation;
import io.flows4j.tensor.kernels.Kernels;

/**
 * The fused pointwise passes around a dense layer: {@code y = act(z + b)} forward and {@code dZ =
 * dY * act'} (with the bias gradient's column sums taken in the same pass) backward.
 *
 * <p>Every activation but {@link Activation#LIPSWISH} has a derivative that is a function of its
 * output alone ({@code relu' = [y > 0]}, {@code tanh' = 1 - y^2}, {@code sigmoid' = y (1 - y)},
 * {@code elu' = y + 1} for {@code y <= 0}, {@code softplus' = 1 - exp(-y)}), so layers keep only
 * {@code y} and the pre-activation {@code z} is never stored; LipSwish is not monotone, so its
 * layers also keep {@code z}.
 *
 * <p>The passes run on the Vector API ({@link VectorEpilogue}) when the module {@code
 * jdk.incubator.vector} is present and {@code flows4j.kernels} is not {@code scalar}: plain loops
 * such as {@code dst[d + j] = src[s + j] + bias[j]} are not vectorized by C2 (it cannot rule out
 * that the arrays overlap), which made them about ten times slower than the vector form.
 */
final class ActivationKernels {
  private static final EpilogueKernel KERNEL = choose();

  /**
   * Elements per task below which a pass runs on the calling thread alone: a fork-join hand-off
   * costs a few microseconds, which is the time of about 2^15 scalar or 2^17 vector elements.
   */
  static final int GRAIN = KERNEL instanceof VectorEpilogue ? 1 << 17 : 1 << 15;

  private ActivationKernels() {}

  private static EpilogueKernel choose() {
    if ("scalar".equals(System.getProperty(Kernels.PROPERTY))
        || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return new ScalarEpilogue();
    }
    try {
      return new VectorEpilogue();
    } catch (LinkageError e) {
      return new ScalarEpilogue();
    }
  }

  /** The implementation in use. */
  static EpilogueKernel kernel() {
    return KERNEL;
  }

  /** Whether layers with this activation must keep the pre-activation {@code z} for backward. */
  static boolean needsPreActivation(Activation act) {
    return act == Activation.LIPSWISH;
  }

  /**
   * {@code dst = act(src + bias)} over a {@code rows x cols} matrix, where {@code bias} (nullable)
   * is a row of {@code cols}; stores {@code src + bias} into {@code save} when it is not null.
   * {@code src} and {@code dst} may be the same array at the same offset.
   */
  static void forward(
      float[] src,
      int so,
      float[] bias,
      int bo,
      float[] dst,
      int dOff,
      float[] save,
      int sv,
      int rows,
      int cols,
      Activation act) {
    if (rows == 0 || cols == 0) {
      return;
    }
    Threads.parallelRange(
        rows,
        Math.max(1, GRAIN / cols),
        (r0, r1) -> KERNEL.forwardRows(src, so, bias, bo, dst, dOff, save, sv, r0, r1, cols, act));
  }

  /**
   * {@code dz = dy * act'} over a {@code rows x cols} matrix, from the output {@code y} (or, for
   * {@link #needsPreActivation} activations, from the pre-activation {@code z}); adds into {@code
   * dz} when {@code accumulate}, else overwrites it. When {@code dBias} is not null (only without
   * {@code accumulate}), also adds each column's sum of {@code dz} into it while the row is hot.
   */
  static void backward(
      float[] dy,
      int dyo,
      float[] y,
      int yo,
      float[] z,
      int zo,
      float[] dz,
      int dzo,
      boolean accumulate,
      float[] dBias,
      int dbo,
      int rows,
      int cols,
      Activation act) {
    if (rows == 0 || cols == 0) {
      return;
    }
    if (dBias != null) {
      // One pass, one thread: the bias sums would otherwise need per-thread partials, and the
      // vector pass is cheap beside the layer's GEMMs.
      KERNEL.backwardRows(dy, dyo, y, yo, z, zo, dz, dzo, false, dBias, dbo, 0, rows, cols, act);
      return;
    }
    Threads.parallelRange(
        rows,
        Math.max(1, GRAIN / cols),
        (r0, r1) ->
            KERNEL.backwardRows(
                dy, dyo, y, yo, z, zo, dz, dzo, accumulate, null, 0, r0, r1, cols, act));
  }

  /** {@code g[j] += sum_i m[i, j]} over a {@code rows x cols} matrix. */
  static void columnSums(float[] m, int mo, int rows, int cols, float[] g, int go) {
    KERNEL.columnSums(m, mo, rows, cols, g, go);
  }
}
