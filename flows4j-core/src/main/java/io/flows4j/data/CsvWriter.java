package io.flows4j.data;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a numeric table as CSV: a header line, then one line per row, delimiter {@code ,}, line
 * break {@code \n}, gzipped (deflate level 1, for speed) when the file name ends in {@code .gz}.
 *
 * <p>Float values are written in the shortest decimal form that reads back as the same float32
 * ({@link Float#toString}'s digits, e.g. {@code 0.1}, {@code 1.0E-5}), so {@link CsvReader} reads a
 * written table back exactly; doubles likewise as float64. Booleans are written {@code true} or
 * {@code false}. Non-finite values are written as Java spells them ({@code NaN}, {@code Infinity},
 * {@code -Infinity}), which a {@code log_prob} column may legitimately hold, but which {@link
 * CsvReader} refuses as input. Header names are quoted (RFC 4180) when they contain a delimiter, a
 * quote, a line break or surrounding blanks, or start with {@code #}.
 *
 * <p>Files are replaced atomically ({@link AtomicFiles}): until {@link #commit()} the rows go to a
 * temporary file beside the target; closing the writer without a commit (after an exception, say)
 * deletes it and leaves any old target untouched.
 *
 * <pre>{@code
 * CsvWriter.write(path, samples, CsvWriter.column("log_prob", logProb));
 *
 * try (CsvWriter out = CsvWriter.open(path, List.of("x0", "x1", "log_prob", "anomaly"))) {
 *   for (...) { out.value(x0).value(x1).value(logProb).value(anomaly).endRow(); }
 *   out.commit();
 * }
 * }</pre>
 */
public final class CsvWriter implements AutoCloseable {
  /** A named column of values to write beside a dataset's columns. */
  public interface Column {
    /** The header name. */
    String name();

    /** The number of values. */
    int size();

    /** Writes value {@code row} to {@code out}. */
    void append(CsvWriter out, int row);
  }

  private static final int FLUSH_AT = 1 << 16;

  private final Path path;
  private final AtomicFiles.Output file;
  private final OutputStream stream;
  private final GZIPOutputStream gzip;
  private final int columns;
  private final StringBuilder line = new StringBuilder(FLUSH_AT + 4096);
  private int inRow;
  private long rows;
  private boolean closed;

  private CsvWriter(Path path, List<String> columnNames) {
    this.path = path;
    this.columns = columnNames.size();
    this.file = AtomicFiles.Output.create(path);
    try {
      if (path.getFileName().toString().endsWith(".gz")) {
        gzip = new FastGzip(file.stream());
        stream = gzip;
      } else {
        gzip = null;
        stream = file.stream();
      }
    } catch (IOException e) {
      file.close();
      throw AtomicFiles.failure(path, e);
    }
    for (int j = 0; j < columns; j++) {
      if (j > 0) {
        line.append(',');
      }
      appendName(columnNames.get(j));
    }
    line.append('\n');
  }

  /**
   * Starts writing {@code path} (gzipped if its name ends in {@code .gz}) with the given header.
   * Nothing appears under {@code path} until {@link #commit()}.
   *
   * @throws IllegalArgumentException if there are no names, or a name is blank or repeated
   * @throws UncheckedIOException if the temporary file cannot be created
   */
  public static CsvWriter open(Path path, List<String> columnNames) {
    return new CsvWriter(path, Dataset.checkNames("CsvWriter.open", columnNames));
  }

  /**
   * Writes a dataset's columns and then the extra columns (such as {@code log_prob}), one line per
   * row, atomically.
   *
   * @throws ShapeMismatchException if an extra column's size is not the number of rows
   * @throws IllegalArgumentException if the column names are repeated
   * @throws UncheckedIOException if the file cannot be written; the target is then unchanged
   */
  public static void write(Path path, Dataset data, Column... extra) {
    List<String> names = new ArrayList<>(data.columnNames());
    for (Column c : extra) {
      Checks.requireShape(
          c.size() == data.rows(),
          "CsvWriter.write: column %s must have one value per row (%d), but has %d",
          c.name(),
          data.rows(),
          c.size());
      names.add(c.name());
    }
    float[] v = data.values();
    int d = data.columns();
    try (CsvWriter out = open(path, names)) {
      for (int i = 0; i < data.rows(); i++) {
        for (int j = 0; j < d; j++) {
          out.value(v[i * d + j]);
        }
        for (Column c : extra) {
          c.append(out, i);
        }
        out.endRow();
      }
      out.commit();
    }
  }

  /** A float column, e.g. the samples' {@code log_prob}. */
  public static Column column(String name, float[] values) {
    float[] v = values.clone();
    return new Named(name, v.length) {
      @Override
      public void append(CsvWriter out, int row) {
        out.value(v[row]);
      }
    };
  }

  /** A double column. */
  public static Column column(String name, double[] values) {
    double[] v = values.clone();
    return new Named(name, v.length) {
      @Override
      public void append(CsvWriter out, int row) {
        out.value(v[row]);
      }
    };
  }

  /** A text column, e.g. the labels of a categorical context column. */
  public static Column column(String name, String[] values) {
    String[] v = values.clone();
    return new Named(name, v.length) {
      @Override
      public void append(CsvWriter out, int row) {
        out.text(v[row]);
      }
    };
  }

  /** A boolean column, e.g. {@code anomaly}, written {@code true} / {@code false}. */
  public static Column column(String name, boolean[] values) {
    boolean[] v = values.clone();
    return new Named(name, v.length) {
      @Override
      public void append(CsvWriter out, int row) {
        out.value(v[row]);
      }
    };
  }

  /** An integer column, e.g. a label. */
  public static Column column(String name, int[] values) {
    int[] v = values.clone();
    return new Named(name, v.length) {
      @Override
      public void append(CsvWriter out, int row) {
        out.value(v[row]);
      }
    };
  }

  /**
   * Appends a float32 value to the current row.
   *
   * @throws IllegalStateException if the row is already full or the writer is closed
   */
  public CsvWriter value(float v) {
    separator().append(v);
    return this;
  }

  /**
   * Appends a text value to the current row (a label), quoted when it holds a separator, a quote or
   * surrounding blanks.
   *
   * @throws IllegalStateException if the row is already full or the writer is closed
   */
  public CsvWriter text(String v) {
    separator();
    appendName(v);
    return this;
  }

  /**
   * Appends a float64 value to the current row.
   *
   * @throws IllegalStateException if the row is already full or the writer is closed
   */
  public CsvWriter value(double v) {
    separator().append(v);
    return this;
  }

  /**
   * Appends {@code true} or {@code false} to the current row.
   *
   * @throws IllegalStateException if the row is already full or the writer is closed
   */
  public CsvWriter value(boolean v) {
    separator().append(v);
    return this;
  }

  /**
   * Appends an integer to the current row.
   *
   * @throws IllegalStateException if the row is already full or the writer is closed
   */
  public CsvWriter value(long v) {
    separator().append(v);
    return this;
  }

  /**
   * Ends the current row.
   *
   * @throws IllegalStateException if the row has fewer values than the header has columns
   * @throws UncheckedIOException if writing fails
   */
  public CsvWriter endRow() {
    requireOpen();
    if (inRow != columns) {
      throw new IllegalStateException(
          path
              + ": row "
              + rows
              + " has "
              + inRow
              + " values, but the header has "
              + columns
              + " columns");
    }
    line.append('\n');
    inRow = 0;
    rows++;
    if (line.length() >= FLUSH_AT) {
      flushLine();
    }
    return this;
  }

  /**
   * Writes one whole row of float32 values.
   *
   * @throws IllegalStateException if a row is partly written or {@code values} does not have one
   *     value per column
   */
  public CsvWriter row(float... values) {
    if (inRow != 0 || values.length != columns) {
      throw new IllegalStateException(
          path + ": a row needs " + columns + " values, but " + values.length + " were given");
    }
    for (float v : values) {
      value(v);
    }
    return endRow();
  }

  /**
   * Writes every batch row of {@code x}, of shape {@code [n, D]} with {@code D} the number of
   * columns (or any shape whose rows have {@code D} values), e.g. a batch of samples.
   *
   * @throws ShapeMismatchException if the rows of {@code x} do not have {@code D} values
   */
  public CsvWriter rows(Tensor x) {
    Checks.requireShape(
        x.rank() >= 2 && x.shape().rowSize() == columns,
        "CsvWriter.rows: rows must have %d values, but the tensor has shape %s",
        columns,
        x.shape());
    float[] d = x.data();
    int at = x.offset();
    for (int i = 0; i < x.dim(0); i++) {
      for (int j = 0; j < columns; j++) {
        value(d[at++]);
      }
      endRow();
    }
    return this;
  }

  /** The number of complete rows written so far. */
  public long rowCount() {
    return rows;
  }

  /**
   * Finishes the file and puts it in place of the target atomically.
   *
   * @throws IllegalStateException if a row is partly written or the writer is closed
   * @throws UncheckedIOException if the file cannot be written; the target is then unchanged
   */
  public void commit() {
    requireOpen();
    if (inRow != 0) {
      throw new IllegalStateException(
          path + ": cannot commit in the middle of a row (" + inRow + " of " + columns + ")");
    }
    flushLine();
    try {
      if (gzip != null) {
        gzip.finish();
      }
    } catch (IOException e) {
      throw AtomicFiles.failure(path, e);
    }
    file.commit();
    closed = true;
  }

  /** Discards the temporary file unless {@link #commit()} succeeded. */
  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (gzip != null) {
        try {
          gzip.close(); // releases the native deflater; the bytes go to a file about to be deleted
        } catch (IOException e) {
          // Nothing to save: the temporary file is deleted next whatever happened here.
        }
      }
      file.close();
    }
  }

  private StringBuilder separator() {
    requireOpen();
    if (inRow == columns) {
      throw new IllegalStateException(
          path + ": row " + rows + " already has its " + columns + " values; call endRow()");
    }
    if (inRow > 0) {
      line.append(',');
    }
    inRow++;
    return line;
  }

  private void flushLine() {
    try {
      stream.write(line.toString().getBytes(StandardCharsets.UTF_8));
      line.setLength(0);
    } catch (IOException e) {
      throw AtomicFiles.failure(path, e);
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new IllegalStateException(path + ": the writer is closed");
    }
  }

  private void appendName(String name) {
    boolean quote =
        name.startsWith("#")
            || !name.equals(name.strip())
            || name.chars()
                .anyMatch(
                    c -> c == ',' || c == ';' || c == '\t' || c == '"' || c == '\n' || c == '\r');
    if (quote) {
      line.append('"').append(name.replace("\"", "\"\"")).append('"');
    } else {
      line.append(name);
    }
  }

  /**
   * Gzip at deflate level 1: on a 17.6 MB table of floats it wrote 5-9 times faster than the
   * default level 6 for 12% more bytes (docs/design-notes.md, "Data loading").
   */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 1 << 16);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }

  private abstract static class Named implements Column {
    private final String name;
    private final int size;

    Named(String name, int size) {
      Checks.requireArgument(
          name != null && !name.isBlank(), "CsvWriter.column: the name must not be blank");
      this.name = name;
      this.size = size;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int size() {
      return size;
    }
  }
}
