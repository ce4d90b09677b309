package io.flows4j.cli;

import io.flows4j.data.CsvWriter;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j logprob}: the log-density of every row. */
@Command(
    name = "logprob",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Writes the log-density log p(x) (nats) of every row of a CSV file: one row per input row,"
          + " the input columns then log_prob.",
      "For a conditional model the file must hold the context columns too (by name); the output"
          + " has the data columns, the context columns, then log_prob."
    })
final class LogprobCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model file.")
  Path model;

  @Option(names = "--data", required = true, paramLabel = "X.csv", description = "Data to score.")
  Path data;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "LP.csv",
      description = "Output CSV (gzipped if it ends in .gz).")
  Path out;

  @Override
  public Integer call() {
    CommandIo.requireWritable("--out", out);
    FittedModel m = CommandIo.loadModel(model);
    if (m.isConditional()) {
      CommandIo.WithContext in = CommandIo.readWithContext(m, data);
      float[] lp = m.logProb(in.data(), in.context());
      CsvWriter.Column[] ctx =
          CommandIo.contextColumns(m.contextEncoding().orElseThrow(), in.context());
      CsvWriter.Column[] extra = java.util.Arrays.copyOf(ctx, ctx.length + 1);
      extra[ctx.length] = CsvWriter.column("log_prob", lp);
      CsvWriter.write(out, in.data(), extra);
      spec.commandLine()
          .getErr()
          .printf(Locale.ROOT, "logprob: wrote %,d rows to %s%n", in.data().rows(), out);
      return 0;
    }
    Dataset d = CommandIo.readData(data, null);
    if (d.columnNames().contains("log_prob")) {
      throw new IllegalArgumentException(
          data + " already has a column log_prob; drop it or score another file");
    }
    float[] lp = m.logProb(CommandIo.modelColumns(m, d, data));
    CsvWriter.write(out, d, CsvWriter.column("log_prob", lp));
    spec.commandLine()
        .getErr()
        .printf(Locale.ROOT, "logprob: wrote %,d rows to %s%n", d.rows(), out);
    return 0;
  }
}
