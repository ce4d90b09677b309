package io.flows4j.autodiff;

import io.flows4j.tensor.StableMath;
import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Activation;

/**
 * The fused pointwise passes around a dense layer: {@code y = act(z + b)} forward and {@code dZ =
 * dY * act'(z)} (with the bias gradient's column sums taken in the same pass) backward.
 *
 * <p>Every activation but {@link Activation#LIPSWISH} has a derivative that is a function of its
 * output alone ({@code relu' = [y > 0]}, {@code tanh' = 1 - y^2}, {@code sigmoid' = y (1 - y)},
 * {@code elu' = y + 1} for {@code y <= 0}, {@code softplus' = 1 - exp(-y)}), so layers keep only
 * {@code y} and the pre-activation {@code z} is never stored; LipSwish is not monotone, so its
 * layers also keep {@code z}. The activation is switched on once per pass, outside the loops, so
 * each loop body is a few inlined instructions.
 */
final class ActivationKernels {
  /** Elements per task below which a pass runs on the calling thread alone. */
  static final int GRAIN = 1 << 15;

  private ActivationKernels() {}

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
    int minRows = Math.max(1, GRAIN / cols);
    Threads.parallelRange(
        rows,
        minRows,
        (r0, r1) -> forwardRows(src, so, bias, bo, dst, dOff, save, sv, r0, r1, cols, act));
  }

  private static void forwardRows(
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
      Activation act) {
    for (int i = r0; i < r1; i++) {
      int s = so + i * cols;
      int d = dOff + i * cols;
      if (bias != null) {
        for (int j = 0; j < cols; j++) {
          dst[d + j] = src[s + j] + bias[bo + j];
        }
      } else if (dst != src || d != s) {
        System.arraycopy(src, s, dst, d, cols);
      }
      if (save != null) {
        System.arraycopy(dst, d, save, sv + i * cols, cols);
      }
      applyInPlace(dst, d, cols, act);
    }
  }

  private static void applyInPlace(float[] v, int o, int n, Activation act) {
    switch (act) {
      case IDENTITY -> {}
      case RELU -> {
        for (int j = o; j < o + n; j++) {
          v[j] = Math.max(v[j], 0f);
        }
      }
      case LEAKY_RELU -> {
        for (int j = o; j < o + n; j++) {
          float x = v[j];
          v[j] = x > 0f ? x : Activation.LEAKY_SLOPE * x;
        }
      }
      case ELU -> {
        for (int j = o; j < o + n; j++) {
          float x = v[j];
          v[j] = x > 0f ? x : (float) Math.expm1(x);
        }
      }
      case TANH -> {
        for (int j = o; j < o + n; j++) {
          v[j] = (float) Math.tanh(v[j]);
        }
      }
      case SIGMOID -> {
        for (int j = o; j < o + n; j++) {
          v[j] = (float) StableMath.sigmoid(v[j]);
        }
      }
      case SOFTPLUS -> {
        for (int j = o; j < o + n; j++) {
          v[j] = (float) StableMath.softplus(v[j]);
        }
      }
      case LIPSWISH -> {
        for (int j = o; j < o + n; j++) {
          v[j] = Activation.LIPSWISH.apply(v[j]);
        }
      }
    }
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
    if (dBias == null) {
      Threads.parallelRange(
          rows,
          Math.max(1, GRAIN / cols),
          (r0, r1) ->
              backwardBlock(
                  dy, dyo, y, yo, z, zo, dz, dzo, accumulate, null, 0, r0, r1, 0, cols, cols, act));
    } else {
      // Split over columns so each task owns its bias-gradient entries: no race, no partial sums.
      Threads.parallelRange(
          cols,
          Math.max(1, GRAIN / rows),
          (c0, c1) ->
              backwardBlock(
                  dy,
                  dyo,
                  y,
                  yo,
                  z,
                  zo,
                  dz,
                  dzo,
                  accumulate,
                  dBias,
                  dbo,
                  0,
                  rows,
                  c0,
                  c1,
                  cols,
                  act));
    }
  }

  private static void backwardBlock(
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
      int c0,
      int c1,
      int cols,
      Activation act) {
    for (int i = r0; i < r1; i++) {
      int r = i * cols;
      int a = dyo + r;
      int b = yo + r;
      int d = dzo + r;
      if (accumulate) {
        for (int j = c0; j < c1; j++) {
          dz[d + j] += dy[a + j] * derivative(act, y[b + j], z == null ? 0f : z[zo + r + j]);
        }
        continue;
      }
      switch (act) {
        case IDENTITY -> System.arraycopy(dy, a + c0, dz, d + c0, c1 - c0);
        case RELU -> {
          for (int j = c0; j < c1; j++) {
            dz[d + j] = y[b + j] > 0f ? dy[a + j] : 0f;
          }
        }
        case TANH -> {
          for (int j = c0; j < c1; j++) {
            float v = y[b + j];
            dz[d + j] = dy[a + j] * (1f - v * v);
          }
        }
        default -> {
          for (int j = c0; j < c1; j++) {
            dz[d + j] = dy[a + j] * derivative(act, y[b + j], z == null ? 0f : z[zo + r + j]);
          }
        }
      }
      if (dBias != null) {
        for (int j = c0; j < c1; j++) {
          dBias[dbo + j] += dz[d + j];
        }
      }
    }
  }

  /** {@code act'} from the output {@code y}, or from the pre-activation {@code z} for LipSwish. */
  static float derivative(Activation act, float y, float z) {
    return switch (act) {
      case IDENTITY -> 1f;
      case RELU -> y > 0f ? 1f : 0f;
      case LEAKY_RELU -> y > 0f ? 1f : Activation.LEAKY_SLOPE;
      case ELU -> y > 0f ? 1f : y + 1f;
      case TANH -> 1f - y * y;
      case SIGMOID -> y * (1f - y);
      case SOFTPLUS -> (float) -Math.expm1(-y);
      case LIPSWISH -> Activation.LIPSWISH.derivative(z, y);
    };
  }
}
