package io.flows4j.cli;

import io.flows4j.anomaly.GaussianBaseline;
import io.flows4j.data.CsvReader;
import io.flows4j.data.CsvWriter;
import io.flows4j.data.Dataset;
import io.flows4j.data.IdxReader;
import io.flows4j.data.PcaBasis;
import io.flows4j.flows.ConditionalFlow;
import io.flows4j.flows.Presets;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Threads;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingResult;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flows4j demo fmnist}: a class-conditional flow {@code p(x | class)} on the 32 PCA scores
 * of Fashion-MNIST ({@code fmnist-pca32} joined with the labels of {@code fashion-mnist}), with ten
 * samples per class mapped back to 28 x 28 images through the stored PCA basis and drawn as one PNG
 * grid.
 */
@Command(
    name = "fmnist",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Fits a class-conditional MAF p(x | label) to the 32 PCA scores of the Fashion-MNIST"
          + " training images (shared/data/fmnist-pca32 with the labels of"
          + " shared/data/fashion-mnist), prints its test NLL beside a Gaussian's, and writes into"
          + " a folder: samples.png (ten samples per class, mapped back to images through the"
          + " stored PCA basis), model.flows4j (context column 'label', values the class names)"
          + " and train.csv.gz / test.csv.gz (scores with their label) to try the other commands"
          + " on."
    })
final class FmnistDemoCommand implements Callable<Integer> {
  /** Fashion-MNIST's class names in label order, as the context values of the model. */
  static final List<String> CLASSES =
      List.of(
          "t-shirt",
          "trouser",
          "pullover",
          "dress",
          "coat",
          "sandal",
          "shirt",
          "sneaker",
          "bag",
          "ankle-boot");

  /** Samples drawn per class. */
  static final int PER_CLASS = 10;

  /** MAF layers and MADE widths: the novelty benchmark's flow for the same 32 features. */
  static final int LAYERS = 5;

