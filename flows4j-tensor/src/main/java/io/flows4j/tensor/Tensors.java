package io.flows4j.tensor;

import io.flows4j.tensor.kernels.Elementwise;
import io.flows4j.tensor.kernels.ElementwiseKernels;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Structural and elementwise operations on {@link Tensor}s: concatenation and splitting along an
 * axis, batch-row gather and scatter-add, broadcasting arithmetic, masks, reductions, transpose and
 * random fills. Every method that returns a tensor allocates it; the {@code ...Into} and
 * output-taking forms write into a tensor the caller owns, for allocation-free hot paths.
 *
 * <p><b>Broadcasting</b> follows NumPy's rules for ranks up to 4: shapes are aligned at their last
 * dimension, a missing leading dimension counts as 1, and a dimension of 1 stretches to match the
 * other operand. For example {@code [B, C, T] * [B, 1, T]} (a sequence mask) and {@code [B, D] +
 * [D]} (a bias) broadcast; {@code [2, 3] + [4, 3]} does not and throws {@link
 * ShapeMismatchException}.
 *
 * <p>Axes may be negative, counting from the end ({@code -1} is the last). Sums are accumulated in
 * double.
 */
public final class Tensors {
  private static final ThreadLocal<double[]> DOUBLE_SCRATCH =
      ThreadLocal.withInitial(() -> new double[256]);

  private Tensors() {}

  private static Elementwise kernels() {
    return ElementwiseKernels.get();
  }

  // ====================================================================== broadcasting arithmetic

