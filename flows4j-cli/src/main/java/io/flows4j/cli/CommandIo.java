package io.flows4j.cli;

import io.flows4j.data.ContextEncoding;
import io.flows4j.data.CsvReader;
import io.flows4j.data.CsvWriter;
import io.flows4j.data.DataFormatException;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Reading inputs and checking outputs for the commands, with one-line messages. */
final class CommandIo {
  private CommandIo() {}

  /**
   * Reads a CSV table (plain or gzipped), keeping the listed columns if {@code columns} is given.
   *
   * @throws io.flows4j.data.DataFormatException for bad content (the message names file, line and
   *     column), or an empty file
   * @throws UncheckedIOException {@code <file>: no such file} and the like
   */
  static Dataset readData(Path file, String columns) {
    CsvReader reader = CsvReader.create();
    if (columns != null && !columns.isBlank()) {
      reader = reader.select(columns);
    }
    return reader.read(file);
  }

  /**
   * Loads a model file.
   *
   * @throws UncheckedIOException {@code <file>: no such file}, the reason it cannot be read, or
   *     (from a {@link io.flows4j.io.FileFormatException}) why it is not a valid model file
   */
  static FittedModel loadModel(Path file) {
    try {
      return FittedModel.load(file);
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException(file + ": no such file", e);
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new UncheckedIOException(
          reason.startsWith(file.toString()) ? reason : file + ": cannot read (" + reason + ")", e);
    }
  }

  /**
   * Checks, before any work is done, that {@code file} can be written: its folder exists and it is
   * not itself a folder.
   *
   * @throws IllegalArgumentException naming the option and the problem
   */
  static void requireWritable(String option, Path file) {
    Path abs = file.toAbsolutePath();
    if (Files.isDirectory(abs)) {
      throw new IllegalArgumentException(option + " " + file + ": is a folder, not a file");
    }
    Path parent = abs.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new IllegalArgumentException(
          option + " " + file + ": the folder " + parent + " does not exist");
    }
  }

  /**
   * Saves a model atomically.
   *
   * @throws UncheckedIOException {@code <file>: cannot write (reason)}
   */
  static void saveModel(FittedModel model, Path file) {
    try {
      model.save(file);
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new UncheckedIOException(
          reason.startsWith(file.toString()) ? reason : file + ": cannot write (" + reason + ")",
          e);
    }
  }

  /**
   * The data's columns in the model's order: by name when the data has all the model's columns,
   * else all of them in order when the count matches (a file without a header).
   *
   * @throws IllegalArgumentException naming the file and both sets of columns otherwise
   */
  static Dataset modelColumns(FittedModel m, Dataset data, Path file) {
    if (data.columnNames().containsAll(m.columnNames())) {
      return data.select(m.columnNames());
    }
    if (data.columns() == m.dimension()) {
      return data;
    }
    throw new IllegalArgumentException(
        file
            + " has "
            + data.columns()
            + " columns ("
            + String.join(", ", data.columnNames())
            + "), but the model was trained on "
            + m.dimension()
            + " ("
            + String.join(", ", m.columnNames())
            + ")");
  }

  /** Rows of a dataset as arrays (for plots). */
  static float[][] rows(Dataset d, int max) {
    int n = Math.min(d.rows(), max);
    float[][] rows = new float[n][];
    for (int i = 0; i < n; i++) {
      rows[i] = d.row(i);
    }
    return rows;
  }

  /**
   * The log-density of every row of a file under a model: {@code log p(x)}, or {@code log p(x | c)}
   * with the context columns read from the same file for a conditional model.
   *
   * @throws IllegalArgumentException if the file lacks a data or context column
   */
  static float[] logProbs(FittedModel m, Path file) {
    if (m.isConditional()) {
      WithContext in = readWithContext(m, file);
      return m.logProb(in.data(), in.context());
    }
    return m.logProb(modelColumns(m, readData(file, null), file));
  }

  /** The data columns of an input file and the raw context columns of a conditional model. */
  record WithContext(Dataset data, Map<String, String[]> context) {}

  /**
   * Reads an input file for a conditional model: the context columns as text (labels), the other
   * columns as numbers, picked as {@link #modelColumns} picks them.
   *
   * @throws IllegalArgumentException if the file lacks a context column, naming the expected
   *     context
   */
  static WithContext readWithContext(FittedModel m, Path file) {
    Map<String, String[]> context = readWithContextColumns(m, file);
    Dataset data =
        CsvReader.create().exclude(m.contextEncoding().orElseThrow().columnNames()).read(file);
    return new WithContext(modelColumns(m, data, file), context);
  }

  /**
   * The raw context columns of a conditional model read from a file (by name, as text).
   *
   * @throws IllegalArgumentException if the file lacks a context column, naming the expected
   *     context
   */
  static Map<String, String[]> readWithContextColumns(FittedModel m, Path file) {
    ContextEncoding enc = m.contextEncoding().orElseThrow();
    List<String> names = enc.columnNames();
    Map<String, String[]> context;
    try {
      context = ContextEncoding.readColumns(file, names);
    } catch (DataFormatException e) {
      if (e.getMessage() != null && e.getMessage().contains("has no column")) {
        throw new IllegalArgumentException(
            file + ": " + missingContext(enc) + " (" + strip(e.getMessage(), file) + ")", e);
      }
      throw e;
    }
    return context;
  }

  /**
   * The message for a conditional model used without a context, e.g. {@code model is conditional on
   * label; give --context label=VALUE or a file with a label column}.
   */
  static String missingContext(ContextEncoding enc) {
    List<String> names = enc.columnNames();
    StringBuilder pairs = new StringBuilder();
    for (String n : names) {
      pairs.append(pairs.length() == 0 ? "" : ",").append(n).append("=VALUE");
    }
    String cols = String.join(", ", names);
    return "model is conditional on "
        + cols
        + "; give --context "
        + pairs
        + " or a file with "
        + (names.size() == 1 ? "a " + cols + " column" : "columns " + cols)
        + " (context: "
        + enc.describe()
        + ")";
  }

  /** Refuses a context option for a model that takes none. */
  static void requireNoContext(FittedModel m, String option) {
    if (!m.isConditional()) {
      throw new IllegalArgumentException(
          "the model is not conditional (it takes no context); drop " + option);
    }
  }

  private static String strip(String message, Path file) {
    String prefix = file + ": ";
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  /** Extra output columns holding the raw context values, in the encoding's order. */
  static CsvWriter.Column[] contextColumns(ContextEncoding enc, Map<String, String[]> context) {
    List<String> names = enc.columnNames();
    CsvWriter.Column[] cols = new CsvWriter.Column[names.size()];
    for (int i = 0; i < cols.length; i++) {
      cols[i] = CsvWriter.column(names.get(i), context.get(names.get(i)));
    }
    return cols;
  }
}
