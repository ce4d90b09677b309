package io.flows4j.tensor.kernels;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import java.util.Arrays;

/**
 * 2-D convolution over images (stride 1, the same zero padding on every side) with an optional
 * bias, forward and backward:
 *
 * <pre>
 * y[b, o, i, j] = bias[o] + sum_c sum_{p, q} w[o, c, p, q] x[b, c, i + p - pad, j + q - pad],
 *                 x = 0 outside the image
 * </pre>
 *
 * <p>Shapes: input {@code x} of shape {@code [batch, inChannels, height, width]}; weight of shape
 * {@code [outChannels, inChannels, kh, kw]}; bias of shape {@code [outChannels]}; output of shape
 * {@code [batch, outChannels, height + 2 pad - kh + 1, width + 2 pad - kw + 1]}.
 *
 * <p>Each image is lowered to one GEMM {@code [outChannels, inChannels kh kw] x [inChannels kh kw,
 * outHeight outWidth]} over an im2col column buffer kept per thread; a 1x1 convolution without
 * padding multiplies the input directly. Images run in parallel on {@link Threads} when each task
 * gets enough work. {@code docs/design-notes.md} records the measurements behind these choices.
 */
public final class Conv2d {
  /**
   * Smallest forward work (in FLOPs) worth a task of its own when the batch is split over threads.
   */
  static final long MIN_FLOPS_PER_TASK = Conv1d.MIN_FLOPS_PER_TASK;

  private Conv2d() {}

  /**
   * The output shape, after checking that the shapes fit.
   *
   * @throws ShapeMismatchException if the input or weight is not rank 4, their channels differ, or
   *     the output would be empty
   * @throws IllegalArgumentException if {@code padding < 0}
   */
  public static Shape outputShape(Shape x, Shape weight, int padding) {
    return geometry(x, weight, padding).outShape();
  }

  /**
   * Computes the convolution into {@code out}, overwriting it.
   *
   * @param x input of shape {@code [batch, inChannels, height, width]}
   * @param weight weight of shape {@code [outChannels, inChannels, kh, kw]}
   * @param bias bias of shape {@code [outChannels]}, or {@code null}
   * @param padding zeros added on every side, at least 0
   * @param out output of shape {@code [batch, outChannels, outHeight, outWidth]}, not overlapping
   *     the inputs
   * @throws ShapeMismatchException if a shape does not fit (see {@link #outputShape})
   */
  public static void forward(Tensor x, Tensor weight, Tensor bias, int padding, Tensor out) {
    Geometry g = geometry(x.shape(), weight.shape(), padding);
    if (bias != null) {
      g.requireShape("bias", bias.shape(), Shape.of(g.cout));
    }
    g.requireShape("output", out.shape(), g.outShape());
    Gemm gemm = Kernels.gemm();
    if (g.outputSide()) {
      float[] wr = rearranged(g, weight);
      Threads.parallelRange(
          g.batch,
          g.minSamplesPerTask(),
          (from, to) -> {
            for (int b = from; b < to; b++) {
              forwardSampleOutputSide(gemm, g, b, x, wr, bias, out);
            }
          });
      return;
    }
    Threads.parallelRange(
        g.batch,
        g.minSamplesPerTask(),
        (from, to) -> {
          for (int b = from; b < to; b++) {
            forwardSample(gemm, g, b, x, weight, bias, out);
          }
        });
  }

