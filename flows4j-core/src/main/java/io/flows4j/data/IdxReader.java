package io.flows4j.data;

import io.flows4j.tensor.Tensor;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format of MNIST and Fashion-MNIST, gzipped or not (recognised by the magic bytes).
 *
 * <p>Layout (LeCun et al., "The MNIST database of handwritten digits"), big-endian: two zero bytes;
 * a type byte ({@code 0x08} = unsigned byte, the only type accepted here; {@code 0x09} signed byte,
 * {@code 0x0B} int16, {@code 0x0C} int32, {@code 0x0D} float32 and {@code 0x0E} float64 are refused
 * by name); a byte with the number of dimensions {@code r}; {@code r} int32 sizes; then the values
 * in row-major order. The header is checked against the length of the content: a truncated file, or
 * one with bytes after the data, is refused with both byte counts.
 */
public final class IdxReader {
  private static final int UNSIGNED_BYTE = 0x08;

  private IdxReader() {}

  /**
   * Reads an IDX file.
   *
   * @throws DataFormatException if the file is not IDX, has an unsupported type, or its length does
   *     not match its header
   * @throws UncheckedIOException if it cannot be read ({@code labels.gz: no such file})
   */
  public static IdxData read(Path path) {
    return read(Sources.open(path), path.toString());
  }

  /**
   * Reads an IDX stream and closes it; messages name it {@code sourceName}.
   *
   * @throws DataFormatException if the content is not valid IDX of type {@code 0x08}
   * @throws UncheckedIOException if it cannot be read
   */
  public static IdxData read(InputStream stream, String sourceName) {
    try (InputStream in = Sources.decompressed(stream, sourceName)) {
      return parse(in, sourceName, in instanceof GZIPInputStream);
    } catch (IOException e) {
      throw Sources.failure(sourceName, e);
    }
  }

  /**
   * Reads images of shape {@code [N, H, W]} as a tensor {@code [N, 1, H, W]} of pixel values {@code
   * 0..255} (not rescaled).
   *
   * @throws DataFormatException as {@link #read(Path)}, or if the file does not hold rank-3 data
   */
  public static Tensor readImages(Path path) {
    return read(path).images();
  }

  /**
   * Reads labels, a rank-1 IDX file, as integers {@code 0..255}.
   *
   * @throws DataFormatException as {@link #read(Path)}, or if the file does not hold rank-1 data
   */
  public static int[] readLabels(Path path) {
    return read(path).labels();
  }

  /**
   * Reads images and their labels as a dataset of {@code N} rows of {@code H W} pixel values {@code
   * 0..255}, named {@code x0, x1, ...}, with the labels.
   *
   * @throws DataFormatException as {@link #read(Path)}, or if the counts of images and labels
   *     differ
   */
  public static Dataset readDataset(Path images, Path labels) {
    IdxData x = read(images);
    int[] y = read(labels).labels();
    if (x.count() != y.length) {
      throw new DataFormatException(
          images + " has " + x.count() + " items, but " + labels + " has " + y.length + " labels");
    }
    return x.toDataset().withLabels(y);
  }

  private static IdxData parse(InputStream in, String source, boolean gzipped) throws IOException {
    byte[] head = in.readNBytes(4);
    if (head.length < 4) {
      throw new DataFormatException(
          source + ": not an IDX file (" + head.length + " bytes, shorter than the 4-byte header)");
    }
    if (head[0] != 0 || head[1] != 0) {
      throw new DataFormatException(
          source
              + ": not an IDX file (it starts with bytes "
              + HexFormat.ofDelimiter(" ").formatHex(head)
              + "; an IDX file starts with 00 00)");
    }
    int type = head[2] & 0xFF;
    if (type != UNSIGNED_BYTE) {
      throw new DataFormatException(
          String.format(
              Locale.ROOT,
              "%s: IDX data type 0x%02X (%s) is not supported; only 0x08 (unsigned byte) is",
              source,
              type,
              typeName(type)));
    }
    int rank = head[3] & 0xFF;
    if (rank == 0) {
      throw new DataFormatException(source + ": IDX rank must be at least 1, but was 0");
    }
    int headerBytes = 4 + 4 * rank;
    byte[] sizes = in.readNBytes(4 * rank);
    if (sizes.length < 4 * rank) {
      throw new DataFormatException(
          source
              + ": truncated IDX header: "
              + rank
              + " dimensions need "
              + headerBytes
              + " header bytes, but the file has "
              + (4 + sizes.length)
              + " bytes"
              + (gzipped ? " after decompression" : ""));
    }
    int[] dims = new int[rank];
    long count = 1;
    for (int r = 0; r < rank; r++) {
      int at = 4 * r;
      dims[r] =
          (sizes[at] & 0xFF) << 24
              | (sizes[at + 1] & 0xFF) << 16
              | (sizes[at + 2] & 0xFF) << 8
              | (sizes[at + 3] & 0xFF);
      if (dims[r] < 0) {
        throw new DataFormatException(
            source + ": IDX dimension " + r + " must be >= 0, but was " + dims[r]);
      }
      count *= dims[r];
      if (count > Integer.MAX_VALUE - 8) {
        throw new DataFormatException(
            source + ": the IDX header declares " + describe(dims, r + 1) + " values, too many");
      }
    }
    long expected = headerBytes + count;
    byte[] data = new byte[(int) count];
    int got = 0;
    try {
      while (got < data.length) {
        int n = in.read(data, got, data.length - got);
        if (n < 0) {
          break;
        }
        got += n;
      }
    } catch (EOFException e) {
      throw new DataFormatException(
          source
              + ": truncated gzip data: the IDX header ("
              + describe(dims, rank)
              + " bytes) needs "
              + expected
              + " bytes, but only "
              + (headerBytes + got)
              + " could be decompressed",
          e);
    }
    String after = gzipped ? " after decompression" : "";
    if (got < data.length) {
      throw new DataFormatException(
          source
              + ": truncated IDX file: the header ("
              + describe(dims, rank)
              + " bytes) needs "
              + expected
              + " bytes, but the file has "
              + (headerBytes + got)
              + after);
    }
    long extra = in.transferTo(OutputStream.nullOutputStream());
    if (extra > 0) {
      throw new DataFormatException(
          source
              + ": the IDX header ("
              + describe(dims, rank)
              + " bytes) needs "
              + expected
              + " bytes, but the file has "
              + (expected + extra)
              + after
              + " ("
              + extra
              + " extra bytes at the end)");
    }
    return new IdxData(source, dims, data);
  }

  private static String describe(int[] dims, int n) {
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < n; r++) {
      sb.append(r == 0 ? "" : " x ").append(dims[r]);
    }
    return sb.toString();
  }

  static String describe(int[] dims) {
    return describe(dims, dims.length);
  }

  private static String typeName(int type) {
    return switch (type) {
      case 0x09 -> "signed byte";
      case 0x0B -> "int16";
      case 0x0C -> "int32";
      case 0x0D -> "float32";
      case 0x0E -> "float64";
      default -> "not an IDX type";
    };
  }

  /** The dimensions as {@code [a, b, c]}, for messages. */
  static String shape(int[] dims) {
    return Arrays.toString(dims);
  }
}
