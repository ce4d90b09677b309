package io.flows4j.tensor;

import java.util.Arrays;

/**
 * A dense float32 tensor of rank 1 to 4, stored row-major and contiguous in a {@code float[]}
 * starting at {@link #offset()}. The first dimension is the batch: {@code [B, D]} for vectors,
 * {@code [B, C, T]} for sequences, {@code [B, C, H, W]} for images.
 *
 * <p>Views ({@link #reshape}, {@link #rows}) share the array with their source: writing through a
 * view writes the source. Every element of a tensor is at {@code data()[offset() + i]} for {@code
 * i} in {@code [0, size())}, so kernels can address it as a flat slice.
 */
public final class Tensor {
  private final float[] data;
  private final int offset;
  private final Shape shape;

  private Tensor(float[] data, int offset, Shape shape) {
    this.data = data;
    this.offset = offset;
    this.shape = shape;
  }

  /**
   * Wraps {@code data[offset, offset + shape.size())} without copying.
   *
   * @throws IllegalArgumentException if the slice does not fit in the array
   */
  public static Tensor wrap(float[] data, int offset, Shape shape) {
    if (offset < 0 || (long) offset + shape.size() > data.length) {
      throw new IllegalArgumentException(
          "Tensor.wrap: "
              + shape
              + " at offset "
              + offset
              + " must fit in an array of "
              + data.length
              + " floats");
    }
    return new Tensor(data, offset, shape);
  }

  /** Wraps {@code data} whole; its length must equal the shape's size. */
  public static Tensor wrap(float[] data, int... dims) {
    Shape s = new Shape(dims);
    Checks.requireShape(
        s.size() == data.length,
        "Tensor.wrap: shape %s needs %d values, but the array has %d",
        s,
        s.size(),
        data.length);
    return new Tensor(data, 0, s);
  }

  /** A new tensor of zeros. */
  public static Tensor zeros(Shape shape) {
    return new Tensor(new float[shape.size()], 0, shape);
  }

  /** A new tensor of zeros. */
  public static Tensor zeros(int... dims) {
    return zeros(new Shape(dims));
  }

  /** A new tensor with every element equal to {@code value}. */
  public static Tensor full(Shape shape, float value) {
    float[] d = new float[shape.size()];
    Arrays.fill(d, value);
    return new Tensor(d, 0, shape);
  }

  /** A new tensor holding a copy of {@code values} with the given shape. */
  public static Tensor of(float[] values, int... dims) {
    return wrap(values.clone(), dims);
  }

  /** A new {@code [rows, cols]} tensor holding a copy of a rectangular matrix. */
  public static Tensor of(float[][] rows) {
    int cols = rows.length == 0 ? 0 : rows[0].length;
    float[] d = new float[rows.length * cols];
    for (int i = 0; i < rows.length; i++) {
      Checks.requireShape(
          rows[i].length == cols,
          "Tensor.of: rows must all have %d values, but row %d has %d",
          cols,
          i,
          rows[i].length);
      System.arraycopy(rows[i], 0, d, i * cols, cols);
    }
    return new Tensor(d, 0, new Shape(rows.length, cols));
  }

  /** The backing array (shared, not copied). Elements live at {@code [offset, offset + size)}. */
  public float[] data() {
    return data;
  }

  /** Index in {@link #data()} of the first element. */
  public int offset() {
    return offset;
  }

  /** The shape. */
  public Shape shape() {
    return shape;
  }

  /** Total number of elements. */
  public int size() {
    return shape.size();
  }

  /** Number of dimensions. */
  public int rank() {
    return shape.rank();
  }

  /** Size of one dimension; negative axes count from the end. */
  public int dim(int axis) {
    return shape.dim(axis);
  }

  /** The element at a flat row-major index. */
  public float getFlat(int i) {
    return data[offset + checkFlat(i)];
  }

  /** Sets the element at a flat row-major index. */
  public void setFlat(int i, float value) {
    data[offset + checkFlat(i)] = value;
  }

  /** The element at {@code idx} (one index per dimension). */
  public float get(int... idx) {
    return data[offset + flatIndex(idx)];
  }

  /** Sets the element at {@code idx} (one index per dimension). */
  public void set(float value, int... idx) {
    data[offset + flatIndex(idx)] = value;
  }

