package io.flows4j.autodiff;

import io.flows4j.tensor.StableMath;
import io.flows4j.tensor.kernels.Activation;

/** Plain-Java dense-layer passes: the fallback without the Vector API, and a test reference. */
final class ScalarEpilogue implements EpilogueKernel {

  @Override
  public void forwardRows(
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
      for (int j = d; j < d + cols; j++) {
        dst[j] = apply(act, dst[j]);
      }
    }
  }

  /** The activation of one value, in the stable forms of {@link StableMath}. */
  static float apply(Activation act, float x) {
    return switch (act) {
      case IDENTITY -> x;
      case RELU -> Math.max(x, 0f);
      case LEAKY_RELU -> x > 0f ? x : Activation.LEAKY_SLOPE * x;
      case ELU -> x > 0f ? x : (float) Math.expm1(x);
      case TANH -> (float) Math.tanh(x);
      case SIGMOID -> (float) StableMath.sigmoid(x);
      case SOFTPLUS -> (float) StableMath.softplus(x);
      case LIPSWISH -> Activation.LIPSWISH.apply(x);
    };
  }

  @Override
  public void backwardRows(
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
      Activation act) {
    for (int i = r0; i < r1; i++) {
      int r = i * cols;
      for (int j = 0; j < cols; j++) {
        float g = dy[dyo + r + j] * derivative(act, y[yo + r + j], z == null ? 0f : z[zo + r + j]);
        if (accumulate) {
          dz[dzo + r + j] += g;
        } else {
          dz[dzo + r + j] = g;
        }
      }
      if (dBias != null) {
        for (int j = 0; j < cols; j++) {
          dBias[dbo + j] += dz[dzo + r + j];
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

  @Override
  public void columnSums(float[] m, int mo, int rows, int cols, float[] g, int go) {
    for (int i = 0; i < rows; i++) {
      int r = mo + i * cols;
      for (int j = 0; j < cols; j++) {
        g[go + j] += m[r + j];
      }
    }
  }

  @Override
  public String name() {
    return "scalar";
  }
}
