package io.flows4j.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Opens data files for reading: turns the usual failures into one-line messages and undoes gzip
 * compression, recognised by its magic bytes rather than by the file name (a {@code .csv} that is
 * really gzipped still reads, and a {@code .gz} that is not does too).
 */
final class Sources {
  private static final int BUFFER = 1 << 16;

  /** Magic numbers of formats that are not supported, so a wrong file gets a helpful message. */
  private record Magic(String name, String hex) {
    byte[] bytes() {
      return HexFormat.of().parseHex(hex);
    }
  }

  private static final List<Magic> UNSUPPORTED =
      List.of(
          new Magic("a ZIP archive", "504b0304"),
          new Magic("bzip2-compressed", "425a68"),
          new Magic("xz-compressed", "fd377a585a00"),
          new Magic("zstd-compressed", "28b52ffd"));

  private Sources() {}

  /**
   * Opens {@code path} as it is (see {@link #decompressed} for undoing gzip).
   *
   * @throws UncheckedIOException {@code <path>: no such file} and the like when it cannot be opened
   */
  static InputStream open(Path path) {
    String name = path.toString();
    if (Files.isDirectory(path)) {
      throw new UncheckedIOException(
          name + ": is a directory, not a file", new IOException(name + " is a directory"));
    }
    try {
      return Files.newInputStream(path);
    } catch (IOException e) {
      throw failure(name, e);
    }
  }

  /**
   * Wraps a stream, decompressing it if it starts with the gzip magic bytes.
   *
   * @throws UncheckedIOException if the first bytes cannot be read
   * @throws DataFormatException if the stream is compressed in a format other than gzip; {@code
   *     raw} is closed whenever this method throws
   */
  static InputStream decompressed(InputStream raw, String name) {
    try {
      return detect(raw, name);
    } catch (RuntimeException e) {
      closeQuietly(raw, e);
      throw e;
    }
  }

  private static InputStream detect(InputStream raw, String name) {
    try {
      BufferedInputStream in = new BufferedInputStream(raw, BUFFER);
      in.mark(8);
      byte[] head = in.readNBytes(6);
      in.reset();
      if (head.length >= 2 && (head[0] & 0xFF) == 0x1F && (head[1] & 0xFF) == 0x8B) {
        return new GZIPInputStream(in, BUFFER);
      }
      for (Magic m : UNSUPPORTED) {
        if (startsWith(head, m.bytes())) {
          throw new DataFormatException(
              name + ": the file is " + m.name() + "; decompress it first (gzip is supported)");
        }
      }
      return in;
    } catch (IOException e) {
      throw failure(name, e);
    }
  }

  private static boolean startsWith(byte[] head, byte[] magic) {
    return head.length >= magic.length
        && Arrays.equals(head, 0, magic.length, magic, 0, magic.length);
  }

  /**
   * Turns an exception raised while opening or reading {@code name} into the exception the caller
   * should see: a {@link DataFormatException} for a corrupt or truncated gzip stream (bad data), an
   * {@link UncheckedIOException} with a one-line message otherwise.
   */
  static RuntimeException failure(String name, IOException e) {
    if (e instanceof NoSuchFileException) {
      return new UncheckedIOException(name + ": no such file", e);
    }
    if (e instanceof AccessDeniedException) {
      return new UncheckedIOException(name + ": permission denied", e);
    }
    if (e instanceof ZipException) {
      return new DataFormatException(name + ": corrupt gzip data (" + e.getMessage() + ")", e);
    }
    if (e instanceof EOFException) {
      return new DataFormatException(
          name + ": the file ends too early (truncated gzip data or incomplete copy)", e);
    }
    String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new UncheckedIOException(name + ": cannot read (" + reason + ")", e);
  }

  static void closeQuietly(InputStream in, Throwable primary) {
    try {
      in.close();
    } catch (IOException e) {
      primary.addSuppressed(e);
    }
  }
}
