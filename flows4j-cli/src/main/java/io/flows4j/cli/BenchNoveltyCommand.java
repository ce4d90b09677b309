package io.flows4j.cli;

import io.flows4j.bench.NoveltyBench;
import io.flows4j.flows.Presets;
import io.flows4j.tensor.Threads;
import io.flows4j.training.TrainingConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j bench novelty}: held-out-class novelty detection on Fashion-MNIST. */
@Command(
    name = "novelty",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Novelty detection on Fashion-MNIST (issue 5): for each class k, fits a flow with the"
          + " library's training defaults (validation split, early stopping) to the fmnist-pca32"
          + " training rows whose label is not k, scores the test rows by -log p(x), and reports"
          + " the AUROC of detecting class k beside that of a full-covariance Gaussian"
          + " (Mahalanobis) fitted to the same rows.",
      "One JSON line per class: held_out_class, flow, params, auroc_flow, auroc_gaussian, the mean"
          + " NLLs of both models on the inlier and novel test rows, steps, train_sec."
    })
final class BenchNoveltyCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--classes",
      paramLabel = "K[,K...]",
      split = ",",
      description = "Held-out classes, 0-9 (default: all ten).")
  List<Integer> classes = List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);

  @Option(
      names = "--flow",
      paramLabel = "KIND",
      description = "A fit --flow architecture (default: ${DEFAULT-VALUE}).")
  String flow = NoveltyBench.DEFAULT_FLOW;

  @Option(
      names = "--layers",
      paramLabel = "K",
      description = "Flow layers (default: as fit --flow).")
  Integer layers;

  @Option(
      names = "--hidden",
      paramLabel = "H,H",
      description = "Conditioner widths (default: ${DEFAULT-VALUE}).")
  String hidden = "256,256";

  @Option(
      names = "--steps",
      paramLabel = "N",
      description =
          "Maximum training steps (default: the library's, "
              + TrainingConfig.DEFAULT_STEPS
              + ", with early stopping).")
  Integer steps;

  @Option(names = "--seed", paramLabel = "S", description = "Seed (default: 0).")
  long seed;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description =
          "Folder holding fmnist-pca32/ and fashion-mnist/ (default: shared/data beside the"
              + " repository).")
  Path dataDir;

  @Option(
      names = "--quick",
      description = "A smoke test: " + NoveltyBench.QUICK_STEPS + " steps on class 0 only.")
  boolean quick;

  @Override
  public Integer call() {
    FlowChoice kind = FlowChoice.byName(flow);
    int[] widths = FlowChoice.parseHidden(hidden);
    int k = layers != null ? layers : kind.defaultLayers();
    Options.requireAtLeast("--layers", k, 1);
    for (int c : classes) {
      if (c < 0 || c >= NoveltyBench.CLASSES) {
        throw new IllegalArgumentException("--classes must be 0 to 9, but was " + c);
      }
    }
    TrainingConfig config = TrainingConfig.defaults().withSeed(seed);
    if (steps != null) {
      Options.requireAtLeast("--steps", steps, 1);
      config = config.withSteps(steps);
    } else if (quick) {
      config = config.withSteps(NoveltyBench.QUICK_STEPS);
    }
    List<Integer> which = quick ? List.of(classes.get(0)) : classes;
    Presets.flow(kind.id(), 32, k, widths, seed); // refuses a bad architecture before reading data
    NoveltyBench.Data data = NoveltyBench.read(DataRoot.find(dataDir));
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    for (int c : which) {
      String task = String.format(Locale.ROOT, "novelty %s class %d", kind.id(), c);
      err.printf("bench %s ...%n", task);
      err.flush();
      NoveltyBench.Result r;
      try (FitCommand.ProgressListener listener = new FitCommand.ProgressListener(err)) {
        r = NoveltyBench.run(data, c, kind.id(), k, widths, config, listener);
      }
      out.println(NoveltyBench.line(r, kind.id(), k, widths, Threads.count()));
      out.flush();
    }
    return 0;
  }
}
