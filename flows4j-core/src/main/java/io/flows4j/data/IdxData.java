package io.flows4j.data;

import io.flows4j.tensor.Tensor;

/**
 * The content of an IDX file of unsigned bytes: its dimensions and its values in row-major order.
 * The first dimension counts the items (images or labels). Immutable.
 */
public final class IdxData {
  private final String source;
  private final int[] dims;
  private final byte[] data;

  IdxData(String source, int[] dims, byte[] data) {
    this.source = source;
    this.dims = dims;
    this.data = data;
  }

  /**
   * A copy of the dimensions, e.g. {@code [10000, 28, 28]} for images, {@code [10000]} for labels.
   */
  public int[] dims() {
    return dims.clone();
  }

  /** The number of dimensions. */
  public int rank() {
    return dims.length;
  }

  /** The number of items, the first dimension. */
  public int count() {
    return dims[0];
  }

  /** The total number of values. */
  public int size() {
    return data.length;
  }

  /**
   * The value at flat row-major index {@code i}, {@code 0..255}.
   *
   * @throws IndexOutOfBoundsException if {@code i} is out of range
   */
  public int unsignedByte(int i) {
    return data[i] & 0xFF;
  }

  /** A copy of the raw bytes (values {@code 0..255} as unsigned bytes). */
  public byte[] bytes() {
    return data.clone();
  }

  /**
   * The images as a tensor {@code [N, 1, H, W]} of values {@code 0..255} (not rescaled: dividing by
   * 255, or dequantizing as {@code (p + u) / 256}, is the caller's choice).
   *
   * @throws DataFormatException if the data is not of rank 3 ({@code [N, H, W]})
   */
  public Tensor images() {
    if (dims.length != 3) {
      throw new DataFormatException(
          source
              + ": images must have 3 dimensions [N, H, W], but the file has "
              + IdxReader.shape(dims));
    }
    float[] v = new float[data.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = data[i] & 0xFF;
    }
    return Tensor.wrap(v, dims[0], 1, dims[1], dims[2]);
  }

  /**
   * The labels, one per item.
   *
   * @throws DataFormatException if the data is not of rank 1 ({@code [N]})
   */
  public int[] labels() {
    if (dims.length != 1) {
      throw new DataFormatException(
          source + ": labels must have 1 dimension [N], but the file has " + IdxReader.shape(dims));
    }
    int[] l = new int[data.length];
    for (int i = 0; i < l.length; i++) {
      l[i] = data[i] & 0xFF;
    }
    return l;
  }

  /**
   * The items as a dataset: {@code N} rows, each item flattened row-major to {@code D} values
   * ({@code D = H W} for images, 1 for labels), named {@code x0, x1, ...}.
   *
   * @throws DataFormatException if an item has no values (a dimension of size 0)
   */
  public Dataset toDataset() {
    int n = dims[0];
    int d = 1;
    for (int r = 1; r < dims.length; r++) {
      d *= dims[r];
    }
    if (d == 0) {
      throw new DataFormatException(
          source + ": items of shape " + IdxReader.shape(dims) + " have no values");
    }
    float[] v = new float[data.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = data[i] & 0xFF;
    }
    return new Dataset(v, n, Names.defaults(d), null);
  }

  /** Prints as {@code IdxData[t10k-labels-idx1-ubyte.gz: 10000]}. */
  @Override
  public String toString() {
    return "IdxData[" + source + ": " + IdxReader.describe(dims) + "]";
  }
}
