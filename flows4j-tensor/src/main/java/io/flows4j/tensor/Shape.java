package io.flows4j.tensor;

import java.util.Arrays;

/**
 * The dimensions of a dense row-major tensor, of rank 1 to 4: {@code [D]}, {@code [B, D]}, {@code
 * [B, C, T]} or {@code [B, C, H, W]}. The first dimension is the batch.
 *
 * @param dims the sizes, outermost first; each at least 0
 */
public record Shape(int... dims) {

  /** Largest rank a tensor may have. */
  public static final int MAX_RANK = 4;

  /**
   * Validates and defensively copies the dimensions.
   *
   * @throws IllegalArgumentException if the rank is not 1..4, a size is negative, or the element
   *     count overflows an {@code int}
   */
  public Shape {
    if (dims == null || dims.length < 1 || dims.length > MAX_RANK) {
      throw new IllegalArgumentException(
          "Shape: rank must be 1 to "
              + MAX_RANK
              + ", but was "
              + (dims == null ? "null" : dims.length));
    }
    dims = dims.clone();
    long n = 1;
    for (int d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException(
            "Shape: sizes must be >= 0, but was " + Arrays.toString(dims));
      }
      n *= d;
      if (n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "Shape: element count must fit an int, but " + Arrays.toString(dims) + " overflows");
      }
    }
  }

  /** Shorthand for {@code new Shape(dims)}. */
  public static Shape of(int... dims) {
    return new Shape(dims);
  }

  /** Returns a copy of the dimensions. */
  @Override
  public int[] dims() {
    return dims.clone();
  }

  /** Number of dimensions (1 to 4). */
  public int rank() {
    return dims.length;
  }

  /**
   * Size of one dimension; negative axes count from the end ({@code -1} is the last).
   *
   * @throws IllegalArgumentException if the axis is out of range
   */
  public int dim(int axis) {
    return dims[normalizeAxis(axis)];
  }

  /** Total number of elements. */
  public int size() {
    int n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
  }

  /** Number of elements per batch row: the product of every dimension but the first. */
  public int rowSize() {
    int n = 1;
    for (int i = 1; i < dims.length; i++) {
      n *= dims[i];
    }
    return n;
  }

  /** The batch size, the first dimension. */
  public int batch() {
    return dims[0];
  }

  /** Element stride of each dimension in row-major order. */
  public int[] strides() {
    int[] s = new int[dims.length];
    int stride = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = stride;
      stride *= dims[i];
    }
    return s;
  }

  /** This shape with the first dimension replaced by {@code batch}. */
  public Shape withBatch(int batch) {
    int[] d = dims.clone();
    d[0] = batch;
    return new Shape(d);
  }

  /** This shape with dimension {@code axis} replaced by {@code size}. */
  public Shape with(int axis, int size) {
    int[] d = dims.clone();
    d[normalizeAxis(axis)] = size;
    return new Shape(d);
  }

  /**
   * Turns a possibly negative axis into an index in {@code [0, rank)}.
   *
   * @throws IllegalArgumentException if the axis is out of range
   */
  public int normalizeAxis(int axis) {
    int a = axis < 0 ? axis + dims.length : axis;
    if (a < 0 || a >= dims.length) {
      throw new IllegalArgumentException(
          "Shape: axis must be in [-" + dims.length + ", " + dims.length + "), but was " + axis);
    }
    return a;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /** Prints as {@code [a, b]}, the form used in every error message. */
  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
