package io.flows4j.cli;

import io.flows4j.anomaly.AnomalyScorer;
import io.flows4j.anomaly.Calibration;
import io.flows4j.bench.JsonLine;
import io.flows4j.data.ContextEncoding;
import io.flows4j.data.CsvReader;
import io.flows4j.data.Dataset;
import io.flows4j.flows.ConditionalFlow;
import io.flows4j.flows.Flow;
import io.flows4j.flows.Presets;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Threads;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingListener;
import io.flows4j.training.TrainingResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j fit}: fits a flow to a CSV file and writes the model file. */
@Command(
    name = "fit",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Fits a normalizing flow to the rows of a CSV file (plain or gzipped, header optional) by"
          + " maximum likelihood and writes the model file.",
      "Training holds out a validation split, stops early when the validation NLL stops"
          + " improving and keeps the best parameters. Progress goes to standard error; the last"
          + " line on standard output is a JSON summary: train_sec, sec_per_step, steps,"
          + " best_val_nll, and test_nll_nats with --test.",
      "With --contamination P (or --calibration F) a fraction of the rows (default 0.1) is held"
          + " out before training, and the anomaly threshold of the 'anomalies' command is"
          + " calibrated on it and stored in the model."
    })
final class FitCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--data", paramLabel = "TRAIN.csv", description = "Training data (or --images).")
  Path data;

  @Option(
      names = "--images",
      paramLabel = "IDX|DIR",
      description =
          "Fit a multi-scale image flow (--flow glow or realnvp) to 8-bit images: an IDX file"
              + " (gzipped or not) or a folder of PNGs of one size. Pixels are dequantized (p +"
              + " u, u ~ U[0,1), fresh per batch); the test figures are in bits per dimension.")
  Path images;

  @Option(
      names = "--labels",
      paramLabel = "IDX",
      description =
          "With an IDX --images file: its labels; the model becomes class-conditional (context"
              + " 'label', e.g. sample --context label=3).")
  Path labels;

  @Option(
      names = "--levels",
      paramLabel = "L",
      description = "Image flows: levels of the multi-scale architecture (default: 2).")
  Integer levels;

  @Option(
      names = "--steps-per-level",
      paramLabel = "K",
      description = "Image flows, glow: steps per level (default: 8).")
  Integer stepsPerLevel;

  @Option(
      names = "--test",
      paramLabel = "TEST.csv",
      description = "Test data, scored once after training (test_nll_nats).")
  Path test;

  @Option(
      names = "--columns",
      paramLabel = "x0,x1",
      description = "Columns to model: names, 0-based indexes or ranges a-b (default: all).")
  String columns;

  @Option(
      names = "--context",
      paramLabel = "COL[,COL...]",
      description =
          "Fit a conditional flow p(x | c): these columns are the context c, the remaining ones"
              + " the data x. A column is categorical (one-hot from its labels, stored in the"
              + " model) if any value is not a number or it is listed in --categorical; numeric"
              + " ones are standardized. Flows: realnvp, maf, nsf, nsf-ar, nice, residual.")
  String contextColumns;

  @Option(
      names = "--categorical",
      paramLabel = "COL[,COL...]",
      description = "Context columns to one-hot encode even though their values are numbers.")
  String categorical;

  @Option(
      names = "--standardize",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Standardize every column first (default; stored in the model as the flow's first"
              + " layer, so densities stay those of the raw data). --no-standardize fits the raw"
              + " values.")
  boolean standardize;

  @Option(
      names = "--flow",
      paramLabel = "KIND",
      description =
          "Architecture: realnvp, maf, nsf, nsf-ar, nice, planar, radial, sylvester or residual"
              + " (default: ${DEFAULT-VALUE}); with --images glow or realnvp (multi-scale).",
      defaultValue = "realnvp")
  String flow;

  @Option(
      names = "--layers",
      paramLabel = "K",
      description =
          "Flow layers (default: 8 for realnvp, nsf, nice, sylvester and residual; 5 for maf; 4"
              + " for nsf-ar; 16 for planar and radial).")
  Integer layers;

  @Option(
      names = "--hidden",
      paramLabel = "H,H",
      description =
          "Hidden widths of each conditioner network (default: ${DEFAULT-VALUE}); ignored by planar"
              + " and radial; sylvester takes the first as its rank, at most the columns.",
      defaultValue = "64,64")
  String hidden;

  @CommandLine.ArgGroup(exclusive = true, multiplicity = "0..1")
  Length length;

  static final class Length {
    @Option(
        names = "--steps",
        paramLabel = "N",
        description = "Optimizer steps (default: " + TrainingConfig.DEFAULT_STEPS + ").")
    Integer steps;

    @Option(names = "--epochs", paramLabel = "E", description = "Passes over the training rows.")
    Integer epochs;
  }

  @Option(
      names = "--batch",
      paramLabel = "B",
      description = "Rows per step (default: " + TrainingConfig.DEFAULT_BATCH_SIZE + ").")
  Integer batch;

  @Option(
      names = "--lr",
      paramLabel = "LR",
      description = "Peak learning rate of Adam (default: 1e-3, cosine-annealed).")
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
      description =
          "Steps without a better validation NLL before stopping (default: "
              + TrainingConfig.DEFAULT_PATIENCE_STEPS
              + "; 0 never stops early).")
  Integer patience;

  @Option(
      names = "--calibration",
      paramLabel = "F",
      description =
          "Fraction of rows held out (before the validation split, seeded) to calibrate the"
              + " anomaly threshold stored in the model (default: none, or 0.1 with"
              + " --contamination).")
  Double calibration;

  @Option(
      names = "--contamination",
      paramLabel = "P",
      description =
          "Fraction of typical rows the anomaly threshold flags: the P-quantile of the"
              + " calibration rows' log-densities (default: 0.01 with --calibration).")
  Double contamination;

  @Option(names = "--out", required = true, paramLabel = "MODEL", description = "Model file.")
  Path out;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (images != null) {
      return ImageFit.run(this, stdout, err);
    }
    if (data == null) {
      throw new IllegalArgumentException("give the training data with --data (or --images)");
    }
    if (labels != null || levels != null || stepsPerLevel != null) {
      throw new IllegalArgumentException(
          "--labels, --levels and --steps-per-level are for image flows; give --images");
    }
    FlowChoice kind = FlowChoice.byName(flow);
    int[] widths = FlowChoice.parseHidden(hidden);
    int k = layers != null ? layers : kind.defaultLayers();
    if (k < 1) {
      throw new IllegalArgumentException("--layers must be >= 1, but was " + k);
    }
    TrainingConfig config = config();
    double calibrationFraction = calibrationFraction();
    CommandIo.requireWritable("--out", out);
    if (contextColumns != null) {
      return fitConditional(kind, widths, k, config, calibrationFraction, stdout, err);
    }
    if (categorical != null) {
      throw new IllegalArgumentException("--categorical names context columns; give --context too");
    }

    Dataset all = CommandIo.readData(data, columns);
    Dataset calibrationRows = null;
    Dataset train = all;
    if (calibrationFraction > 0) {
      Dataset.Split s = AnomalyScorer.holdOut(all, calibrationFraction, config.seed());
      train = s.train();
      calibrationRows = s.validation();
    }
    Dataset testSet = null;
    if (test != null) {
      testSet = CommandIo.readData(test, null);
      requireSameColumns(testSet, train, test);
    }
    Flow f = kind.build(train.columns(), k, widths, config.seed());
    err.printf(
        Locale.ROOT,
        "fit: %s, %d layers, hidden %s, %,d parameters; %,d rows x %d columns (%s)%n",
        kind.id(),
        k,
        hidden,
        f.parameterCount(),
        train.rows(),
        train.columns(),
        String.join(", ", train.columnNames()));
    reportHoldOut(err, calibrationRows);
    err.flush();

    FittedModel model;
    try (ProgressListener listener = new ProgressListener(err)) {
      model = FittedModel.fit(f, train, null, standardize, config, listener);
    }
    if (calibrationRows != null) {
      model = AnomalyScorer.calibrate(model, calibrationRows, contaminationOrDefault());
    }
    model = withPresetMetadata(model, kind, k);
    CommandIo.saveModel(model, out);
    TrainingResult r = model.trainingResult().orElseThrow();
    JsonLine line =
        new JsonLine()
            .put("model", out.toString())
            .put("flow", kind.id())
            .put("dim", train.columns())
            .put("params", model.parameterCount())
            .put("train_rows", r.trainRows())
            .put("validation_rows", r.validationRows())
            .put("steps", r.stepsRun())
            .put("epochs", r.epochsRun())
            .put("batch", r.batchSize())
            .put("threads", Threads.count())
            .put("train_sec", r.trainSeconds())
            .put("sec_per_step", r.secPerStepMedian())
            .put("stop", r.stopReason().name().toLowerCase(Locale.ROOT))
            .put("best_step", r.bestStep())
            .put("best_val_nll", r.bestValidationNll());
    putCalibration(line, model);
    if (testSet != null) {
      FittedModel.Evaluation e = model.evaluate(testSet);
      line.put("test_nll_nats", e.meanNll()).put("test_bpd", e.bitsPerDim());
    }
    err.printf(
        Locale.ROOT,
        "fit: %d steps in %.1f s (%.2f ms/step), stopped: %s; wrote %s%n",
        r.stepsRun(),
        r.trainSeconds(),
        r.secPerStepMedian() * 1e3,
        r.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '),
        out);
    err.flush();
    stdout.println(line);
    stdout.flush();
    return 0;
  }

  /** {@code fit --context}: a conditional flow of the other columns given the context columns. */
  private int fitConditional(
      FlowChoice kind,
      int[] widths,
      int k,
      TrainingConfig config,
      double calibrationFraction,
      PrintWriter stdout,
      PrintWriter err) {
    List<String> ctx = names(contextColumns, "--context");
    Set<String> cat =
        new LinkedHashSet<>(categorical == null ? List.of() : names(categorical, "--categorical"));
    for (String c : cat) {
      if (!ctx.contains(c)) {
        throw new IllegalArgumentException(
            "--categorical " + c + " is not a context column (--context " + contextColumns + ")");
      }
    }
    if (!Presets.CONDITIONAL_NAMES.contains(kind.id())) {
      throw new IllegalArgumentException(
          "--flow "
              + kind.id()
              + " has no conditional version; with --context use one of "
              + String.join(", ", Presets.CONDITIONAL_NAMES));
    }
    Map<String, String[]> raw = ContextEncoding.readColumns(data, ctx);
    CsvReader reader = CsvReader.create();
    reader = columns != null && !columns.isBlank() ? reader.select(columns) : reader.exclude(ctx);
    Dataset train = reader.read(data);
    for (String c : ctx) {
      if (train.columnNames().contains(c)) {
        throw new IllegalArgumentException(
            "--columns includes the context column " + c + "; a column is data or context");
      }
    }
    // The encoding is fitted on all rows (every label known), before the calibration hold-out.
    ContextEncoding enc = ContextEncoding.fit(raw, cat);
    Dataset calibrationRows = null;
    Map<String, String[]> calibrationContext = null;
    if (calibrationFraction > 0) {
      AnomalyScorer.HoldOut h =
          AnomalyScorer.holdOutRows(train.rows(), calibrationFraction, config.seed());
      calibrationRows = train.subset(h.calibration());
      calibrationContext = h.calibrationRows(raw);
      train = train.subset(h.train());
      raw = h.trainRows(raw);
    }
    ConditionalFlow f =
        Presets.conditionalFlow(
            kind.id(), train.columns(), enc.features(), k, widths, config.seed());
    err.printf(
        Locale.ROOT,
        "fit: conditional %s, %d layers, hidden %s, %,d parameters; %,d rows x %d columns (%s)"
            + " given %s%n",
        kind.id(),
        k,
        hidden,
        f.parameterCount(),
        train.rows(),
        train.columns(),
        String.join(", ", train.columnNames()),
        enc.describe());
    reportHoldOut(err, calibrationRows);
    err.flush();
    FittedModel model;
    try (ProgressListener listener = new ProgressListener(err)) {
      model = FittedModel.fitConditional(f, train, raw, enc, standardize, config, listener);
    }
    if (calibrationRows != null) {
      model =
          AnomalyScorer.calibrate(
              model, calibrationRows, calibrationContext, contaminationOrDefault());
    }
    model = withPresetMetadata(model, kind, k);
    CommandIo.saveModel(model, out);
    TrainingResult r = model.trainingResult().orElseThrow();
    JsonLine line =
        new JsonLine()
            .put("model", out.toString())
            .put("flow", kind.id())
            .put("dim", train.columns())
            .put("context", String.join(",", ctx))
            .put("context_features", enc.features())
            .put("params", model.parameterCount())
            .put("train_rows", r.trainRows())
            .put("validation_rows", r.validationRows())
            .put("steps", r.stepsRun())
            .put("train_sec", r.trainSeconds())
            .put("sec_per_step", r.secPerStepMedian())
            .put("stop", r.stopReason().name().toLowerCase(Locale.ROOT))
            .put("best_step", r.bestStep())
            .put("best_val_nll", r.bestValidationNll());
    putCalibration(line, model);
    if (test != null) {
      CommandIo.WithContext t = CommandIo.readWithContext(model, test);
      FittedModel.Evaluation e = model.evaluate(t.data(), t.context());
      line.put("test_nll_nats", e.meanNll()).put("test_bpd", e.bitsPerDim());
    }
    err.printf(
        Locale.ROOT,
        "fit: %d steps in %.1f s, stopped: %s; wrote %s%n",
        r.stepsRun(),
        r.trainSeconds(),
        r.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' '),
        out);
    err.flush();
    stdout.println(line);
    stdout.flush();
    return 0;
  }

  /** The model with the preset, layer count and widths it was built with, for 'info'. */
  private FittedModel withPresetMetadata(FittedModel model, FlowChoice kind, int k) {
    return model.withMetadata(
        Map.of(
            "flows4j.preset",
            kind.id(),
            "flows4j.layers",
            Integer.toString(k),
            "flows4j.hidden",
            hidden));
  }

  /** {@code --contamination}, or {@link Calibration#DEFAULT_CONTAMINATION} when not given. */
  private double contaminationOrDefault() {
    return contamination != null ? contamination : Calibration.DEFAULT_CONTAMINATION;
  }

  /** Says how many rows were held out for calibration, if any. */
  private static void reportHoldOut(PrintWriter err, Dataset calibrationRows) {
    if (calibrationRows != null) {
      err.printf(
          Locale.ROOT,
          "fit: %,d rows held out to calibrate the anomaly threshold%n",
          calibrationRows.rows());
    }
  }

  /** The calibration's fields of the summary line, when the model has one. */
  private static void putCalibration(JsonLine line, FittedModel model) {
    model
        .calibration()
        .ifPresent(
            c ->
                line.put("calibration_rows", c.rows())
                    .put("contamination", c.contamination())
                    .put("threshold", c.threshold()));
  }

  private static List<String> names(String list, String option) {
    List<String> out = new ArrayList<>();
    for (String s : list.split(",", -1)) {
      String t = s.trim();
      if (t.isEmpty()) {
        throw new IllegalArgumentException(
            option + " must list column names, but was '" + list + "'");
      }
      if (out.contains(t)) {
        throw new IllegalArgumentException(option + " lists " + t + " twice");
      }
      out.add(t);
    }
    return out;
  }

  /**
   * The fraction of rows held out for calibration: {@code --calibration}, else {@link
   * AnomalyScorer#DEFAULT_CALIBRATION_FRACTION} when {@code --contamination} is given, else 0.
   */
  double calibrationFraction() {
    if (contamination != null && !(contamination >= 0 && contamination < 1)) {
      throw new IllegalArgumentException(
          "--contamination must be in [0, 1), but was " + contamination);
    }
    if (calibration == null) {
      return contamination == null ? 0 : AnomalyScorer.DEFAULT_CALIBRATION_FRACTION;
    }
    if (!(calibration >= 0 && calibration < 1)) {
      throw new IllegalArgumentException("--calibration must be in [0, 1), but was " + calibration);
    }
    if (calibration == 0 && contamination != null) {
      throw new IllegalArgumentException(
          "--contamination needs calibration rows, but --calibration 0 holds none out");
    }
    return calibration;
  }

  /** The trainer's defaults with the options given. */
  TrainingConfig config() {
    TrainingConfig c = TrainingConfig.defaults();
    if (length != null && length.steps != null) {
      Options.requireAtLeast("--steps", length.steps, 1);
      c = c.withSteps(length.steps);
    }
    if (length != null && length.epochs != null) {
      Options.requireAtLeast("--epochs", length.epochs, 1);
      c = c.withEpochs(length.epochs);
    }
    if (batch != null) {
      Options.requireAtLeast("--batch", batch, 1);
      c = c.withBatchSize(batch);
    }
    if (lr != null) {
      if (!(lr > 0) || !Double.isFinite(lr)) {
        throw new IllegalArgumentException("--lr must be > 0, but was " + lr);
      }
      c = c.withLearningRate(lr);
    }
    if (seed != null) {
      c = c.withSeed(seed);
    }
    if (validation != null) {
      if (!(validation >= 0 && validation < 1)) {
        throw new IllegalArgumentException("--validation must be in [0, 1), but was " + validation);
      }
      c =
          c.withValidation(
              validation, validation == 0 ? 0 : TrainingConfig.DEFAULT_MIN_VALIDATION_ROWS);
    }
    if (patience != null) {
      Options.requireAtLeast("--patience", patience, 0);
      c = c.withEarlyStopping(c.evaluationInterval(), patience, c.restoreBest());
    }
    return c;
  }

  /** Shows the trainer's progress: step, loss, validation NLL, rate, ETA. */
  static final class ProgressListener implements TrainingListener, AutoCloseable {
    private final PrintWriter err;
    private io.flows4j.cli.Progress progress;

    ProgressListener(PrintWriter err) {
      this.err = err;
    }

    @Override
    public void onStart(int totalSteps, int trainRows, int validationRows) {
      progress = io.flows4j.cli.Progress.start("fit", totalSteps, err);
    }

    @Override
    public void onStep(TrainingListener.Progress p) {
      if (progress == null) {
        return;
      }
      String status =
          Double.isNaN(p.validationNll())
              ? String.format(Locale.ROOT, " loss %.3f", p.smoothedLoss())
              : String.format(
                  Locale.ROOT, " loss %.3f, val %.3f", p.smoothedLoss(), p.validationNll());
      progress.update(p.step(), status);
    }

    @Override
    public void close() {
      if (progress != null) {
        progress.close();
      }
    }
  }

  /**
   * Checks before training that the model will be able to score {@code test}: it has every training
   * column by name, or (no header, say) as many columns.
   */
  static void requireSameColumns(Dataset test, Dataset train, Path file) {
    if (test.columnNames().containsAll(train.columnNames()) || test.columns() == train.columns()) {
      return;
    }
    throw new IllegalArgumentException(
        file
            + " has "
            + test.columns()
            + " columns ("
            + String.join(", ", test.columnNames())
            + "), but the model is fitted to "
            + train.columns()
            + " ("
            + String.join(", ", train.columnNames())
            + ")");
  }
}
