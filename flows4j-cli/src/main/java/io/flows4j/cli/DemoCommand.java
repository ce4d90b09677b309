package io.flows4j.cli;

import io.flows4j.anomaly.GaussianBaseline;
import io.flows4j.data.CsvWriter;
import io.flows4j.data.Dataset;
import io.flows4j.flows.Flow;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Threads;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flows4j demo}: fits a flow to a built-in 2-D data set and writes the model, samples and
 * pictures into a folder. Needs no files and no arguments.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    subcommands = FmnistDemoCommand.class,
    sortOptions = false,
    description = {
      "Fits a RealNVP flow to a built-in 2-D data set (generated from a seed; no files needed),"
          + " prints its test NLL against a Gaussian fitted to the same data, and writes into a"
          + " folder: density.png (the learnt density with data and samples), training-curve.png,"
          + " samples.csv (with log_prob), model.flows4j and the data (train.csv, test.csv) to"
          + " try the other commands on.",
      "'demo fmnist' fits a class-conditional flow to Fashion-MNIST and draws samples per class"
          + " (needs shared/data)."
    })
final class DemoCommand implements Callable<Integer> {
  /** Training rows generated. */
  static final int TRAIN_ROWS = 20_000;

  /** Test rows generated (another seed). */
  static final int TEST_ROWS = 5_000;

  /** Samples written to samples.csv. */
  static final int SAMPLES = 1_000;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "flows4j-demo",
      description = "Folder for the results, created if needed (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(
      names = "--dataset",
      paramLabel = "NAME",
      defaultValue = "moons",
      description =
          "Built-in data: moons, 8gaussians, checkerboard, 2spirals or rings (default:"
              + " ${DEFAULT-VALUE}).")
  String dataset;

  @Option(
      names = "--steps",
      paramLabel = "N",
      defaultValue = "3000",
      description = "Training steps of batch 256 (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "0",
      description = "Seed of the data, the initial weights and the samples (default: 0).")
  long seed;

  @Override
  public Integer call() {
    ToyData toy = ToyData.byName(dataset);
    Options.requireAtLeast("--steps", steps, 1);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("--out " + dir + ": cannot create the folder (" + e + ")", e);
    }
    Dataset train = toy.generate(TRAIN_ROWS, 2 * seed + 1);
    Dataset test = toy.generate(TEST_ROWS, 2 * seed + 2);
    int layers = FlowChoice.REALNVP.defaultLayers();
    int[] hidden = {64, 64};
    Flow flow = FlowChoice.REALNVP.build(2, layers, hidden, seed);
    err.printf(
        Locale.ROOT,
        "demo: fitting RealNVP (%d coupling layers, MLPs 1-64-64-2, %,d parameters) to %,d points"
            + " of '%s' on %d thread%s%n",
        layers,
        flow.parameterCount(),
        TRAIN_ROWS,
        toy,
        Threads.count(),
        Threads.count() == 1 ? "" : "s");
    err.flush();
    TrainingConfig config = TrainingConfig.defaults().withSteps(steps).withSeed(seed);
    FittedModel model;
    try (FitCommand.ProgressListener listener = new FitCommand.ProgressListener(err)) {
      model = FittedModel.fit(flow, train, null, false, config, listener);
    }
    TrainingResult r = model.trainingResult().orElseThrow();
    double nll = model.evaluate(test).meanNll();
    double gauss = GaussianBaseline.fit(train).meanNll(test);

    Path modelFile = dir.resolve("model.flows4j");
    CommandIo.saveModel(
        model.withMetadata(
            java.util.Map.of(
                "flows4j.preset",
                "realnvp",
                "flows4j.layers",
                Integer.toString(layers),
                "flows4j.hidden",
                "64,64",
                "flows4j.demo",
                toy.displayName())),
        modelFile);
    CsvWriter.write(dir.resolve("train.csv"), train);
    CsvWriter.write(dir.resolve("test.csv"), test);
    FittedModel.Samples s = model.sampleWithLogProb(SAMPLES, seed, 1.0);
    CsvWriter.write(
        dir.resolve("samples.csv"), s.values(), CsvWriter.column("log_prob", s.logProb()));
    Figures.Density density =
        Figures.density(
            model,
            test,
            500,
            200,
            seed,
            String.format(
                Locale.ROOT, "RealNVP fitted to %s: test NLL %.3f nats", toy.displayName(), nll));
    Plots.writePng(density.image(), dir.resolve("density.png"));
    Plots.writePng(
        Figures.curve(model, "Training of RealNVP on " + toy.displayName()),
        dir.resolve("training-curve.png"));

    out.printf(
        Locale.ROOT,
        "flows4j demo: RealNVP fitted to '%s' (%,d training points) in %.1f s, %,d steps of %.2f"
            + " ms%s%n",
        toy,
        TRAIN_ROWS,
        r.trainSeconds(),
        r.stepsRun(),
        r.secPerStepMedian() * 1e3,
        r.stopReason() == TrainingResult.StopReason.EARLY_STOPPED
            ? " (stopped early: the validation NLL no longer improved)"
            : "");
    out.printf(
        Locale.ROOT,
        "test NLL: %.3f nats per point (%.3f bits per dimension) on %,d new points%n",
        nll,
        nll / (2 * Math.log(2)),
        TEST_ROWS);
    out.printf(
        Locale.ROOT,
        "a Gaussian fitted to the same data scores %.3f nats: the flow's density is on average"
            + " %.1fx higher at the test points (e^%.3f)%n",
        gauss,
        Math.exp(gauss - nll),
        gauss - nll);
    out.printf(
        Locale.ROOT,
        "the learnt density integrates to %.3f over the plotted square%n",
        density.mass());
    out.printf(
        "wrote %s: density.png, training-curve.png, samples.csv (%d samples with log_prob),"
            + " model.flows4j, train.csv, test.csv%n",
        dir, SAMPLES);
    out.printf("try:   ./flows4j eval --model %s --data %s%n", modelFile, dir.resolve("test.csv"));
    out.flush();
    return 0;
  }
}
