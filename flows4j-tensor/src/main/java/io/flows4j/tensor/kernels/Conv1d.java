package io.flows4j.tensor.kernels;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import java.util.Arrays;

/**
 * 1-D convolution over sequences (stride 1) with zero padding, dilation, channel groups, an
 * optional bias and an optional sequence mask, forward and backward:
 *
 * <pre>
 * y[b, o, t] = m[b, t] (bias[o] + sum_{c in group(o)} sum_k w[o, c, k] m[b, s] x[b, c, s]),
 *              s = t + k * dilation - padLeft,  x = 0 outside [0, T)
 * </pre>
 *
 * where {@code m} is the mask (all ones when absent): masked input positions contribute nothing and
 * masked output positions are zero, the convention of the WaveNet-style layers of Glow-TTS and
 * VITS. With a mask the output must have the input's length.
 *
 * <p>Shapes: input {@code x} of shape {@code [batch, inChannels, length]}; weight of shape {@code
 * [outChannels, inChannels / groups, kernelSize]}; bias of shape {@code [outChannels]}; mask of
 * shape {@code [batch, 1, length]}; output of shape {@code [batch, outChannels, outLength]} with
 * {@code outLength = length + padLeft + padRight - dilation (kernelSize - 1)}.
 *
 * <p>Each sample is lowered to one GEMM per group ({@code [outChannels/groups, inChannels/groups *
 * K] x [inChannels/groups * K, outLength]}) over an im2col column buffer kept per thread; a
 * kernel-size-1 convolution without padding or mask multiplies the input directly. Samples run in
 * parallel on {@link Threads} when each task gets enough work. {@code docs/design-notes.md} records
 * the measurements behind these choices.
 */
public final class Conv1d {
  /**
   * Smallest forward work (in FLOPs) worth a task of its own when the batch is split over threads:
   * about 0.4 ms at the speed of a vector GEMM on small shapes, enough to amortise waking an idle
   * pool worker ({@code docs/design-notes.md}).
   */
  static final long MIN_FLOPS_PER_TASK = 16_000_000L;

  private Conv1d() {}

  /**
   * The output shape {@code [batch, outChannels, outLength]}, after checking that the shapes fit.
   *
   * @throws ShapeMismatchException if the input is not rank 3, the weight does not fit the input
   *     channels and groups, or the output length is below 1
   */
  public static Shape outputShape(Shape x, Shape weight, Conv1dSpec spec) {
    return geometry(x, weight, spec).outShape();
  }

  /**
   * Computes the convolution into {@code out}, overwriting it.
   *
   * @param x input of shape {@code [batch, inChannels, length]}
   * @param weight weight of shape {@code [outChannels, inChannels / groups, kernelSize]}
   * @param bias bias of shape {@code [outChannels]}, or {@code null}
   * @param mask mask of shape {@code [batch, 1, length]} (1 inside each sequence, 0 beyond), or
   *     {@code null}
   * @param spec padding, dilation and groups
   * @param out output of shape {@code [batch, outChannels, outLength]}, not overlapping the inputs
   * @throws ShapeMismatchException if a shape does not fit (see {@link #outputShape})
   */
  public static void forward(
      Tensor x, Tensor weight, Tensor bias, Tensor mask, Conv1dSpec spec, Tensor out) {
    Geometry g = geometry(x.shape(), weight.shape(), spec);
    if (bias != null) {
      g.requireShape("bias", bias.shape(), Shape.of(g.cout));
    }
    g.checkMask(mask);
    g.requireShape("output", out.shape(), g.outShape());
    Gemm gemm = Kernels.gemm();
    Threads.parallelRange(
        g.batch,
        g.minSamplesPerTask(),
        (from, to) -> {
          for (int b = from; b < to; b++) {
            forwardSample(gemm, g, b, x, weight, bias, mask, out);
          }
        });
  }

