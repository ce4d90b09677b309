package io.flows4j.cli;

import io.flows4j.data.CsvWriter;
import io.flows4j.model.FittedModel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j sample}: draws samples from a model. */
@Command(
    name = "sample",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Draws samples from a model and writes them as CSV with the model's column names. The same"
          + " seed gives the same samples."
    })
final class SampleCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model file.")
  Path model;

  @Option(names = "-n", required = true, paramLabel = "N", description = "Number of samples.")
  int n;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "S.csv",
      description = "Output CSV (gzipped if it ends in .gz).")
  Path out;

  @Option(
      names = "--temperature",
      paramLabel = "T",
      defaultValue = "1",
      description =
          "Scale of the base distribution's spread: below 1 gives more typical samples (default:"
              + " ${DEFAULT-VALUE}).")
  double temperature;

  @Option(
      names = "--with-logprob",
      description =
          "Add a last column log_prob: the model's log-density of each sample, computed in the"
              + " same pass.")
  boolean withLogProb;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "0",
      description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() {
    if (n < 1) {
      throw new IllegalArgumentException("-n must be >= 1, but was " + n);
    }
    if (!(temperature > 0) || !Double.isFinite(temperature)) {
      throw new IllegalArgumentException("--temperature must be > 0, but was " + temperature);
    }
    CommandIo.requireWritable("--out", out);
    FittedModel m = CommandIo.loadModel(model);
    if (withLogProb) {
      FittedModel.Samples s = m.sampleWithLogProb(n, seed, temperature);
      CsvWriter.write(out, s.values(), CsvWriter.column("log_prob", s.logProb()));
    } else {
      CsvWriter.write(out, m.sample(n, seed, temperature));
    }
    spec.commandLine().getErr().printf(Locale.ROOT, "sample: wrote %,d rows to %s%n", n, out);
    return 0;
  }
}
