package io.flows4j.spark.cli;

import io.flows4j.spark.FlowEstimator;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingListener;
import io.flows4j.training.TrainingResult;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j spark fit}: trains a flow data-parallel on Spark and writes a model file. */
@Command(
    name = "fit",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Trains a flow on the rows of IN (CSV or Parquet) spread over Spark's partitions: each step"
          + " every partition computes the gradient of its share of the minibatch, the driver"
          + " combines them and takes the Adam step. Writes an ordinary model file (flows4j"
          + " logprob, spark score and the Java API read it).",
      "Same defaults as flows4j fit: realnvp, 8 layers, hidden 64,64, standardized columns, 10%"
          + " held out for validation, early stopping, the best validation parameters kept."
    })
final class FitCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "IN",
      description = "Training rows: .csv (header line), .csv.gz or .parquet; a file or a folder.")
  Path input;

  @Option(names = "--out", required = true, paramLabel = "MODEL", description = "Model file.")
  Path out;

  @Option(
      names = "--columns",
      split = ",",
      paramLabel = "COL",
      description = "Data columns (default: every column that is not a context column).")
  List<String> columns;

  @Option(
      names = "--context",
      split = ",",
      paramLabel = "COL",
      description = "Context columns: fits a conditional flow p(x | c).")
  List<String> context;

  @Option(
      names = "--categorical",
      split = ",",
      paramLabel = "COL",
      description = "Context columns holding labels (one-hot encoded); the others are numbers.")
  List<String> categorical;

  @Option(
      names = "--flow",
      paramLabel = "NAME",
      defaultValue = "realnvp",
      description = "Flow preset (default: ${DEFAULT-VALUE}), as flows4j fit --flow.")
  String flow;

  @Option(names = "--layers", paramLabel = "K", description = "Layers (default: the preset's).")
  Integer layers;

  @Option(
      names = "--hidden",
      split = ",",
      paramLabel = "H",
      description = "Hidden widths of each conditioner (default: 64,64).")
  int[] hidden;

  @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps (default: 5000).")
  Integer steps;

  @Option(names = "--batch", paramLabel = "B", description = "Rows per step (default: 256).")
  Integer batch;

  @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default: 1e-3).")
  Double lr;

  @Option(names = "--seed", paramLabel = "S", description = "Seed (default: 0).")
  Long seed;

  @Option(
      names = "--validation",
      paramLabel = "F",
      description = "Fraction of rows held out for validation (default: 0.1; 0 for none).")
  Double validation;

  @Option(
      names = "--patience",
      paramLabel = "P",
      description = "Steps without a better validation NLL before stopping (0: never).")
  Integer patience;

  @Option(
      names = "--local-steps",
      paramLabel = "K",
      defaultValue = "1",
      description =
          "Optimizer steps each partition takes between parameter averages (default: 1, one"
              + " combined gradient per step).")
  int localSteps;

  @Option(
      names = "--checkpoint-every",
      paramLabel = "N",
      description = "Steps between checkpoints (MODEL.ckpt; default: 500).")
  Integer checkpointEvery;

  @Option(names = "--resume", description = "Continue from MODEL.ckpt.")
  boolean resume;

  @CommandLine.Mixin SessionOptions session;

  @Override
  public Integer call() {
    SparkIo.format("--input", input);
    requireWritableFile(out);
    TrainingConfig config = config();
    FlowEstimator est =
        new FlowEstimator()
            .setFlow(flow)
            .setTrainingConfig(config)
            .setLocalSteps(localSteps)
            .setCheckpointPath(out + ".ckpt")
            .setResume(resume);
    if (layers != null) {
      est.setLayers(layers);
    }
    if (hidden != null) {
      est.setHidden(hidden);
    }
    if (checkpointEvery != null) {
      est.setCheckpointInterval(checkpointEvery);
    }
    try (SessionOptions.Session started = session.start("flows4j spark fit")) {
      Dataset<Row> df = SparkIo.read(started.spark(), "--input", input);
      if (session.partitions != null) {
        df = df.repartition(session.partitions);
      }
      List<String> ctx = context == null ? List.of() : context;
      List<String> data =
          columns != null
              ? columns
              : java.util.Arrays.stream(df.columns()).filter(c -> !ctx.contains(c)).toList();
      List<String> numeric = new java.util.ArrayList<>(data);
      for (String c : ctx) {
        if (categorical == null || !categorical.contains(c)) {
          numeric.add(c);
        }
      }
      df = ScoreCommand.numeric(df, numeric);
      est.setInputCols(data.toArray(String[]::new));
      if (!ctx.isEmpty()) {
        est.setContextCols(ctx.toArray(String[]::new));
        est.setCategoricalCols(
            categorical == null ? new String[0] : categorical.toArray(String[]::new));
      }
      FlowEstimator.Result r = est.train(df, new ProgressLines(spec.commandLine().getErr()));
      r.model().writeModelFile(out);
      PrintWriter err = spec.commandLine().getErr();
      err.println(r.summary());
      err.printf(Locale.ROOT, "spark fit: wrote %s%n", out);
      return 0;
    }
  }

  private TrainingConfig config() {
    TrainingConfig c = TrainingConfig.defaults();
    if (steps != null) {
      c = c.withSteps(steps);
    }
    if (batch != null) {
      c = c.withBatchSize(batch);
    }
    if (lr != null) {
      c = c.withLearningRate(lr);
    }
    if (seed != null) {
      c = c.withSeed(seed);
    }
    if (validation != null) {
      c =
          c.withValidation(
              validation, validation == 0 ? 0 : TrainingConfig.DEFAULT_MIN_VALIDATION_ROWS);
    }
    if (patience != null) {
      if (patience < 0) {
        throw new IllegalArgumentException("--patience must be >= 0, but was " + patience);
      }
      c = c.withEarlyStopping(c.evaluationInterval(), patience, c.restoreBest());
    }
    return c;
  }

  private static void requireWritableFile(Path file) {
    Path abs = file.toAbsolutePath();
    if (Files.isDirectory(abs)) {
      throw new IllegalArgumentException("--out " + file + ": is a folder, not a file");
    }
    Path parent = abs.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new IllegalArgumentException(
          "--out " + file + ": cannot write (the directory " + parent + " does not exist)");
    }
  }

  /** One line on standard error at every evaluation, and at the end. */
  static final class ProgressLines implements TrainingListener {
    private final PrintWriter err;

    ProgressLines(PrintWriter err) {
      this.err = err;
    }

    @Override
    public void onStart(int totalSteps, int trainRows, int validationRows) {
      err.printf(
          Locale.ROOT,
          "spark fit: %,d steps; %,d training rows, %,d validation rows%n",
          totalSteps,
          trainRows,
          validationRows);
      err.flush();
    }

    @Override
    public void onStep(Progress p) {
      if (!p.evaluated() && p.step() != p.totalSteps()) {
        return;
      }
      err.printf(
          Locale.ROOT,
          "spark fit: step %d/%d, loss %.4f, validation NLL %.4f (best %.4f), %.2f steps/s, ETA %s%n",
          p.step(),
          p.totalSteps(),
          p.smoothedLoss(),
          p.validationNll(),
          p.bestValidationNll(),
          p.stepsPerSecond(),
          eta(p.etaSeconds()));
      err.flush();
    }

    @Override
    public void onFinish(TrainingResult result) {}

    private static String eta(double seconds) {
      long s = Math.round(Math.max(0, seconds));
      return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
  }
}