  /**
   * Adds the gradients of the convolution's inputs, given the gradient of its output: {@code gradX
   * += dL/dx}, {@code gradWeight += dL/dw}, {@code gradBias += dL/dbias}. Any of the three may be
   * {@code null} to skip it.
   *
   * @param x the forward input, {@code [batch, inChannels, length]}
   * @param weight the forward weight, {@code [outChannels, inChannels / groups, kernelSize]}
   * @param mask the forward mask {@code [batch, 1, length]}, or {@code null}
   * @param spec the forward geometry
   * @param gradOut gradient of the output, {@code [batch, outChannels, outLength]}
   * @param gradX accumulates the input gradient, shaped like {@code x}, or {@code null}
   * @param gradWeight accumulates the weight gradient, shaped like {@code weight}, or {@code null}
   * @param gradBias accumulates the bias gradient {@code [outChannels]}, or {@code null}
   * @throws ShapeMismatchException if a shape does not fit
   */
  public static void backward(
      Tensor x,
      Tensor weight,
      Tensor mask,
      Conv1dSpec spec,
      Tensor gradOut,
      Tensor gradX,
      Tensor gradWeight,
      Tensor gradBias) {
    Geometry g = geometry(x.shape(), weight.shape(), spec);
    if (gradBias != null) {
      g.requireShape("bias gradient", gradBias.shape(), Shape.of(g.cout));
    }
    g.checkMask(mask);
    g.requireShape("output gradient", gradOut.shape(), g.outShape());
    if (gradX != null) {
      g.requireShape("input gradient", gradX.shape(), x.shape());
    }
    if (gradWeight != null) {
      g.requireShape("weight gradient", gradWeight.shape(), weight.shape());
    }
    if (gradBias != null) {
      biasGradient(g, gradOut, mask, gradBias);
    }
    if (gradX == null && gradWeight == null) {
      return;
    }
    Gemm gemm = Kernels.gemm();
    // Ranges independent of the thread count: the weight gradient's sum order, and so its bits,
    // are the same on any number of threads.
    int tasks = Threads.reductionTasks(g.batch, g.minSamplesPerTask());
    if (tasks <= 1) {
      for (int b = 0; b < g.batch; b++) {
        backwardSample(gemm, g, b, x, weight, mask, gradOut, gradX, gradWeight);
      }
      return;
    }
    // Each task but the first sums its weight gradient into a private partial, added at the end in
    // task order, so the result depends only on the task count.
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
              backwardSample(gemm, g, b, x, weight, mask, gradOut, gradX, dw);
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

  // ---------------------------------------------------------------------------------- per sample

  private static void forwardSample(
      Gemm gemm, Geometry g, int b, Tensor x, Tensor w, Tensor bias, Tensor mask, Tensor out) {
    float[] xd = x.data();
    float[] od = out.data();
    int rowsPerGroup = g.cinG * g.kernel;
    float[] cols = g.direct(mask) ? null : Scratch.get(Scratch.COLUMNS, rowsPerGroup * g.outLen);
    for (int grp = 0; grp < g.groups; grp++) {
      int xo = x.offset() + (b * g.cin + grp * g.cinG) * g.len;
      float[] bd;
      int bo;
      int ldb;
      if (cols == null) {
        bd = xd;
        bo = xo;
        ldb = g.len;
      } else {
        im2col(g, xd, xo, mask, b, cols);
        bd = cols;
        bo = 0;
        ldb = g.outLen;
      }
      gemm.sgemm(
          false,
          false,
          g.coutG,
          g.outLen,
          rowsPerGroup,
          1f,
          w.data(),
          w.offset() + grp * g.coutG * rowsPerGroup,
          rowsPerGroup,
          bd,
          bo,
          ldb,
          0f,
          od,
          out.offset() + (b * g.cout + grp * g.coutG) * g.outLen,
          g.outLen);
    }
    if (bias == null && mask == null) {
      return;
    }
    float[] md = mask == null ? null : mask.data();
    int mo = mask == null ? 0 : mask.offset() + b * g.len;
    for (int o = 0; o < g.cout; o++) {
      int row = out.offset() + (b * g.cout + o) * g.outLen;
      float bv = bias == null ? 0f : bias.data()[bias.offset() + o];
      if (md == null) {
        for (int t = 0; t < g.outLen; t++) {
          od[row + t] += bv;
        }
      } else {
        for (int t = 0; t < g.outLen; t++) {
          od[row + t] = (od[row + t] + bv) * md[mo + t];
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
      Tensor mask,
      Tensor gradOut,
      Tensor gradX,
      Tensor gradW) {
    int rowsPerGroup = g.cinG * g.kernel;
    float[] gd;
    int go;
    if (mask == null) {
      gd = gradOut.data();
      go = gradOut.offset() + b * g.cout * g.outLen;
    } else {
      // The output mask zeroes the gradient of masked positions before it reaches w and x.
      gd = Scratch.get(Scratch.MASKED_GRADIENT, g.cout * g.outLen);
      go = 0;
      Elementwise k = ElementwiseKernels.get();
      int mo = mask.offset() + b * g.len;
      for (int o = 0; o < g.cout; o++) {
        k.mul(
            gradOut.data(),
            gradOut.offset() + (b * g.cout + o) * g.outLen,
            mask.data(),
            mo,
            gd,
            o * g.outLen,
            g.outLen);
      }
    }
    boolean direct = g.direct(mask);
    float[] cols =
        direct || gradW == null ? null : Scratch.get(Scratch.COLUMNS, rowsPerGroup * g.outLen);
    float[] dcols =
        direct || gradX == null
            ? null
            : Scratch.get(Scratch.COLUMN_GRADIENT, rowsPerGroup * g.outLen);
    for (int grp = 0; grp < g.groups; grp++) {
      int xo = x.offset() + (b * g.cin + grp * g.cinG) * g.len;
      int wo = w.offset() + grp * g.coutG * rowsPerGroup;
      int gro = go + grp * g.coutG * g.outLen;
      if (gradW != null) {
        float[] bd = direct ? x.data() : cols;
        int bo = direct ? xo : 0;
        if (!direct) {
          im2col(g, x.data(), xo, mask, b, cols);
        }
        // dW_g += G_g [coutG, outLen] * cols^T [outLen, cinG K]
        gemm.sgemm(
            false,
            true,
            g.coutG,
            rowsPerGroup,
            g.outLen,
            1f,
            gd,
            gro,
            g.outLen,
            bd,
            bo,
            direct ? g.len : g.outLen,
            1f,
            gradW.data(),
            gradW.offset() + grp * g.coutG * rowsPerGroup,
            rowsPerGroup);
      }
      if (gradX != null) {
        int gxo = gradX.offset() + (b * g.cin + grp * g.cinG) * g.len;
        if (direct) {
          // dx_g += W_g^T [cinG, coutG] * G_g [coutG, T]
          gemm.sgemm(
              true,
              false,
              g.cinG,
              g.len,
              g.coutG,
              1f,
              w.data(),
              wo,
              rowsPerGroup,
              gd,
              gro,
              g.outLen,
              1f,
              gradX.data(),
              gxo,
              g.len);
        } else {
          gemm.sgemm(
              true,
              false,
              rowsPerGroup,
              g.outLen,
              g.coutG,
              1f,
              w.data(),
              wo,
              rowsPerGroup,
              gd,
              gro,
              g.outLen,
              0f,
              dcols,
              0,
              g.outLen);
          col2imAdd(g, dcols, mask, b, gradX.data(), gxo);
        }
      }
    }
  }

  private static void biasGradient(Geometry g, Tensor gradOut, Tensor mask, Tensor gradBias) {
    Elementwise k = ElementwiseKernels.get();
    float[] gd = gradOut.data();
    for (int o = 0; o < g.cout; o++) {
      double s = 0;
      for (int b = 0; b < g.batch; b++) {
        int row = gradOut.offset() + (b * g.cout + o) * g.outLen;
        s +=
            mask == null
                ? k.sum(gd, row, g.outLen)
                : k.dot(gd, row, mask.data(), mask.offset() + b * g.len, g.outLen);
      }
      int at = gradBias.offset() + o;
      gradBias.data()[at] = (float) (gradBias.data()[at] + s);
    }
  }

  // ---------------------------------------------------------------------------------- im2col

  /**
   * Fills {@code cols [cinG * K, outLen]} for one sample and group: row {@code c K + k} holds the
   * (masked) input channel {@code c} shifted by {@code k dilation - padLeft}, zero where the shift
   * leaves {@code [0, T)}.
   */
  private static void im2col(Geometry g, float[] xd, int xo, Tensor mask, int b, float[] cols) {
    Elementwise k = mask == null ? null : ElementwiseKernels.get();
    int mo = mask == null ? 0 : mask.offset() + b * g.len;
    for (int c = 0; c < g.cinG; c++) {
      int src = xo + c * g.len;
      for (int tap = 0; tap < g.kernel; tap++) {
        int dst = (c * g.kernel + tap) * g.outLen;
        int shift = tap * g.dilation - g.padLeft;
        int t0 = Math.max(0, -shift);
        int t1 = Math.min(g.outLen, g.len - shift);
        if (t1 <= t0) {
          Arrays.fill(cols, dst, dst + g.outLen, 0f);
          continue;
        }
        Arrays.fill(cols, dst, dst + t0, 0f);
        if (mask == null) {
          System.arraycopy(xd, src + t0 + shift, cols, dst + t0, t1 - t0);
        } else {
          k.mul(xd, src + t0 + shift, mask.data(), mo + t0 + shift, cols, dst + t0, t1 - t0);
        }
        Arrays.fill(cols, dst + t1, dst + g.outLen, 0f);
      }
    }
  }

  /** The adjoint of {@link #im2col}: adds column gradients back into the input gradient. */
  private static void col2imAdd(
      Geometry g, float[] dcols, Tensor mask, int b, float[] gx, int gxo) {
    Elementwise k = ElementwiseKernels.get();
    int mo = mask == null ? 0 : mask.offset() + b * g.len;
    for (int c = 0; c < g.cinG; c++) {
      int dst = gxo + c * g.len;
      for (int tap = 0; tap < g.kernel; tap++) {
        int src = (c * g.kernel + tap) * g.outLen;
        int shift = tap * g.dilation - g.padLeft;
        int t0 = Math.max(0, -shift);
        int t1 = Math.min(g.outLen, g.len - shift);
        if (t1 <= t0) {
          continue;
        }
        if (mask == null) {
          k.add(gx, dst + t0 + shift, dcols, src + t0, gx, dst + t0 + shift, t1 - t0);
        } else {
          k.mulAdd(dcols, src + t0, mask.data(), mo + t0 + shift, gx, dst + t0 + shift, t1 - t0);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------- geometry

  private static Geometry geometry(Shape x, Shape w, Conv1dSpec spec) {
    if (x.rank() != 3) {
      throw new ShapeMismatchException(
          "conv1d: input must have shape [batch, channels, length], but was " + x);
    }
    if (w.rank() != 3) {
      throw new ShapeMismatchException(
          "conv1d: weight must have shape [outChannels, inChannels / groups, kernelSize], but was "
              + w);
    }
    int groups = spec.groups();
    Checks.requireShape(
        x.dim(1) % groups == 0 && w.dim(0) % groups == 0 && w.dim(1) * groups == x.dim(1),
        "conv1d: weight %s does not fit input %s with %d groups: input channels %d must equal"
            + " weight.dim(1) * groups and both channel counts must be multiples of groups",
        w,
        x,
        groups,
        x.dim(1));
    Checks.requireShape(w.dim(2) >= 1, "conv1d: kernel size must be >= 1, but weight is %s", w);
    int outLen = spec.outputLength(x.dim(2), w.dim(2));
    Checks.requireShape(
        outLen >= 1,
        "conv1d: output length must be >= 1, but input %s with weight %s, padding %d + %d and"
            + " dilation %d gives %d",
        x,
        w,
        spec.padLeft(),
        spec.padRight(),
        spec.dilation(),
        outLen);
    return new Geometry(x, w, spec, outLen);
  }

  /** The sizes of one convolution call, checked once. */
  private static final class Geometry {
    final int batch;
    final int cin;
    final int len;
    final int cout;
    final int kernel;
    final int groups;
    final int dilation;
    final int padLeft;
    final int padRight;
    final int outLen;
    final int cinG;
    final int coutG;
    final Shape xShape;
    final Shape wShape;

    Geometry(Shape x, Shape w, Conv1dSpec spec, int outLen) {
      this.batch = x.dim(0);
      this.cin = x.dim(1);
      this.len = x.dim(2);
      this.cout = w.dim(0);
      this.kernel = w.dim(2);
      this.groups = spec.groups();
      this.dilation = spec.dilation();
      this.padLeft = spec.padLeft();
      this.padRight = spec.padRight();
      this.outLen = outLen;
      this.cinG = cin / groups;
      this.coutG = cout / groups;
      this.xShape = x;
      this.wShape = w;
    }

    Shape outShape() {
      return Shape.of(batch, cout, outLen);
    }

    /** Kernel size 1 without padding or mask: the input itself is the column matrix. */
    boolean direct(Tensor mask) {
      return kernel == 1 && padLeft == 0 && padRight == 0 && mask == null;
    }

    int minSamplesPerTask() {
      long flops = 2L * cout * cinG * kernel * outLen;
      return (int) Math.max(1, Math.min(batch, (MIN_FLOPS_PER_TASK + flops - 1) / flops));
    }

    void requireShape(String what, Shape actual, Shape expected) {
      Checks.requireShape(
          actual.equals(expected),
          "conv1d: %s must have shape %s for input %s and weight %s, but was %s",
          what,
          expected,
          xShape,
          wShape,
          actual);
    }

    void checkMask(Tensor mask) {
      if (mask == null) {
        return;
      }
      requireShape("mask", mask.shape(), Shape.of(batch, 1, len));
      Checks.requireShape(
          outLen == len,
          "conv1d: a mask needs an output as long as the input (%d), but padding %d + %d,"
              + " dilation %d and kernel size %d give %d",
          len,
          padLeft,
          padRight,
          dilation,
          kernel,
          outLen);
    }
  }
}