  /**
   * The shape two operands broadcast to.
   *
   * @param op the operation name used in the error message
   * @throws ShapeMismatchException if the shapes do not broadcast
   */
  public static Shape broadcastShape(String op, Shape a, Shape b) {
    int r = Math.max(a.rank(), b.rank());
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      int da = dimFromEnd(a, r - 1 - i);
      int db = dimFromEnd(b, r - 1 - i);
      if (da != db && da != 1 && db != 1) {
        throw new ShapeMismatchException(op + ": shapes do not broadcast: " + a + " and " + b);
      }
      out[i] = da == 1 ? db : da;
    }
    return new Shape(out);
  }

  /**
   * {@code a + b} with broadcasting, into a new tensor.
   *
   * @throws ShapeMismatchException if the shapes do not broadcast
   */
  public static Tensor add(Tensor a, Tensor b) {
    return binary(BinaryOp.ADD, a, b, null);
  }

  /**
   * {@code out = a + b} with broadcasting; {@code out} may be {@code a} or {@code b} when it has
   * the full output shape.
   *
   * @throws ShapeMismatchException if the shapes do not broadcast or {@code out} has another shape
   */
  public static Tensor add(Tensor a, Tensor b, Tensor out) {
    return binary(BinaryOp.ADD, a, b, out);
  }

  /** {@code a - b} with broadcasting, into a new tensor; see {@link #add(Tensor, Tensor)}. */
  public static Tensor sub(Tensor a, Tensor b) {
    return binary(BinaryOp.SUB, a, b, null);
  }

  /** {@code out = a - b} with broadcasting; see {@link #add(Tensor, Tensor, Tensor)}. */
  public static Tensor sub(Tensor a, Tensor b, Tensor out) {
    return binary(BinaryOp.SUB, a, b, out);
  }

  /** {@code a * b} with broadcasting, into a new tensor; see {@link #add(Tensor, Tensor)}. */
  public static Tensor mul(Tensor a, Tensor b) {
    return binary(BinaryOp.MUL, a, b, null);
  }

  /** {@code out = a * b} with broadcasting; see {@link #add(Tensor, Tensor, Tensor)}. */
  public static Tensor mul(Tensor a, Tensor b, Tensor out) {
    return binary(BinaryOp.MUL, a, b, out);
  }

  /** {@code a / b} with broadcasting, into a new tensor; see {@link #add(Tensor, Tensor)}. */
  public static Tensor div(Tensor a, Tensor b) {
    return binary(BinaryOp.DIV, a, b, null);
  }

  /** {@code out = a / b} with broadcasting; see {@link #add(Tensor, Tensor, Tensor)}. */
  public static Tensor div(Tensor a, Tensor b, Tensor out) {
    return binary(BinaryOp.DIV, a, b, out);
  }

  /**
   * {@code x * mask} for a 0/1 {@code mask} that broadcasts to {@code x}'s shape, e.g. a sequence
   * mask {@code [B, 1, T]} on {@code x} of shape {@code [B, C, T]}; into a new tensor of x's shape.
   *
   * @throws ShapeMismatchException if the mask does not broadcast to x's shape
   */
  public static Tensor applyMask(Tensor x, Tensor mask) {
    return applyMask(x, mask, Tensor.zeros(x.shape()));
  }

  /**
   * {@code out = x * mask}; {@code out} may be {@code x} (masking in place).
   *
   * @throws ShapeMismatchException if the mask does not broadcast to x's shape or out differs from
   *     it
   */
  public static Tensor applyMask(Tensor x, Tensor mask, Tensor out) {
    Shape s = broadcastShape("applyMask", x.shape(), mask.shape());
    Checks.requireShape(
        s.equals(x.shape()),
        "applyMask: mask %s must broadcast to the input shape %s",
        mask.shape(),
        x.shape());
    return binary(BinaryOp.MUL, x, mask, out, "applyMask");
  }

  /**
   * {@code out = cond != 0 ? a : b} elementwise, all three broadcasting to a common shape; into a
   * new tensor.
   *
   * @throws ShapeMismatchException if the three shapes do not broadcast together
   */
  public static Tensor where(Tensor cond, Tensor a, Tensor b) {
    return where(cond, a, b, null);
  }

  /**
   * {@code out = cond != 0 ? a : b} elementwise with broadcasting, into {@code out} (or a new
   * tensor when it is {@code null}).
   *
   * @throws ShapeMismatchException if the shapes do not broadcast together or {@code out} has
   *     another shape
   */
  public static Tensor where(Tensor cond, Tensor a, Tensor b, Tensor out) {
    Shape s;
    try {
      s = broadcastShape("where", cond.shape(), broadcastShape("where", a.shape(), b.shape()));
    } catch (ShapeMismatchException e) {
      throw new ShapeMismatchException(
          "where: shapes do not broadcast: condition "
              + cond.shape()
              + ", a "
              + a.shape()
              + ", b "
              + b.shape());
    }
    Tensor o = outputFor("where", s, out);
    Plan p = Plan.of(s, cond.shape(), a.shape(), b.shape());
    float[] c = cond.data();
    float[] ad = a.data();
    float[] bd = b.data();
    float[] od = o.data();
    p.forEachRow(
        (offs, n) -> {
          int sc = p.innerStride(1);
          int sa = p.innerStride(2);
          int sb = p.innerStride(3);
          int co = cond.offset() + offs[1];
          int ao = a.offset() + offs[2];
          int bo = b.offset() + offs[3];
          int oo = o.offset() + offs[0];
          for (int i = 0; i < n; i++) {
            od[oo + i] = c[co + i * sc] != 0f ? ad[ao + i * sa] : bd[bo + i * sb];
          }
        });
    return o;
  }

  /**
   * Sums a gradient over the dimensions along which {@code shape} was broadcast, giving a tensor of
   * {@code shape}: the adjoint of broadcasting {@code shape} to {@code grad}'s shape. For example a
   * gradient {@code [B, D]} reduces to a bias gradient {@code [D]} or {@code [1, D]}.
   *
   * @param grad gradient of the broadcast result
   * @param shape the shape of the operand before broadcasting
   * @throws ShapeMismatchException if {@code shape} does not broadcast to {@code grad}'s shape
   */
  public static Tensor unbroadcastSum(Tensor grad, Shape shape) {
    Tensor out = Tensor.zeros(shape);
    unbroadcastSumAdd(grad, out);
    return out;
  }

  /**
   * {@code into += unbroadcastSum(grad, into.shape())}, the form a backward rule uses; the sums are
   * accumulated in double before being added.
   *
   * @throws ShapeMismatchException if {@code into}'s shape does not broadcast to {@code grad}'s
   */
  public static void unbroadcastSumAdd(Tensor grad, Tensor into) {
    Shape g = grad.shape();
    Shape t = into.shape();
    boolean fits;
    try {
      fits = broadcastShape("unbroadcastSum", t, g).equals(g);
    } catch (ShapeMismatchException e) {
      fits = false;
    }
    Checks.requireShape(
        fits, "unbroadcastSum: shape %s does not broadcast to the gradient shape %s", t, g);
    if (t.size() == g.size()) {
      kernels()
          .add(
              into.data(),
              into.offset(),
              grad.data(),
              grad.offset(),
              into.data(),
              into.offset(),
              t.size());
      return;
    }
    double[] acc = doubleScratch(t.size());
    Arrays.fill(acc, 0, t.size(), 0.0);
    Plan p = Plan.of(g, g, t);
    float[] gd = grad.data();
    p.forEachRow(
        (offs, n) -> {
          int go = grad.offset() + offs[1];
          int to = offs[2];
          if (p.innerStride(2) == 0) {
            double s = 0;
            for (int i = 0; i < n; i++) {
              s += gd[go + i];
            }
            acc[to] += s;
          } else {
            for (int i = 0; i < n; i++) {
              acc[to + i] += gd[go + i];
            }
          }
        });
    float[] id = into.data();
    int io = into.offset();
    for (int i = 0; i < t.size(); i++) {
      id[io + i] = (float) (id[io + i] + acc[i]);
    }
  }

  // ====================================================================== concat, split, slices

  /**
   * Concatenates tensors along {@code axis}: features of {@code [B, D]} ({@code axis = 1}),
   * channels of {@code [B, C, T]} and {@code [B, C, H, W]} ({@code axis = 1}), or batches ({@code
   * axis = 0}).
   *
   * @param parts tensors of equal rank whose dimensions agree except along {@code axis}
   * @throws ShapeMismatchException if the parts disagree off the axis
   * @throws IllegalArgumentException if there are no parts or the axis is out of range
   */
  public static Tensor concat(int axis, Tensor... parts) {
    Shape s = concatShape(axis, parts);
    Tensor out = Tensor.zeros(s);
    concatInto(out, axis, parts);
    return out;
  }

  /**
   * Writes the concatenation of {@code parts} along {@code axis} into {@code out}.
   *
   * @throws ShapeMismatchException if the parts disagree off the axis or {@code out} has another
   *     shape than their concatenation
   */
  public static Tensor concatInto(Tensor out, int axis, Tensor... parts) {
    Shape s = concatShape(axis, parts);
    Checks.requireShape(
        s.equals(out.shape()), "concat: output must have shape %s, but was %s", s, out.shape());
    int ax = s.normalizeAxis(axis);
    int start = 0;
    for (Tensor part : parts) {
      transfer(out, ax, start, part, true, false, "concat");
      start += part.shape().dim(ax);
    }
    return out;
  }

  /** The shape of the concatenation of {@code parts} along {@code axis}. */
  public static Shape concatShape(int axis, Tensor... parts) {
    Checks.requireArgument(parts.length > 0, "concat: at least one part is required");
    Shape first = parts[0].shape();
    int ax = first.normalizeAxis(axis);
    int total = 0;
    for (Tensor p : parts) {
      Shape s = p.shape();
      boolean agree = s.rank() == first.rank();
      for (int d = 0; agree && d < s.rank(); d++) {
        agree = d == ax || s.dim(d) == first.dim(d);
      }
      if (!agree) {
        throw new ShapeMismatchException(
            "concat: parts must agree except along axis "
                + ax
                + ", but got "
                + first
                + " and "
                + s);
      }
      total += s.dim(ax);
    }
    return first.with(ax, total);
  }

  /**
   * Splits {@code x} along {@code axis} into consecutive pieces of the given sizes (copies).
   *
   * @throws ShapeMismatchException if the sizes do not add up to {@code x.dim(axis)}
   * @throws IllegalArgumentException if a size is negative or the axis is out of range
   */
  public static Tensor[] split(Tensor x, int axis, int... sizes) {
    int ax = x.shape().normalizeAxis(axis);
    checkSplit(x.shape(), ax, sizes);
    Tensor[] parts = new Tensor[sizes.length];
    int start = 0;
    for (int i = 0; i < sizes.length; i++) {
      parts[i] = Tensor.zeros(x.shape().with(ax, sizes[i]));
      transfer(x, ax, start, parts[i], false, false, "split");
      start += sizes[i];
    }
    return parts;
  }

  /**
   * Checks that {@code sizes} split dimension {@code axis} of {@code shape} exactly.
   *
   * @throws ShapeMismatchException if the sizes do not add up
   * @throws IllegalArgumentException if a size is negative
   */
  public static void checkSplit(Shape shape, int axis, int... sizes) {
    int ax = shape.normalizeAxis(axis);
    long sum = 0;
    for (int s : sizes) {
      Checks.requireNonNegative(s, "split", "every size");
      sum += s;
    }
    Checks.requireShape(
        sum == shape.dim(ax),
        "split: sizes %s must add up to dimension %d of %s, which is %d",
        Arrays.toString(sizes),
        ax,
        shape,
        shape.dim(ax));
  }

  /**
   * A copy of {@code x[..., from:to, ...]} along {@code axis}.
   *
   * @throws IllegalArgumentException if the range is not within the axis
   */
  public static Tensor slice(Tensor x, int axis, int from, int to) {
    int ax = x.shape().normalizeAxis(axis);
    Checks.requireArgument(
        0 <= from && from <= to && to <= x.dim(ax),
        "slice: range [%d, %d) must lie within [0, %d] of axis %d of %s",
        from,
        to,
        x.dim(ax),
        ax,
        x.shape());
    Tensor out = Tensor.zeros(x.shape().with(ax, to - from));
    transfer(x, ax, from, out, false, false, "slice");
    return out;
  }

  /**
   * {@code dst = src[..., from : from + dst.dim(axis), ...]} along {@code axis}.
   *
   * @throws ShapeMismatchException if the shapes disagree off the axis or the slice overruns
   */
  public static void copySlice(Tensor src, int axis, int from, Tensor dst) {
    transfer(src, src.shape().normalizeAxis(axis), from, dst, false, false, "copySlice");
  }

  /**
   * {@code dst += src[..., from : from + dst.dim(axis), ...]} along {@code axis}: the backward of a
   * concatenation for one part.
   *
   * @throws ShapeMismatchException if the shapes disagree off the axis or the slice overruns
   */
  public static void addSlice(Tensor src, int axis, int from, Tensor dst) {
    transfer(src, src.shape().normalizeAxis(axis), from, dst, false, true, "addSlice");
  }

  /**
   * {@code dst[..., from : from + src.dim(axis), ...] = src} along {@code axis}.
   *
   * @throws ShapeMismatchException if the shapes disagree off the axis or the slice overruns
   */
  public static void copyIntoSlice(Tensor src, Tensor dst, int axis, int from) {
    transfer(dst, dst.shape().normalizeAxis(axis), from, src, true, false, "copyIntoSlice");
  }

  /**
   * {@code dst[..., from : from + src.dim(axis), ...] += src} along {@code axis}: the backward of a
   * split for one piece.
   *
   * @throws ShapeMismatchException if the shapes disagree off the axis or the slice overruns
   */
  public static void addIntoSlice(Tensor src, Tensor dst, int axis, int from) {
    transfer(dst, dst.shape().normalizeAxis(axis), from, src, true, true, "addIntoSlice");
  }

  /**
   * Moves data between {@code big[..., start : start + small.dim(ax), ...]} and {@code small}: into
   * big when {@code toBig}, else into small; adding when {@code add}.
   */
  private static void transfer(
      Tensor big, int ax, int start, Tensor small, boolean toBig, boolean add, String op) {
    Shape bs = big.shape();
    Shape ss = small.shape();
    boolean agree = bs.rank() == ss.rank();
    for (int d = 0; agree && d < bs.rank(); d++) {
      agree = d == ax || bs.dim(d) == ss.dim(d);
    }
    if (!agree) {
      throw new ShapeMismatchException(
          op + ": shapes must agree except along axis " + ax + ", but got " + bs + " and " + ss);
    }
    int len = ss.dim(ax);
    Checks.requireShape(
        start >= 0 && start + len <= bs.dim(ax),
        "%s: slice [%d, %d) of axis %d must lie within %s",
        op,
        start,
        start + len,
        ax,
        bs);
    int outer = 1;
    for (int d = 0; d < ax; d++) {
      outer *= bs.dim(d);
    }
    int inner = 1;
    for (int d = ax + 1; d < bs.rank(); d++) {
      inner *= bs.dim(d);
    }
    int chunk = len * inner;
    int bigRow = bs.dim(ax) * inner;
    Elementwise k = kernels();
    float[] bd = big.data();
    float[] sd = small.data();
    for (int o = 0; o < outer; o++) {
      int bo = big.offset() + o * bigRow + start * inner;
      int so = small.offset() + o * chunk;
      if (toBig) {
        if (add) {
          k.add(bd, bo, sd, so, bd, bo, chunk);
        } else {
          System.arraycopy(sd, so, bd, bo, chunk);
        }
      } else {
        if (add) {
          k.add(sd, so, bd, bo, sd, so, chunk);
        } else {
          System.arraycopy(bd, bo, sd, so, chunk);
        }
      }
    }
  }

  // ====================================================================== gather and scatter

  /**
   * Gathers batch rows: {@code out[i] = x[index[i]]}, giving a tensor with {@code index.length}
   * rows (a minibatch drawn from a data set, say).
   *
   * @param x tensor of shape {@code [B, ...]}
   * @param index row numbers, each in {@code [0, B)}; repeats are allowed
   * @throws IllegalArgumentException if an index is out of range
   */
  public static Tensor gatherRows(Tensor x, int[] index) {
    return gatherRows(x, index, Tensor.zeros(x.shape().withBatch(index.length)));
  }

  /**
   * {@code out[i] = x[index[i]]} into {@code out} of shape {@code [index.length, ...]}.
   *
   * @throws ShapeMismatchException if {@code out}'s shape is not {@code x}'s with batch {@code
   *     index.length}
   * @throws IllegalArgumentException if an index is out of range
   */
  public static Tensor gatherRows(Tensor x, int[] index, Tensor out) {
    Shape want = x.shape().withBatch(index.length);
    Checks.requireShape(
        want.equals(out.shape()),
        "gatherRows: output must have shape %s, but was %s",
        want,
        out.shape());
    checkIndices("gatherRows", index, x.shape().batch());
    int row = x.shape().rowSize();
    for (int i = 0; i < index.length; i++) {
      System.arraycopy(
          x.data(), x.offset() + index[i] * row, out.data(), out.offset() + i * row, row);
    }
    return out;
  }

  /**
   * Adds rows into the rows named by {@code index}: {@code out[index[i]] += src[i]}, the adjoint of
   * {@link #gatherRows}. Repeated indices accumulate.
   *
   * @param src tensor of shape {@code [index.length, ...]}
   * @param out tensor of shape {@code [B, ...]}, same row shape as {@code src}
   * @throws ShapeMismatchException if the row shapes differ or src has not {@code index.length}
   *     rows
   * @throws IllegalArgumentException if an index is out of range
   */
  public static void scatterAddRows(Tensor src, int[] index, Tensor out) {
    Shape want = out.shape().withBatch(index.length);
    Checks.requireShape(
        want.equals(src.shape()),
        "scatterAddRows: source must have shape %s to scatter into %s, but was %s",
        want,
        out.shape(),
        src.shape());
    checkIndices("scatterAddRows", index, out.shape().batch());
    int row = out.shape().rowSize();
    Elementwise k = kernels();
    for (int i = 0; i < index.length; i++) {
      int o = out.offset() + index[i] * row;
      k.add(out.data(), o, src.data(), src.offset() + i * row, out.data(), o, row);
    }
  }

  private static void checkIndices(String op, int[] index, int bound) {
    for (int i = 0; i < index.length; i++) {
      if (index[i] < 0 || index[i] >= bound) {
        throw new IllegalArgumentException(
            op + ": index[" + i + "] must be in [0, " + bound + "), but was " + index[i]);
      }
    }
  }

  // ====================================================================== transpose

  /**
   * The transpose of a {@code [rows, cols]} matrix, as a new {@code [cols, rows]} tensor.
   *
   * @throws ShapeMismatchException if {@code m} is not of rank 2
   */
  public static Tensor transpose(Tensor m) {
    Checks.requireShape(m.rank() == 2, "transpose: input must have rank 2, but was %s", m.shape());
    return transpose(m, Tensor.zeros(m.dim(1), m.dim(0)));
  }

  /**
   * {@code out = m^T} for {@code m} of shape {@code [rows, cols]} and {@code out} of shape {@code
   * [cols, rows]} (not overlapping {@code m}); done in cache-sized tiles.
   *
   * @throws ShapeMismatchException if the shapes do not fit
   */
  public static Tensor transpose(Tensor m, Tensor out) {
    Checks.requireShape(
        m.rank() == 2 && out.rank() == 2 && out.dim(0) == m.dim(1) && out.dim(1) == m.dim(0),
        "transpose: output must have shape [%d, %d] for input %s, but was %s",
        m.rank() == 2 ? m.dim(1) : -1,
        m.rank() == 2 ? m.dim(0) : -1,
        m.shape(),
        out.shape());
    int rows = m.dim(0);
    int cols = m.dim(1);
    float[] a = m.data();
    float[] b = out.data();
    int ao = m.offset();
    int bo = out.offset();
    final int tile = 32;
    for (int i0 = 0; i0 < rows; i0 += tile) {
      int i1 = Math.min(rows, i0 + tile);
      for (int j0 = 0; j0 < cols; j0 += tile) {
        int j1 = Math.min(cols, j0 + tile);
        for (int i = i0; i < i1; i++) {
          for (int j = j0; j < j1; j++) {
            b[bo + j * rows + i] = a[ao + i * cols + j];
          }
        }
      }
    }
    return out;
  }

  // ====================================================================== reductions

  /** The sum of every element, accumulated in double. */
  public static double sum(Tensor x) {
    return kernels().sum(x.data(), x.offset(), x.size());
  }

  /** The mean of every element (NaN for an empty tensor). */
  public static double mean(Tensor x) {
    return sum(x) / x.size();
  }

  /** The largest element ({@code -inf} for an empty tensor, NaN if some element is NaN). */
  public static float max(Tensor x) {
    return kernels().max(x.data(), x.offset(), x.size());
  }

  /** The sum of squares of every element, accumulated in double. */
  public static double sumOfSquares(Tensor x) {
    return kernels().sumOfSquares(x.data(), x.offset(), x.size());
  }

  /**
   * Sums along {@code axis}, keeping it with size 1 (so the result broadcasts against {@code x}).
   *
   * @throws IllegalArgumentException if the axis is out of range
   */
  public static Tensor sum(Tensor x, int axis) {
    return reduce(x, axis, Reduction.SUM);
  }

  /** Means along {@code axis}, keeping it with size 1; see {@link #sum(Tensor, int)}. */
  public static Tensor mean(Tensor x, int axis) {
    return reduce(x, axis, Reduction.MEAN);
  }

  /** Maxima along {@code axis}, keeping it with size 1; see {@link #sum(Tensor, int)}. */
  public static Tensor max(Tensor x, int axis) {
    return reduce(x, axis, Reduction.MAX);
  }

  /**
   * {@code log(sum exp(x))} along {@code axis}, keeping it with size 1, computed without overflow.
   */
  public static Tensor logSumExp(Tensor x, int axis) {
    int[] oli = outerLengthInner(x.shape(), axis);
    Tensor out = Tensor.zeros(x.shape().with(axis, 1));
    kernels().logSumExp(x.data(), x.offset(), oli[0], oli[1], oli[2], out.data(), out.offset());
    return out;
  }

  /** Softmax along {@code axis}: {@code exp(x) / sum exp(x)}, computed from {@code x - max}. */
  public static Tensor softmax(Tensor x, int axis) {
    int[] oli = outerLengthInner(x.shape(), axis);
    Tensor out = Tensor.zeros(x.shape());
    kernels().softmax(x.data(), x.offset(), oli[0], oli[1], oli[2], out.data(), out.offset());
    return out;
  }

  /** Log-softmax along {@code axis}: {@code x - logSumExp(x)}. */
  public static Tensor logSoftmax(Tensor x, int axis) {
    int[] oli = outerLengthInner(x.shape(), axis);
    Tensor out = Tensor.zeros(x.shape());
    kernels().logSoftmax(x.data(), x.offset(), oli[0], oli[1], oli[2], out.data(), out.offset());
    return out;
  }

  /**
   * The {@code [outer, length, inner]} view of {@code shape} around {@code axis}: the product of
   * the dimensions before it, its size, and the product of those after it (the layout of the axis
   * kernels of {@link Elementwise}).
   */
  public static int[] outerLengthInner(Shape shape, int axis) {
    int ax = shape.normalizeAxis(axis);
    int outer = 1;
    for (int d = 0; d < ax; d++) {
      outer *= shape.dim(d);
    }
    int inner = 1;
    for (int d = ax + 1; d < shape.rank(); d++) {
      inner *= shape.dim(d);
    }
    return new int[] {outer, shape.dim(ax), inner};
  }

  private enum Reduction {
    SUM,
    MEAN,
    MAX
  }

  private static Tensor reduce(Tensor x, int axis, Reduction r) {
    int[] oli = outerLengthInner(x.shape(), axis);
    int outer = oli[0];
    int len = oli[1];
    int inner = oli[2];
    Tensor out = Tensor.zeros(x.shape().with(axis, 1));
    float[] xd = x.data();
    float[] od = out.data();
    Elementwise k = kernels();
    for (int o = 0; o < outer; o++) {
      int base = x.offset() + o * len * inner;
      int ob = out.offset() + o * inner;
      if (inner == 1) {
        od[ob] =
            switch (r) {
              case SUM -> (float) k.sum(xd, base, len);
              case MEAN -> (float) (k.sum(xd, base, len) / len);
              case MAX -> k.max(xd, base, len);
            };
        continue;
      }
      if (r == Reduction.MAX) {
        Arrays.fill(od, ob, ob + inner, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < len; j++) {
          for (int i = 0; i < inner; i++) {
            od[ob + i] = Math.max(od[ob + i], xd[base + j * inner + i]);
          }
        }
      } else {
        double[] acc = doubleScratch(inner);
        Arrays.fill(acc, 0, inner, 0.0);
        for (int j = 0; j < len; j++) {
          for (int i = 0; i < inner; i++) {
            acc[i] += xd[base + j * inner + i];
          }
        }
        double scale = r == Reduction.MEAN ? 1.0 / len : 1.0;
        for (int i = 0; i < inner; i++) {
          od[ob + i] = (float) (acc[i] * scale);
        }
      }
    }
    return out;
  }

  // ====================================================================== random

  /** A new tensor of independent standard normal values drawn from {@code rng}. */
  public static Tensor randomNormal(Rng rng, int... dims) {
    return rng.fillNormal(Tensor.zeros(dims), 0, 1);
  }

  /** A new tensor of independent uniform values in {@code [lo, hi)} drawn from {@code rng}. */
  public static Tensor randomUniform(Rng rng, double lo, double hi, int... dims) {
    return rng.fillUniform(Tensor.zeros(dims), lo, hi);
  }

  // ====================================================================== internals

  private static double[] doubleScratch(int n) {
    double[] a = DOUBLE_SCRATCH.get();
    if (a.length < n) {
      a = new double[Math.max(n, 2 * a.length)];
      DOUBLE_SCRATCH.set(a);
    }
    return a;
  }

  private static int dimFromEnd(Shape s, int fromEnd) {
    int i = s.rank() - 1 - fromEnd;
    return i >= 0 ? s.dim(i) : 1;
  }

  private static Tensor outputFor(String op, Shape s, Tensor out) {
    if (out == null) {
      return Tensor.zeros(s);
    }
    Checks.requireShape(
        out.shape().equals(s), "%s: output must have shape %s, but was %s", op, s, out.shape());
    return out;
  }

  private enum BinaryOp {
    ADD,
    SUB,
    MUL,
    DIV
  }

  private static Tensor binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
    return binary(op, a, b, out, op.name().toLowerCase(java.util.Locale.ROOT));
  }

  private static Tensor binary(BinaryOp op, Tensor a, Tensor b, Tensor out, String name) {
    Shape s = broadcastShape(name, a.shape(), b.shape());
    Tensor o = outputFor(name, s, out);
    float[] ad = a.data();
    float[] bd = b.data();
    float[] od = o.data();
    Elementwise k = kernels();
    if (a.shape().size() == s.size() && b.shape().size() == s.size()) {
      contiguous(k, op, ad, a.offset(), bd, b.offset(), od, o.offset(), s.size());
      return o;
    }
    Plan p = Plan.of(s, a.shape(), b.shape());
    int sa = p.innerStride(1);
    int sb = p.innerStride(2);
    p.forEachRow(
        (offs, n) -> {
          int ao = a.offset() + offs[1];
          int bo = b.offset() + offs[2];
          int oo = o.offset() + offs[0];
          if (sa == 1 && sb == 1) {
            contiguous(k, op, ad, ao, bd, bo, od, oo, n);
          } else if (sa == 0) {
            scalarLeft(op, ad[ao], bd, bo, od, oo, n);
          } else {
            scalarRight(op, ad, ao, bd[bo], od, oo, n);
          }
        });
    return o;
  }

  private static void contiguous(
      Elementwise k, BinaryOp op, float[] a, int ao, float[] b, int bo, float[] c, int co, int n) {
    switch (op) {
      case ADD -> k.add(a, ao, b, bo, c, co, n);
      case SUB -> k.sub(a, ao, b, bo, c, co, n);
      case MUL -> k.mul(a, ao, b, bo, c, co, n);
      case DIV -> k.div(a, ao, b, bo, c, co, n);
    }
  }

  private static void scalarLeft(
      BinaryOp op, float a, float[] b, int bo, float[] c, int co, int n) {
    switch (op) {
      case ADD -> {
        for (int i = 0; i < n; i++) {
          c[co + i] = a + b[bo + i];
        }
      }
      case SUB -> {
        for (int i = 0; i < n; i++) {
          c[co + i] = a - b[bo + i];
        }
      }
      case MUL -> {
        for (int i = 0; i < n; i++) {
          c[co + i] = a * b[bo + i];
        }
      }
      case DIV -> {
        for (int i = 0; i < n; i++) {
          c[co + i] = a / b[bo + i];
        }
      }
    }
  }

  private static void scalarRight(
      BinaryOp op, float[] a, int ao, float b, float[] c, int co, int n) {
    switch (op) {
      case ADD -> {
        for (int i = 0; i < n; i++) {
          c[co + i] = a[ao + i] + b;
        }
      }
      case SUB -> {
        for (int i = 0; i < n; i++) {
          c[co + i] = a[ao + i] - b;
        }
      }
      case MUL -> {
        for (int i = 0; i < n; i++) {
          c[co + i] = a[ao + i] * b;
        }
      }
      case DIV -> {
        for (int i = 0; i < n; i++) {
          c[co + i] = a[ao + i] / b;
        }
      }
    }
  }

  /**
   * An iteration plan over a broadcast output: operand 0 is the output (row-major), the others are
   * operands with stride 0 along their broadcast dimensions. Output dimensions of size 1 are
   * dropped and adjacent dimensions that every operand walks contiguously are merged, so the
   * innermost loop is as long as the layout allows (a per-channel scale over {@code [B, C, H, W]}
   * runs rows of {@code H * W}).
   */
  private static final class Plan {
    private final int[] dims;
    private final int[][] strides;

    private Plan(int[] dims, int[][] strides) {
      this.dims = dims;
      this.strides = strides;
    }

    /** Work on one innermost row: element offsets of each operand (no tensor offset) and length. */
    interface Row {
      void run(int[] offsets, int n);
    }

    static Plan of(Shape out, Shape... operands) {
      int r = out.rank();
      int k = operands.length + 1;
      List<int[]> dimList = new ArrayList<>();
      List<int[]> strideList = new ArrayList<>();
      int[][] natural = new int[k][];
      natural[0] = out.strides();
      for (int j = 1; j < k; j++) {
        natural[j] = operands[j - 1].strides();
      }
      for (int d = 0; d < r; d++) {
        int size = out.dim(d);
        if (size == 1) {
          continue;
        }
        int[] st = new int[k];
        st[0] = natural[0][d];
        for (int j = 1; j < k; j++) {
          Shape s = operands[j - 1];
          int i = d - (r - s.rank());
          st[j] = i < 0 || s.dim(i) == 1 ? 0 : natural[j][i];
        }
        if (!dimList.isEmpty()) {
          int[] prevSt = strideList.get(strideList.size() - 1);
          boolean merge = true;
          for (int j = 0; j < k && merge; j++) {
            merge = prevSt[j] == st[j] * size;
          }
          if (merge) {
            int[] prevDim = dimList.get(dimList.size() - 1);
            prevDim[0] *= size;
            strideList.set(strideList.size() - 1, st);
            continue;
          }
        }
        dimList.add(new int[] {size});
        strideList.add(st);
      }
      if (dimList.isEmpty()) {
        dimList.add(new int[] {1});
        strideList.add(new int[k]);
        for (int j = 0; j < k; j++) {
          strideList.get(0)[j] = 1;
        }
      }
      int m = dimList.size();
      int[] dims = new int[m];
      int[][] strides = new int[k][m];
      for (int d = 0; d < m; d++) {
        dims[d] = dimList.get(d)[0];
        for (int j = 0; j < k; j++) {
          strides[j][d] = strideList.get(d)[j];
        }
      }
      return new Plan(dims, strides);
    }

    /** The stride of operand {@code j} along the innermost (merged) dimension: 0 or 1. */
    int innerStride(int j) {
      return strides[j][dims.length - 1];
    }

    void forEachRow(Row row) {
      int m = dims.length;
      int n = dims[m - 1];
      int k = strides.length;
      int[] offs = new int[k];
      if (n == 0) {
        return;
      }
      int outerCount = 1;
      for (int d = 0; d < m - 1; d++) {
        outerCount *= dims[d];
      }
      int[] idx = new int[Math.max(0, m - 1)];
      for (int c = 0; c < outerCount; c++) {
        row.run(offs, n);
        // Odometer increment over the outer dimensions, updating every operand's offset.
        for (int d = m - 2; d >= 0; d--) {
          idx[d]++;
          for (int j = 0; j < k; j++) {
            offs[j] += strides[j][d];
          }
          if (idx[d] < dims[d]) {
            break;
          }
          for (int j = 0; j < k; j++) {
            offs[j] -= strides[j][d] * dims[d];
          }
          idx[d] = 0;
        }
      }
    }
  }
}
