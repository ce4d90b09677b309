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
      Elementwise k = ElementwiseKernels.get();
      int plane = g.outH * g.outW;
      for (int o = 0; o < g.cout; o++) {
        double s = 0;
        for (int b = 0; b < g.batch; b++) {
          s += k.sum(gradOut.data(), gradOut.offset() + (b * g.cout + o) * plane, plane);
        }
        int at = gradBias.offset() + o;
        gradBias.data()[at] = (float) (gradBias.data()[at] + s);
      }
    }
    if (gradX == null && gradWeight == null) {
      return;
    }
    Gemm gemm = Kernels.gemm();
    int tasks = Threads.tasksFor(g.batch, g.minSamplesPerTask());
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
