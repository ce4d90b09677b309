package io.flows4j.bijectors.residual;

import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Gemm;
import io.flows4j.tensor.kernels.Kernels;

/**
 * The network {@code g} of {@link Net} on plain arrays, off the tape: its value (for the
 * fixed-point inverse), and at a fixed point {@code x} the products {@code J v} and {@code J^T u}
 * of its Jacobian (for the implicit gradient of the inverse and the log-determinant estimator).
 * Every batch is {@code [rows, D]}, row-major.
 */
final class NetKernel {
  private final Tensor[] weights;
  private final Tensor[] biases;
  private final double[] betas;
  private final Tensor rowBias;
  private final int features;
  private final int widest;
  private final Gemm gemm = Kernels.gemm();

  NetKernel(Tensor[] weights, Tensor[] biases, double[] betas) {
    this(weights, biases, betas, null);
  }

  /**
   * A kernel with a per-row term added to the first layer's output (a conditional block's {@code c
   * V^T}, of shape {@code [batch, out_0]}, {@code null} for none).
   */
  NetKernel(Tensor[] weights, Tensor[] biases, double[] betas, Tensor rowBias) {
    this.weights = weights;
    this.biases = biases;
    this.betas = betas;
    this.rowBias = rowBias;
    this.features = weights[0].shape().dim(1);
    int w = features;
    for (Tensor t : weights) {
      w = Math.max(w, t.shape().dim(0));
    }
    this.widest = w;
  }

  int features() {
    return features;
  }

  private int in(int layer) {
    return weights[layer].shape().dim(1);
  }

  private int out(int layer) {
    return weights[layer].shape().dim(0);
  }

  /** Scratch for {@link #evaluate}: three buffers of {@code rows x widest}. */
  float[][] scratch(int rows) {
    return new float[][] {
      new float[rows * widest], new float[rows * widest], new float[rows * widest]
    };
  }

  /**
   * {@code out = g(x)}.
   *
   * @param x of {@code rows x D}
   * @param out receives {@code rows x D}
   * @param scratch from {@link #scratch(int)}
   */
  void evaluate(float[] x, int rows, float[] out, float[][] scratch) {
    evaluate(x, rows, null, out, scratch);
  }

  /**
   * {@code out = g(x)} for a subset of the batch's rows.
   *
   * @param x of {@code rows x D}
   * @param rowIds the batch row of each of the {@code rows} rows (for the per-row term), {@code
   *     null} for rows {@code 0 .. rows-1}
   * @param out receives {@code rows x D}
   * @param scratch from {@link #scratch(int)}
   */
  void evaluate(float[] x, int rows, int[] rowIds, float[] out, float[][] scratch) {
    float[] h = x;
    float[] p = scratch[0];
    int layers = weights.length;
    float k = (float) (1.0 / ResidualOps.LIPSWISH_SCALE);
    for (int i = 0; i < layers; i++) {
      int n = rows * in(i);
      ResidualOps.sigmoidScaled(h, 0, (float) betas[i], p, 0, n);
      for (int e = 0; e < n; e++) {
        p[e] *= h[e] * k;
      }
      // h alternates between scratch[1] and scratch[2], never aliasing p
      float[] dst = i == layers - 1 ? out : (h == scratch[1] ? scratch[2] : scratch[1]);
      linear(p, rows, i, dst, rowIds);
      h = dst;
    }
  }

  /** {@code dst = p W_i^T + b_i}. */
  private void linear(float[] p, int rows, int layer, float[] dst, int[] rowIds) {
    Tensor w = weights[layer];
    Tensor b = biases[layer];
    int in = in(layer);
    int out = out(layer);
    gemm.sgemm(false, true, rows, out, in, 1f, p, 0, in, w.data(), w.offset(), in, 0f, dst, 0, out);
    float[] bd = b.data();
    int bo = b.offset();
    for (int r = 0; r < rows; r++) {
      int row = r * out;
      for (int c = 0; c < out; c++) {
        dst[row + c] += bd[bo + c];
      }
    }
    if (layer == 0 && rowBias != null) {
      float[] rb = rowBias.data();
      int ro = rowBias.offset();
      for (int r = 0; r < rows; r++) {
        int src = ro + (rowIds == null ? r : rowIds[r]) * out;
        int row = r * out;
        for (int c = 0; c < out; c++) {
          dst[row + c] += rb[src + c];
        }
      }
    }
  }