  /**
   * A view with new dimensions and the same elements in the same order. One dimension may be {@code
   * -1}, inferred from the others.
   *
   * @throws ShapeMismatchException if the element counts differ
   */
  public Tensor reshape(int... dims) {
    int[] d = dims.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < d.length; i++) {
      if (d[i] == -1) {
        Checks.requireArgument(infer < 0, "reshape: at most one dimension may be -1");
        infer = i;
      } else {
        known *= d[i];
      }
    }
    if (infer >= 0) {
      Checks.requireShape(
          known > 0 && size() % known == 0,
          "reshape: cannot infer a dimension for %s from %s",
          Arrays.toString(dims),
          shape);
      d[infer] = (int) (size() / known);
    }
    Shape s = new Shape(d);
    Checks.requireShape(
        s.size() == size(),
        "reshape: %s has %d elements, but %s has %d",
        shape,
        size(),
        s,
        s.size());
    return new Tensor(data, offset, s);
  }

  /** A view with the given shape, which must have the same number of elements. */
  public Tensor reshape(Shape s) {
    return reshape(s.dims());
  }

  /**
   * A view of batch rows {@code [from, to)} (the first dimension), sharing storage.
   *
   * @throws IllegalArgumentException if the range is not within {@code [0, batch]}
   */
  public Tensor rows(int from, int to) {
    int b = shape.batch();
    Checks.requireArgument(
        0 <= from && from <= to && to <= b,
        "rows: range [%d, %d) must lie within [0, %d]",
        from,
        to,
        b);
    int row = shape.rowSize();
    return new Tensor(data, offset + from * row, shape.withBatch(to - from));
  }

  /** A new tensor with a copy of the elements. */
  public Tensor copy() {
    float[] d = new float[size()];
    System.arraycopy(data, offset, d, 0, d.length);
    return new Tensor(d, 0, shape);
  }

  /**
   * Copies every element of {@code src} into this tensor.
   *
   * @throws ShapeMismatchException if the element counts differ
   */
  public Tensor copyFrom(Tensor src) {
    Checks.requireShape(
        src.size() == size(), "copyFrom: source %s does not fit %s", src.shape, shape);
    System.arraycopy(src.data, src.offset, data, offset, size());
    return this;
  }

  /** Sets every element to {@code value}; returns this tensor. */
  public Tensor fill(float value) {
    Arrays.fill(data, offset, offset + size(), value);
    return this;
  }

  /** A copy of the elements as a new array. */
  public float[] toArray() {
    return Arrays.copyOfRange(data, offset, offset + size());
  }

  /** True if the shapes are equal and every pair of elements differs by at most {@code tol}. */
  public boolean allClose(Tensor other, float tol) {
    if (!shape.equals(other.shape)) {
      return false;
    }
    for (int i = 0; i < size(); i++) {
      float a = data[offset + i];
      float b = other.data[other.offset + i];
      if (!(Math.abs(a - b) <= tol) && !(a == b)) {
        return false;
      }
    }
    return true;
  }

  private int checkFlat(int i) {
    if (i < 0 || i >= size()) {
      throw new IndexOutOfBoundsException("Tensor: flat index " + i + " out of range for " + shape);
    }
    return i;
  }

  private int flatIndex(int[] idx) {
    Checks.requireShape(
        idx.length == shape.rank(),
        "Tensor.get: %d indices given for a tensor of shape %s",
        idx.length,
        shape);
    int[] dims = shape.dims();
    int flat = 0;
    for (int i = 0; i < idx.length; i++) {
      if (idx[i] < 0 || idx[i] >= dims[i]) {
        throw new IndexOutOfBoundsException(
            "Tensor: index " + Arrays.toString(idx) + " out of range for " + shape);
      }
      flat = flat * dims[i] + idx[i];
    }
    return flat;
  }

  @Override
  public String toString() {
    int n = Math.min(size(), 8);
    StringBuilder sb = new StringBuilder("Tensor").append(shape).append(" [");
    for (int i = 0; i < n; i++) {
      sb.append(i == 0 ? "" : ", ").append(data[offset + i]);
    }
    return sb.append(size() > n ? ", ...]" : "]").toString();
  }
}