  /**
   * Adds the gradients of the convolution's inputs, given the gradient of its output: {@code gradX
   * += dL/dx}, {@code gradWeight += dL/dw}, {@code gradBias += dL/dbias}. Any of the three may be
   * {@code null} to skip it.
   *
   * @param x the forward input, {@code [batch, inChannels, height, width]}
   * @param weight the forward weight, {@code [outChannels, inChannels, kh, kw]}
   * @param padding the forward padding
   * @param gradOut gradient of the output, {@code [batch, outChannels, outHeight, outWidth]}
   * @param gradX accumulates the input gradient, shaped like {@code x}, or {@code null}
   * @param gradWeight accumulates the weight gradient, shaped like {@code weight}, or {@code null}
   * @param gradBias accumulates the bias gradient {@code [outChannels]}, or {@code null}
   * @throws ShapeMismatchException if a shape does not fit
   */
  public static void backward(
      Tensor x,
      Tensor weight,
      int padding,
      Tensor gradOut,
      Tensor gradX,
      Tensor gradWeight,
      Tensor gradBias) {
    Geometry g = geometry(x.shape(), weight.shape(), padding);
    g.requireShape("output gradient", gradOut.shape(), g.outShape());
    if (gradX != null) {
      g.requireShape("input gradient", gradX.shape(), x.shape());
    }
    if (gradWeight != null) {
      g.requireShape("weight gradient", gradWeight.shape(), weight.shape());
    }
    if (gradBias != null) {
      g.requireShape("bias gradient", gradBias.shape(), Shape.of(g.cout));
      int plane = g.outH * g.outW;
      for (int o = 0; o < g.cout; o++) {
        double s = 0;
        for (int b = 0; b < g.batch; b++) {
          s += planeSum(gradOut.data(), gradOut.offset() + (b * g.cout + o) * plane, plane);
        }
        int at = gradBias.offset() + o;
        gradBias.data()[at] = (float) (gradBias.data()[at] + s);
      }
    }
    if (gradX == null && gradWeight == null) {
      return;
    }
    Gemm gemm = Kernels.gemm();
    // Ranges independent of the thread count: the weight gradient's sum order, and so its bits,
    // are the same on any number of threads.
    int tasks = Threads.reductionTasks(g.batch, g.minSamplesPerTask());
    if (g.outputSide()) {
      if (g.batch > 0) {
        backwardOutputSide(gemm, g, tasks, x, weight, gradOut, gradX, gradWeight);
      }
      return;
    }
    if (tasks <= 1) {
      for (int b = 0; b < g.batch; b++) {
        backwardSample(gemm, g, b, x, weight, gradOut, gradX, gradWeight);
      }
      return;
    }
    // As in Conv1d: private partial weight gradients per task, summed in task order.
    int wSize = weight.size();
    float[] partials =
        gradWeight == null ? null : Scratch.get(Scratch.PARTIALS, (tasks - 1) * wSize);
    if (partials != null) {
      Arrays.fill(partials, 0, (tasks - 1) * wSize, 0f);
    }
    Threads.runSplit(
        tasks,
        tasks,
        (t0, t1) -> {
          for (int t = t0; t < t1; t++) {
            int from = (int) ((long) g.batch * t / tasks);
            int to = (int) ((long) g.batch * (t + 1) / tasks);
            Tensor dw =
                gradWeight == null || t == 0
                    ? gradWeight
                    : Tensor.wrap(partials, (t - 1) * wSize, weight.shape());
            for (int b = from; b < to; b++) {
              backwardSample(gemm, g, b, x, weight, gradOut, gradX, dw);
            }
          }
        });
    if (gradWeight != null) {
      Elementwise k = ElementwiseKernels.get();
      for (int t = 1; t < tasks; t++) {
        k.add(
            gradWeight.data(),
            gradWeight.offset(),
            partials,
            (t - 1) * wSize,
            gradWeight.data(),
            gradWeight.offset(),
            wSize);
      }
    }
  }

