package io.flows4j.autodiff;

import io.flows4j.tensor.kernels.Activation;

/**
 * The pointwise passes around a dense layer, on row ranges of a {@code rows x cols} matrix. Two
 * implementations, chosen once by {@link ActivationKernels}: plain Java ({@link ScalarEpilogue})
 * and the JDK's Vector API ({@link VectorEpilogue}); both are tested against the same references.
 */
interface EpilogueKernel {
  /**
   * Rows {@code [r0, r1)}: {@code dst = act(src + bias)}, {@code bias} (nullable) a row of {@code
   * cols}; stores {@code src + bias} into {@code save} when not null. {@code src} and {@code dst}
   * may be the same array at the same offset.
   */
  void forwardRows(
      float[] src,
      int so,
      float[] bias,
      int bo,
      float[] dst,
      int dOff,
      float[] save,
      int sv,
      int r0,
      int r1,
      int cols,
      Activation act);

  /**
   * Rows {@code [r0, r1)}: {@code dz (+)= dy * act'}, from the output {@code y} or (LipSwish) the
   * pre-activation {@code z}; adds when {@code accumulate}, else overwrites. When {@code dBias} is
   * not null (only without {@code accumulate}), adds each column's sum of {@code dz} into it.
   */
  void backwardRows(
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
      int r0,
      int r1,
      int cols,
      Activation act);

  /** {@code g[j] += sum_i m[i, j]} over a {@code rows x cols} matrix. */
  void columnSums(float[] m, int mo, int rows, int cols, float[] g, int go);

  /** A short name for logs and tests. */
  String name();
}