  /** The slopes {@code phi_i'(h_i)} of every layer at a point, for Jacobian products. */
  final class Slopes {
    private final float[][] slopes;
    private final int rows;
    private final float[] a;
    private final float[] b;

    private Slopes(float[][] slopes, int rows) {
      this.slopes = slopes;
      this.rows = rows;
      this.a = new float[rows * widest];
      this.b = new float[rows * widest];
    }

    /**
     * {@code out = J_g(x) v} per row.
     *
     * @param v of {@code rows x D}
     * @param out receives {@code rows x D} (may be {@code v})
     */
    void jvp(float[] v, float[] out) {
      int layers = weights.length;
      float[] t = a;
      System.arraycopy(v, 0, t, 0, rows * features);
      for (int i = 0; i < layers; i++) {
        float[] s = slopes[i];
        int n = rows * in(i);
        for (int e = 0; e < n; e++) {
          t[e] *= s[e];
        }
        float[] dst = i == layers - 1 ? out : (t == a ? b : a);
        Tensor w = weights[i];
        gemm.sgemm(
            false,
            true,
            rows,
            out(i),
            in(i),
            1f,
            t,
            0,
            in(i),
            w.data(),
            w.offset(),
            in(i),
            0f,
            dst,
            0,
            out(i));
        t = dst;
      }
    }

    /**
     * {@code out = J_g(x)^T u} per row.
     *
     * @param u of {@code rows x D}
     * @param out receives {@code rows x D} (may be {@code u})
     */
    void vjp(float[] u, float[] out) {
      int layers = weights.length;
      float[] r = a;
      System.arraycopy(u, 0, r, 0, rows * features);
      for (int i = layers - 1; i >= 0; i--) {
        float[] dst = i == 0 ? out : (r == a ? b : a);
        Tensor w = weights[i];
        // [rows, out] x [out, in] -> [rows, in]
        gemm.sgemm(
            false,
            false,
            rows,
            in(i),
            out(i),
            1f,
            r,
            0,
            out(i),
            w.data(),
            w.offset(),
            in(i),
            0f,
            dst,
            0,
            in(i));
        float[] s = slopes[i];
        int n = rows * in(i);
        for (int e = 0; e < n; e++) {
          dst[e] *= s[e];
        }
        r = dst;
      }
    }
  }

  /**
   * The slopes of every layer at {@code x}, from a forward pass.
   *
   * @param x of {@code rows x D}
   */
  Slopes slopes(float[] x, int rows) {
    int layers = weights.length;
    float[][] s = new float[layers][];
    float[] h = x;
    float k = (float) (1.0 / ResidualOps.LIPSWISH_SCALE);
    float[] p = new float[rows * widest];
    for (int i = 0; i < layers; i++) {
      int n = rows * in(i);
      s[i] = new float[n];
      float b = (float) betas[i];
      for (int e = 0; e < n; e++) {
        float ai = h[e];
        float si = 1f / (1f + (float) Math.exp(-b * ai));
        s[i][e] = (si + b * ai * si * (1 - si)) * k;
        p[e] = ai * si * k;
      }
      if (i < layers - 1) {
        float[] next = new float[rows * out(i)];
        linear(p, rows, i, next, null);
        h = next;
      }
    }
    return new Slopes(s, rows);
  }

  /** The slopes from the caches of a tape pass ({@code h_i} and {@code sigmoid(beta_i h_i)}). */
  Slopes slopes(Net.Pass pass, int rows) {
    int layers = weights.length;
    float[][] s = new float[layers][];
    float k = (float) (1.0 / ResidualOps.LIPSWISH_SCALE);
    for (int i = 0; i < layers; i++) {
      Tensor h = pass.pre()[i].value();
      Tensor sig = pass.sig()[i];
      int n = rows * in(i);
      s[i] = new float[n];
      float b = (float) betas[i];
      for (int e = 0; e < n; e++) {
        float ai = h.getFlat(e);
        float si = sig.getFlat(e);
        s[i][e] = (si + b * ai * si * (1 - si)) * k;
      }
    }
    return new Slopes(s, rows);
  }
}
