package io.flows4j.spark.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Files of the {@code spark} commands: CSV (a header line; {@code .csv} or {@code .csv.gz}) or
 * Parquet ({@code .parquet}), chosen by the extension; a file or a folder of part files as Spark
 * writes them. Output is a folder of part files, committed by Spark's protocol (a failed job leaves
 * no {@code _SUCCESS} marker and no finished part files).
 */
final class SparkIo {
  enum Format {
    CSV,
    PARQUET
  }

  private SparkIo() {}

  /**
   * The format of {@code path} by its extension.
   *
   * @throws IllegalArgumentException naming the option when the extension is neither
   */
  static Format format(String option, Path path) {
    String name = path.getFileName() == null ? "" : path.getFileName().toString();
    String lower = name.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".csv") || lower.endsWith(".csv.gz")) {
      return Format.CSV;
    }
    if (lower.endsWith(".parquet")) {
      return Format.PARQUET;
    }
    throw new IllegalArgumentException(
        option + " " + path + ": the name must end in .csv, .csv.gz or .parquet");
  }

  /**
   * Reads {@code path}: CSV cells as text (the scorer parses the numbers, and an unparsable cell
   * becomes an invalid row rather than a failed job), Parquet with its own types.
   *
   * @throws IllegalArgumentException if the file does not exist or is empty
   */
  static Dataset<Row> read(SparkSession spark, String option, Path path) {
    Format f = format(option, path);
    if (!Files.exists(path)) {
      throw new IllegalArgumentException(option + " " + path + ": no such file");
    }
    if (Files.isRegularFile(path) && sizeOf(path) == 0) {
      throw new IllegalArgumentException(option + " " + path + ": the file is empty");
    }
    DataFrameReader r = spark.read();
    Dataset<Row> df =
        f == Format.CSV
            ? r.option("header", "true").option("mode", "PERMISSIVE").csv(path.toString())
            : r.parquet(path.toString());
    if (df.columns().length == 0) {
      throw new IllegalArgumentException(option + " " + path + ": no columns (no header line?)");
    }
    return df;
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  /**
   * Checks before any work that {@code path} can be written: its folder exists and, unless {@code
   * overwrite}, nothing is there yet.
   */
  static void requireWritable(String option, Path path, boolean overwrite) {
    format(option, path);
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new IllegalArgumentException(
          option + " " + path + ": cannot write (the directory " + parent + " does not exist)");
    }
    if (Files.exists(path) && !overwrite) {
      throw new IllegalArgumentException(
          option + " " + path + ": exists already (use --overwrite to replace it)");
    }
  }

  /**
   * Writes {@code df} to {@code path}; if the job fails, a folder this call created is removed, so
   * no partial output remains.
   */
  static void write(Dataset<Row> df, Path path, boolean overwrite, List<String> continuous) {
    boolean existed = Files.exists(path);
    try {
      writeUnchecked(df, path, overwrite, continuous);
    } catch (RuntimeException e) {
      if (!existed) {
        deleteTree(path);
      }
      throw e;
    }
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (java.io.IOException | java.io.UncheckedIOException ignored) {
      // Best effort: the job's own error is the one to report.
    }
  }

  /**
   * Writes {@code df}; in Parquet, the {@code continuous} columns (features and scores) are written
   * without dictionary encoding, which only costs time on values that rarely repeat (measured: a
   * fifth of the CPU of scoring 1 M rows of 32 features).
   */
  private static void writeUnchecked(
      Dataset<Row> df, Path path, boolean overwrite, List<String> continuous) {
    SaveMode mode = overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists;
    if (format("--output", path) == Format.CSV) {
      var w = df.write().mode(mode).option("header", "true");
      if (path.toString().toLowerCase(Locale.ROOT).endsWith(".gz")) {
        w = w.option("compression", "gzip");
      }
      w.csv(path.toString());
    } else {
      var w = df.write().mode(mode);
      for (String c : continuous) {
        w = w.option("parquet.enable.dictionary#" + c, "false");
      }
      w.parquet(path.toString());
    }
  }
}
