package io.flows4j.autodiff;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Tensors;
import io.flows4j.tensor.kernels.ElementwiseKernels;

/**
 * Differentiable structural ops: concatenation and splitting along an axis, gathering batch rows,
 * and reshaping. Their backward rules move gradients back without arithmetic beyond additions.
 */
public final class ShapeOps {
  private ShapeOps() {}

  /**
   * Concatenates along {@code axis} (e.g. the channels of {@code [B, C, T]} at {@code axis = 1});
   * the gradient of each part is its slice of the output gradient.
   *
   * @param parts Vars of equal rank whose shapes agree except along {@code axis}
   * @throws ShapeMismatchException if the parts disagree off the axis
   * @throws IllegalArgumentException if there are no parts or the axis is out of range
   */
  public static Var concat(int axis, Var... parts) {
    Checks.requireArgument(parts.length > 0, "concat: at least one part is required");
    Tensor[] values = new Tensor[parts.length];
    for (int i = 0; i < parts.length; i++) {
      values[i] = parts[i].value();
    }
    Shape s = Tensors.concatShape(axis, values);
    int ax = s.normalizeAxis(axis);
    Tensor y = Tape.newValue(s);
    Tensors.concatInto(y, ax, values);
    Var[] inputs = parts.clone();
    return Tape.result(
        y,
        out -> {
          int start = 0;
          for (Var p : inputs) {
            if (p.requiresGrad()) {
              Tensors.addSlice(out.grad(), ax, start, p.grad());
            }
            start += p.shape().dim(ax);
          }
        },
        inputs);
  }

  /**
   * Splits {@code x} along {@code axis} into consecutive pieces of the given sizes (e.g. the two
   * halves of a coupling layer's features); each piece's gradient flows back into its slice of
   * {@code x}'s gradient.
   *
   * @throws ShapeMismatchException if the sizes do not add up to {@code x.shape().dim(axis)}
   * @throws IllegalArgumentException if a size is negative or the axis is out of range
   */
  public static Var[] split(Var x, int axis, int... sizes) {
    int ax = x.shape().normalizeAxis(axis);
    Tensors.checkSplit(x.shape(), ax, sizes);
    Var[] pieces = new Var[sizes.length];
    int start = 0;
    for (int i = 0; i < sizes.length; i++) {
      Tensor y = Tape.newValue(x.shape().with(ax, sizes[i]));
      Tensors.copySlice(x.value(), ax, start, y);
      int from = start;
      pieces[i] =
          Tape.result(
              y,
              out -> {
                if (x.requiresGrad()) {
                  Tensors.addIntoSlice(out.grad(), x.grad(), ax, from);
                }
              },
              x);
      start += sizes[i];
    }
    return pieces;
  }

  /**
   * Gathers batch rows, {@code y[i] = x[index[i]]}; the backward scatter-adds, so a row gathered
   * twice receives both gradients.
   *
   * @param x Var of shape {@code [B, ...]}
   * @param index row numbers in {@code [0, B)}; copied
   * @return Var of shape {@code [index.length, ...]}
   * @throws IllegalArgumentException if an index is out of range
   */
  public static Var gatherRows(Var x, int[] index) {
    int[] idx = index.clone();
    Tensor y = Tape.newValue(x.shape().withBatch(idx.length));
    Tensors.gatherRows(x.value(), idx, y);
    return Tape.result(
        y,
        out -> {
          if (x.requiresGrad()) {
            Tensors.scatterAddRows(out.grad(), idx, x.grad());
          }
        },
        x);
  }

  /**
   * The same elements with new dimensions (one may be {@code -1}, inferred). The value is a view of
   * {@code x}'s value, not a copy.
   *
   * @throws ShapeMismatchException if the element counts differ
   */
  public static Var reshape(Var x, int... dims) {
    Tensor y = x.value().reshape(dims);
    return Tape.result(
        y,
        out -> {
          if (x.requiresGrad()) {
            Tensor gx = x.grad();
            Tensor go = out.grad();
            ElementwiseKernels.get()
                .add(
                    gx.data(),
                    gx.offset(),
                    go.data(),
                    go.offset(),
                    gx.data(),
                    gx.offset(),
                    gx.size());
          }
        },
        x);
  }
}
