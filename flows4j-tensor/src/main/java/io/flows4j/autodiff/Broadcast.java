package io.flows4j.autodiff;

import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;

/**
 * How the two operands of a binary elementwise op line up with its output, viewed as a matrix of
 * {@code rows x cols} ({@code rows} = the batch, {@code cols} = the elements of one batch row).
 *
 * <p>The broadcasts a flow needs are the only ones supported: equal shapes; a row ({@code [D]} or
 * {@code [1, D]}, generally the output's shape without its batch, or with batch 1) repeated over
 * every batch row; a column ({@code [B, 1]}, one value per batch row); a one-element scalar. Each
 * operand is then addressed as {@code data[offset + i * rowStride + j * colStride]}.
 */
final class Broadcast {
  /** The role of one operand. */
  enum Kind {
    SAME,
    ROW,
    COLUMN,
    SCALAR
  }

  final Shape out;
  final int rows;
  final int cols;
  final Kind a;
  final Kind b;

  private Broadcast(Shape out, Kind a, Kind b) {
    this.out = out;
    this.rows = out.rank() >= 2 ? out.dim(0) : 1;
    this.cols = rows == 0 ? 0 : out.size() / rows;
    this.a = a;
    this.b = b;
  }

  /**
   * Works out the output shape and each operand's role.
   *
   * @throws ShapeMismatchException if the shapes fit none of the supported broadcasts
   */
  static Broadcast of(String op, Shape sa, Shape sb) {
    if (sa.equals(sb)) {
      return new Broadcast(sa, Kind.SAME, Kind.SAME);
    }
    if (sb.size() == 1 && (sa.size() != 1 || sa.rank() >= sb.rank())) {
      return new Broadcast(sa, Kind.SAME, Kind.SCALAR);
    }
    if (sa.size() == 1) {
      return new Broadcast(sb, Kind.SCALAR, Kind.SAME);
    }
    if (isRowOf(sb, sa)) {
      return new Broadcast(sa, Kind.SAME, Kind.ROW);
    }
    if (isRowOf(sa, sb)) {
      return new Broadcast(sb, Kind.ROW, Kind.SAME);
    }
    if (isColumnOf(sb, sa)) {
      return new Broadcast(sa, Kind.SAME, Kind.COLUMN);
    }
    if (isColumnOf(sa, sb)) {
      return new Broadcast(sb, Kind.COLUMN, Kind.SAME);
    }
    throw new ShapeMismatchException(
        op
            + ": shapes cannot be broadcast: "
            + sa
            + " and "
            + sb
            + "; supported are equal shapes, a row [D] or [1, D], a column [B, 1], or a scalar");
  }

  /** True when {@code small} is one batch row of {@code big}: {@code big} minus its batch. */
  private static boolean isRowOf(Shape small, Shape big) {
    if (big.rank() < 2) {
      return false;
    }
    int[] s = small.dims();
    int[] g = big.dims();
    if (s.length == g.length - 1) {
      for (int i = 0; i < s.length; i++) {
        if (s[i] != g[i + 1]) {
          return false;
        }
      }
      return true;
    }
    if (s.length == g.length && s[0] == 1) {
      for (int i = 1; i < s.length; i++) {
        if (s[i] != g[i]) {
          return false;
        }
      }
      return true;
    }
    return false;
  }

  /** True when {@code small} has one value per batch row of {@code big}: {@code [B, 1, ...]}. */
  private static boolean isColumnOf(Shape small, Shape big) {
    if (big.rank() < 2 || small.rank() != big.rank() || small.dim(0) != big.dim(0)) {
      return false;
    }
    return small.size() == small.dim(0);
  }

  /** Row stride of an operand of this kind (elements between batch rows). */
  int rowStride(Kind k) {
    return switch (k) {
      case SAME -> cols;
      case ROW, SCALAR -> 0;
      case COLUMN -> 1;
    };
  }

  /** Column stride of an operand of this kind (elements between neighbours within a row). */
  static int colStride(Kind k) {
    return k == Kind.SAME || k == Kind.ROW ? 1 : 0;
  }

  /**
   * Adds {@code scale * src} ({@code src} of the output's shape) into {@code target}, an operand's
   * gradient, summing over the dimensions the operand was broadcast along. Sums over many terms are
   * taken in double.
   */
  void accumulate(Tensor src, float scale, Tensor target, Kind k) {
    float[] s = src.data();
    int so = src.offset();
    float[] g = target.data();
    int go = target.offset();
    switch (k) {
      case SAME -> {
        int n = rows * cols;
        for (int i = 0; i < n; i++) {
          g[go + i] += scale * s[so + i];
        }
      }
      case ROW -> {
        for (int i = 0; i < rows; i++) {
          int r = so + i * cols;
          for (int j = 0; j < cols; j++) {
            g[go + j] += scale * s[r + j];
          }
        }
      }
      case COLUMN -> {
        for (int i = 0; i < rows; i++) {
          int r = so + i * cols;
          double sum = 0;
          for (int j = 0; j < cols; j++) {
            sum += s[r + j];
          }
          g[go + i] += (float) (scale * sum);
        }
      }
      case SCALAR -> {
        double sum = 0;
        int n = rows * cols;
        for (int i = 0; i < n; i++) {
          sum += s[so + i];
        }
        g[go] += (float) (scale * sum);
      }
    }
  }
}