  /**
   * {@code sum(x[off .. off + n))} in double with four independent accumulators: one chain of
   * dependent double additions (4 cycles each) made the bias gradient about 5 % of a Glow coupling
   * step; four chains run in parallel.
   */
  private static double planeSum(float[] x, int off, int n) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
      s0 += x[off + i];
      s1 += x[off + i + 1];
      s2 += x[off + i + 2];
      s3 += x[off + i + 3];
    }
    for (; i < n; i++) {
      s0 += x[off + i];
    }
    return (s0 + s1) + (s2 + s3);
  }

  private static void forwardSample(
      Gemm gemm, Geometry g, int b, Tensor x, Tensor w, Tensor bias, Tensor out) {
    int plane = g.outH * g.outW;
    int rows = g.cin * g.kh * g.kw;
    int xo = x.offset() + b * g.cin * g.h * g.w;
    float[] bd;
    int bo;
    if (g.direct()) {
      bd = x.data();
      bo = xo;
    } else {
      bd = Scratch.get(Scratch.COLUMNS, rows * plane);
      bo = 0;
      im2col(g, x.data(), xo, bd);
    }
    int oo = out.offset() + b * g.cout * plane;
    float[] od = out.data();
    gemm.sgemm(
        false,
        false,
        g.cout,
        plane,
        rows,
        1f,
        w.data(),
        w.offset(),
        rows,
        bd,
        bo,
        plane,
        0f,
        od,
        oo,
        plane);
    if (bias != null) {
      for (int o = 0; o < g.cout; o++) {
        float bv = bias.data()[bias.offset() + o];
        int row = oo + o * plane;
        for (int p = 0; p < plane; p++) {
          od[row + p] += bv;
        }
      }
    }
  }

  private static void backwardSample(
      Gemm gemm,
      Geometry g,
      int b,
      Tensor x,
      Tensor w,
      Tensor gradOut,
      Tensor gradX,
      Tensor gradW) {
    int plane = g.outH * g.outW;
    int rows = g.cin * g.kh * g.kw;
    int xo = x.offset() + b * g.cin * g.h * g.w;
    int go = gradOut.offset() + b * g.cout * plane;
    boolean direct = g.direct();
    if (gradW != null) {
      float[] bd;
      int bo;
      if (direct) {
        bd = x.data();
        bo = xo;
      } else {
        bd = Scratch.get(Scratch.COLUMNS, rows * plane);
        bo = 0;
        im2col(g, x.data(), xo, bd);
      }
      // dW += G [cout, plane] * cols^T [plane, rows]
      gemm.sgemm(
          false,
          true,
          g.cout,
          rows,
          plane,
          1f,
          gradOut.data(),
          go,
          plane,
          bd,
          bo,
          plane,
          1f,
          gradW.data(),
          gradW.offset(),
          rows);
    }
    if (gradX != null) {
      int gxo = gradX.offset() + b * g.cin * g.h * g.w;
      if (direct) {
        gemm.sgemm(
            true,
            false,
            g.cin,
            plane,
            g.cout,
            1f,
            w.data(),
            w.offset(),
            rows,
            gradOut.data(),
            go,
            plane,
            1f,
            gradX.data(),
            gxo,
            plane);
      } else {
        float[] dcols = Scratch.get(Scratch.COLUMN_GRADIENT, rows * plane);
        gemm.sgemm(
            true,
            false,
            rows,
            plane,
            g.cout,
            1f,
            w.data(),
            w.offset(),
            rows,
            gradOut.data(),
            go,
            plane,
            0f,
            dcols,
            0,
            plane);
        col2imAdd(g, dcols, gradX.data(), gxo);
      }
    }
  }

  /**
   * The weight as {@code Wr [cout kh kw, cin]}, row {@code (o kh + p) kw + q} holding {@code w[o,
   * :, p, q]}: the A operand of the output-side lowering. Kept in the calling thread's scratch.
   */
  private static float[] rearranged(Geometry g, Tensor weight) {
    int kk = g.kh * g.kw;
    float[] wr = Scratch.get(Scratch.REARRANGED_WEIGHT, g.cout * kk * g.cin);
    float[] wd = weight.data();
    int wo = weight.offset();
    for (int o = 0; o < g.cout; o++) {
      for (int c = 0; c < g.cin; c++) {
        int src = wo + (o * g.cin + c) * kk;
        for (int t = 0; t < kk; t++) {
          wr[(o * kk + t) * g.cin + c] = wd[src + t];
        }
      }
    }
    return wr;
  }

  /**
   * The output-side lowering for one image, used when the output has fewer channels than the input
   * (the last layer of a coupling network, 128 to 4): {@code T = Wr X} ({@code [cout kh kw, H W]},
   * one GEMM over the input pixels, no im2col of the wide input), then every output pixel sums its
   * {@code kh kw} shifted entries of {@code T}, {@code y[o, i, j] = bias[o] + sum_{p, q} T[(o, p,
   * q), (i + p - pad, j + q - pad)]}.
   */
  private static void forwardSampleOutputSide(
      Gemm gemm, Geometry g, int b, Tensor x, float[] wr, Tensor bias, Tensor out) {
    int inPlane = g.h * g.w;
    int plane = g.outH * g.outW;
    int tr = g.cout * g.kh * g.kw;
    float[] t = Scratch.get(Scratch.COLUMNS, tr * inPlane);
    int xo = x.offset() + b * g.cin * inPlane;
    gemm.sgemm(
        false, false, tr, inPlane, g.cin, 1f, wr, 0, g.cin, x.data(), xo, inPlane, 0f, t, 0,
        inPlane);
    float[] od = out.data();
    int oo = out.offset() + b * g.cout * plane;
    for (int o = 0; o < g.cout; o++) {
      float bv = bias == null ? 0f : bias.data()[bias.offset() + o];
      Arrays.fill(od, oo + o * plane, oo + (o + 1) * plane, bv);
    }
    for (int o = 0; o < g.cout; o++) {
      int dst = oo + o * plane;
      for (int p = 0; p < g.kh; p++) {
        for (int q = 0; q < g.kw; q++) {
          int src = ((o * g.kh + p) * g.kw + q) * inPlane;
          int j0 = Math.max(0, g.pad - q);
          int j1 = Math.min(g.outW, g.w + g.pad - q);
          for (int i = 0; i < g.outH; i++) {
            int ih = i + p - g.pad;
            if (ih < 0 || ih >= g.h) {
              continue;
            }
            int yr = dst + i * g.outW;
            int tb = src + ih * g.w + q - g.pad;
            for (int j = j0; j < j1; j++) {
              od[yr + j] += t[tb + j];
            }
          }
        }
      }
    }
  }

  /**
   * The backward pass of the output-side lowering. Per image, {@code dT[(o, p, q), (ih, jw)] =
   * dy[o, ih - p + pad, jw - q + pad]} (the adjoint of the shifted sums, a gather from the narrow
   * output gradient), then {@code dx += Wr^T dT} and {@code dWr += dT X^T}, two GEMMs. Each task
   * sums its images' {@code dWr} privately; the caller adds the tasks' sums in task order into
   * {@code gradW}.
   */
  private static void backwardOutputSide(
      Gemm gemm,
      Geometry g,
      int tasks,
      Tensor x,
      Tensor weight,
      Tensor gradOut,
      Tensor gradX,
      Tensor gradW) {
    float[] wr = rearranged(g, weight);
    int kk = g.kh * g.kw;
    int wSize = g.cout * kk * g.cin;
    int inPlane = g.h * g.w;
    int plane = g.outH * g.outW;
    int tr = g.cout * kk;
    float[] dwr = gradW == null ? null : Scratch.get(Scratch.PARTIALS, tasks * wSize);
    if (dwr != null) {
      Arrays.fill(dwr, 0, tasks * wSize, 0f);
    }
    Threads.runSplit(
        tasks,
        tasks,
        (t0, t1) -> {
          for (int task = t0; task < t1; task++) {
            int from = (int) ((long) g.batch * task / tasks);
            int to = (int) ((long) g.batch * (task + 1) / tasks);
            float[] dt = Scratch.get(Scratch.COLUMN_GRADIENT, tr * inPlane);
            for (int b = from; b < to; b++) {
              int go = gradOut.offset() + b * g.cout * plane;
              gatherShifted(g, gradOut.data(), go, dt);
              int xo = x.offset() + b * g.cin * inPlane;
              if (gradX != null) {
                gemm.sgemm(
                    true,
                    false,
                    g.cin,
                    inPlane,
                    tr,
                    1f,
                    wr,
                    0,
                    g.cin,
                    dt,
                    0,
                    inPlane,
                    1f,
                    gradX.data(),
                    gradX.offset() + b * g.cin * inPlane,
                    inPlane);
              }
              if (dwr != null) {
                gemm.sgemm(
                    false,
                    true,
                    tr,
                    g.cin,
                    inPlane,
                    1f,
                    dt,
                    0,
                    inPlane,
                    x.data(),
                    xo,
                    inPlane,
                    1f,
                    dwr,
                    task * wSize,
                    g.cin);
              }
            }
          }
        });
    if (gradW != null) {
      float[] gw = gradW.data();
      int gwo = gradW.offset();
      for (int o = 0; o < g.cout; o++) {
        for (int c = 0; c < g.cin; c++) {
          for (int t = 0; t < kk; t++) {
            int at = (o * kk + t) * g.cin + c;
            float s = 0f;
            for (int task = 0; task < tasks; task++) {
              s += dwr[task * wSize + at];
            }
            gw[gwo + (o * g.cin + c) * kk + t] += s;
          }
        }
      }
    }
  }

  /**
   * Fills {@code dt [cout kh kw, H W]} for one image: row {@code (o kh + p) kw + q} at input pixel
   * {@code (ih, jw)} holds {@code dy[o, ih - p + pad, jw - q + pad]}, zero where that is outside
   * the output.
   */
  private static void gatherShifted(Geometry g, float[] gy, int go, float[] dt) {
    int inPlane = g.h * g.w;
    int plane = g.outH * g.outW;
    for (int o = 0; o < g.cout; o++) {
      int src = go + o * plane;
      for (int p = 0; p < g.kh; p++) {
        for (int q = 0; q < g.kw; q++) {
          int dst = ((o * g.kh + p) * g.kw + q) * inPlane;
          // jw - q + pad in [0, outW)
          int j0 = Math.max(0, q - g.pad);
          int j1 = Math.min(g.w, g.outW + q - g.pad);
          for (int ih = 0; ih < g.h; ih++) {
            int row = dst + ih * g.w;
            int i = ih - p + g.pad;
            if (i < 0 || i >= g.outH || j1 <= j0) {
              Arrays.fill(dt, row, row + g.w, 0f);
              continue;
            }
            Arrays.fill(dt, row, row + j0, 0f);
            System.arraycopy(gy, src + i * g.outW + j0 - q + g.pad, dt, row + j0, j1 - j0);
            Arrays.fill(dt, row + j1, row + g.w, 0f);
          }
        }
      }
    }
  }

  /**
   * Fills {@code cols [cin kh kw, outH outW]} for one image: row {@code (c kh + p) kw + q} holds
   * channel {@code c} shifted by {@code (p - pad, q - pad)}, zero outside the image.
   */
  private static void im2col(Geometry g, float[] xd, int xo, float[] cols) {
    int plane = g.outH * g.outW;
    for (int c = 0; c < g.cin; c++) {
      int src = xo + c * g.h * g.w;
      for (int p = 0; p < g.kh; p++) {
        for (int q = 0; q < g.kw; q++) {
          int dst = ((c * g.kh + p) * g.kw + q) * plane;
          int j0 = Math.max(0, g.pad - q);
          int j1 = Math.min(g.outW, g.w + g.pad - q);
          for (int i = 0; i < g.outH; i++) {
            int row = dst + i * g.outW;
            int ih = i + p - g.pad;
            if (ih < 0 || ih >= g.h || j1 <= j0) {
              Arrays.fill(cols, row, row + g.outW, 0f);
              continue;
            }
            Arrays.fill(cols, row, row + j0, 0f);
            System.arraycopy(xd, src + ih * g.w + j0 + q - g.pad, cols, row + j0, j1 - j0);
            Arrays.fill(cols, row + j1, row + g.outW, 0f);
          }
        }
      }
    }
  }

  /** The adjoint of {@link #im2col}: adds column gradients back into the input gradient. */
  private static void col2imAdd(Geometry g, float[] dcols, float[] gx, int gxo) {
    int plane = g.outH * g.outW;
    Elementwise k = ElementwiseKernels.get();
    for (int c = 0; c < g.cin; c++) {
      int dstPlane = gxo + c * g.h * g.w;
      for (int p = 0; p < g.kh; p++) {
        for (int q = 0; q < g.kw; q++) {
          int src = ((c * g.kh + p) * g.kw + q) * plane;
          int j0 = Math.max(0, g.pad - q);
          int j1 = Math.min(g.outW, g.w + g.pad - q);
          if (j1 <= j0) {
            continue;
          }
          for (int i = 0; i < g.outH; i++) {
            int ih = i + p - g.pad;
            if (ih < 0 || ih >= g.h) {
              continue;
            }
            int d = dstPlane + ih * g.w + j0 + q - g.pad;
            k.add(gx, d, dcols, src + i * g.outW + j0, gx, d, j1 - j0);
          }
        }
      }
    }
  }

  private static Geometry geometry(Shape x, Shape w, int padding) {
    Checks.requireNonNegative(padding, "conv2d", "padding");
    if (x.rank() != 4) {
      throw new ShapeMismatchException(
          "conv2d: input must have shape [batch, channels, height, width], but was " + x);
    }
    if (w.rank() != 4) {
      throw new ShapeMismatchException(
          "conv2d: weight must have shape [outChannels, inChannels, kh, kw], but was " + w);
    }
    Checks.requireShape(
        w.dim(1) == x.dim(1),
        "conv2d: weight %s does not fit input %s: weight.dim(1) must equal the input channels %d",
        w,
        x,
        x.dim(1));
    int outH = x.dim(2) + 2 * padding - w.dim(2) + 1;
    int outW = x.dim(3) + 2 * padding - w.dim(3) + 1;
    Checks.requireShape(
        w.dim(2) >= 1 && w.dim(3) >= 1 && outH >= 1 && outW >= 1,
        "conv2d: output must be at least 1x1, but input %s with weight %s and padding %d gives"
            + " %dx%d",
        x,
        w,
        padding,
        outH,
        outW);
    return new Geometry(x, w, padding, outH, outW);
  }

  /** The sizes of one convolution call, checked once. */
  private static final class Geometry {
    final int batch;
    final int cin;
    final int h;
    final int w;
    final int cout;
    final int kh;
    final int kw;
    final int pad;
    final int outH;
    final int outW;
    final Shape xShape;
    final Shape wShape;

    Geometry(Shape x, Shape weight, int pad, int outH, int outW) {
      this.batch = x.dim(0);
      this.cin = x.dim(1);
      this.h = x.dim(2);
      this.w = x.dim(3);
      this.cout = weight.dim(0);
      this.kh = weight.dim(2);
      this.kw = weight.dim(3);
      this.pad = pad;
      this.outH = outH;
      this.outW = outW;
      this.xShape = x;
      this.wShape = weight;
    }

    Shape outShape() {
      return Shape.of(batch, cout, outH, outW);
    }

    /**
     * Whether to lower on the output side ({@code T = Wr X}, then shifted sums) rather than im2col
     * of the input: for kernels larger than 1x1 with fewer output than input channels, where the
     * column matrix of the input ({@code cin kh kw} rows) would be the larger of the two.
     */
    boolean outputSide() {
      return !direct() && cout < cin;
    }

    /** A 1x1 kernel without padding: the input itself is the column matrix. */
    boolean direct() {
      return kh == 1 && kw == 1 && pad == 0;
    }

    int minSamplesPerTask() {
      long flops = 2L * cout * cin * kh * kw * outH * outW;
      return (int) Math.max(1, Math.min(batch, (MIN_FLOPS_PER_TASK + flops - 1) / flops));
    }

    void requireShape(String what, Shape actual, Shape expected) {
      Checks.requireShape(
          actual.equals(expected),
          "conv2d: %s must have shape %s for input %s and weight %s, but was %s",
          what,
          expected,
          xShape,
          wShape,
          actual);
    }
  }
}
