package io.flows4j.spark.cli;

import io.flows4j.model.FittedModel;
import io.flows4j.spark.FlowModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j spark score}: the log-density (and anomaly flags) of every row, on Spark. */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Appends log_prob (nats) and bits_per_dim to every row of IN, and percentile and anomaly"
          + " when the model is calibrated; writes OUT (a folder of part files, CSV or Parquet by"
          + " extension).",
      "The model's columns are picked by name (--input-cols to read others). A row with an empty,"
          + " non-numeric, NaN or infinite value or an unknown context label gets empty scores and"
          + " is counted in the summary line."
    })
final class ScoreCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model file.")
  Path model;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "IN",
      description = "Rows to score: .csv (header line), .csv.gz or .parquet; a file or a folder.")
  Path input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "OUT",
      description = "Where to write: .csv, .csv.gz or .parquet (a folder of part files).")
  Path output;

  @Option(
      names = "--input-cols",
      split = ",",
      paramLabel = "COL",
      description = "The model's input columns in IN, in the model's order (default: its names).")
  List<String> inputCols;

  @Option(
      names = "--context-cols",
      split = ",",
      paramLabel = "COL",
      description =
          "Context columns of a conditional model (default: the names it was fitted with).")
  List<String> contextCols;

  @Option(names = "--overwrite", description = "Replace OUT if it exists.")
  boolean overwrite;

  @CommandLine.Mixin SessionOptions session;

  @Override
  public Integer call() {
    SparkIo.format("--input", input);
    SparkIo.requireWritable("--output", output, overwrite);
    // Read and check the model before Spark starts: a bad file costs no job.
    FlowModel scorer = FlowModel.fromFile(model);
    FittedModel m = scorer.fittedModel();
    List<String> inputs = inputCols != null ? inputCols : m.columnNames();
    if (inputCols != null) {
      scorer.setInputCols(inputCols.toArray(String[]::new));
    }
    if (contextCols != null) {
      scorer.setContextCols(contextCols.toArray(String[]::new));
    }
    long start = System.nanoTime();
    try (SessionOptions.Session started = session.start("flows4j spark score")) {
      SparkSession spark = started.spark();
      Dataset<Row> df = SparkIo.read(spark, "--input", input);
      if (session.partitions != null) {
        df = df.repartition(session.partitions);
      }
      df = numeric(df, inputs);
      FlowModel.Scored scored = scorer.score(df);
      List<String> continuous = new ArrayList<>(inputs);
      continuous.addAll(List.of("log_prob", "bits_per_dim", "percentile"));
      SparkIo.write(scored.rows(), output, overwrite, continuous);
      long rows = scored.rowCount().value();
      long invalid = scored.invalidCount().value();
      double seconds = (System.nanoTime() - start) / 1e9;
      spec.commandLine()
          .getErr()
          .printf(
              Locale.ROOT,
              "spark score: scored %,d rows into %s in %.1f s (%,.0f rows/s, %s); %s%n",
              rows,
              output,
              seconds,
              rows / Math.max(seconds, 1e-9),
              spark.sparkContext().master(),
              invalid == 0
                  ? "no invalid rows"
                  : String.format(
                      Locale.ROOT,
                      "%,d rows got empty scores (empty, non-numeric, NaN or infinite values, or"
                          + " an unknown context label)",
                      invalid));
      return 0;
    }
  }

  /**
   * The input columns as doubles: CSV cells are text, and a cell that does not parse becomes null
   * (an invalid row) instead of failing the job. Columns that do not exist are left for the scorer
   * to name.
   */
  static Dataset<Row> numeric(Dataset<Row> df, List<String> columns) {
    List<String> present = new ArrayList<>(List.of(df.columns()));
    for (String c : columns) {
      if (present.contains(c) && df.schema().apply(c).dataType().equals(DataTypes.StringType)) {
        df = df.withColumn(c, functions.col("`" + c + "`").try_cast(DataTypes.DoubleType));
      }
    }
    return df;
  }
}