  static final int[] HIDDEN = {256, 256};

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--out",
      paramLabel = "DIR",
      defaultValue = "flows4j-demo-fmnist",
      description = "Folder for the results, created if needed (default: ${DEFAULT-VALUE}).")
  Path dir;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "The shared/data folder (default: found beside the repository).")
  Path dataDir;

  @Option(
      names = "--steps",
      paramLabel = "N",
      defaultValue = "3000",
      description = "Training steps of batch 256 (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--temperature",
      paramLabel = "T",
      defaultValue = "1.0",
      description = "Sampling temperature: the base's spread times T (default: ${DEFAULT-VALUE}).")
  double temperature;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "0",
      description = "Seed of the weights, the minibatches and the samples (default: 0).")
  long seed;

  @Override
  public Integer call() {
    Options.requireAtLeast("--steps", steps, 1);
    if (!(temperature > 0 && Double.isFinite(temperature))) {
      throw new IllegalArgumentException(
          "--temperature must be finite and > 0, but was " + temperature);
    }
    Path root = DataRoot.find(dataDir);
    Path pcaDir = root.resolve("fmnist-pca32");
    Path idxDir = root.resolve("fashion-mnist");
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("--out " + dir + ": cannot create the folder (" + e + ")", e);
    }
    Dataset train = CsvReader.create().read(pcaDir.resolve("train.csv.gz"));
    Dataset test = CsvReader.create().read(pcaDir.resolve("test.csv.gz"));
    String[] trainLabels =
        names(IdxReader.readLabels(idxDir.resolve("train-labels-idx1-ubyte.gz")));
    String[] testLabels = names(IdxReader.readLabels(idxDir.resolve("t10k-labels-idx1-ubyte.gz")));
    requireRows(train, trainLabels, "train");
    requireRows(test, testLabels, "test");
    PcaBasis basis = PcaBasis.read(pcaDir);

    TrainingConfig config = TrainingConfig.defaults().withSteps(steps).withSeed(seed);
    ConditionalFlow flow =
        Presets.conditionalFlow(
            "maf", train.columns(), CLASSES.size(), LAYERS, HIDDEN, config.seed());
    err.printf(
        Locale.ROOT,
        "demo fmnist: fitting a conditional MAF (%d layers, MADE %d-%d, %,d parameters) to %,d"
            + " Fashion-MNIST images (32 PCA scores) given their class, on %d thread%s%n",
        LAYERS,
        HIDDEN[0],
        HIDDEN[1],
        flow.parameterCount(),
        train.rows(),
        Threads.count(),
        Threads.count() == 1 ? "" : "s");
    err.flush();
    FittedModel model;
    try (FitCommand.ProgressListener listener = new FitCommand.ProgressListener(err)) {
      model =
          FittedModel.fitConditional(
              flow, train, Map.of("label", trainLabels), Set.of("label"), true, config, listener);
    }
    model =
        model.withMetadata(
            Map.of(
                "flows4j.preset",
                "maf",
                "flows4j.layers",
                Integer.toString(LAYERS),
                "flows4j.hidden",
                HIDDEN[0] + "," + HIDDEN[1],
                "flows4j.demo",
                "fmnist-pca32 given label"));
    TrainingResult r = model.trainingResult().orElseThrow();
    double nll = model.evaluate(test, Map.of("label", testLabels)).meanNll();
    double gauss = GaussianBaseline.fit(train).meanNll(test);

    String[] perClass = new String[CLASSES.size()];
    for (int k = 0; k < perClass.length; k++) {
      perClass[k] = CLASSES.get(k);
    }
    FittedModel.Samples s = model.sample(Map.of("label", perClass), PER_CLASS, seed, temperature);
    List<float[]> images = new ArrayList<>();
    for (int i = 0; i < s.values().rows(); i++) {
      images.add(basis.reconstruct(s.values().row(i)));
    }
    Path png = dir.resolve("samples.png");
    Plots.writePng(
        ImageGrid.draw(
            images,
            28,
            28,
            PER_CLASS,
            CLASSES,
            String.format(
                Locale.ROOT,
                "Samples of p(x | class), temperature %s, test NLL %.2f nats",
                temperature,
                nll),
            2),
        png);
    CommandIo.saveModel(model, dir.resolve("model.flows4j"));
    CsvWriter.write(dir.resolve("train.csv.gz"), train, CsvWriter.column("label", trainLabels));
    CsvWriter.write(dir.resolve("test.csv.gz"), test, CsvWriter.column("label", testLabels));

    out.printf(
        Locale.ROOT,
        "flows4j demo fmnist: conditional MAF fitted in %.1f s, %,d steps of %.1f ms%n",
        r.trainSeconds(),
        r.stepsRun(),
        r.secPerStepMedian() * 1e3);
    out.printf(
        Locale.ROOT,
        "test NLL: %.3f nats per image given its class (a Gaussian fitted to all classes: %.3f)%n",
        nll,
        gauss);
    out.printf(
        Locale.ROOT,
        "wrote %s: samples.png (%d samples per class), model.flows4j, train.csv.gz,"
            + " test.csv.gz%n",
        dir,
        PER_CLASS);
    out.printf(
        Locale.ROOT,
        "try:   ./flows4j sample --model %s --context label=sneaker -n 5 --out sneakers.csv%n",
        dir.resolve("model.flows4j"));
    out.flush();
    return 0;
  }

  private static String[] names(int[] labels) {
    String[] out = new String[labels.length];
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] < 0 || labels[i] >= CLASSES.size()) {
        throw new IllegalArgumentException(
            "fashion-mnist labels must be 0 to 9, but row " + (i + 1) + " has " + labels[i]);
      }
      out[i] = CLASSES.get(labels[i]);
    }
    return out;
  }

  private static void requireRows(Dataset d, String[] labels, String part) {
    if (d.rows() != labels.length) {
      throw new IllegalArgumentException(
          "fmnist-pca32/"
              + part
              + ".csv.gz has "
              + d.rows()
              + " rows, but fashion-mnist has "
              + labels.length
              + " "
              + part
              + " labels");
    }
  }
}
