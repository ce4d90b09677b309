package io.flows4j.cli;

import io.flows4j.bench.ImageBench;
import io.flows4j.bench.WorkloadBench;
import io.flows4j.data.Images;
import io.flows4j.flows.Flow;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j bench W4}: Glow on Fashion-MNIST. */
@Command(
    name = "W4",
    aliases = "w4",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "W4 of BENCHMARKS.md: multi-scale Glow (2 levels of 8 steps: ActNorm, invertible 1x1"
          + " convolution with LU, affine coupling with a conv 3x3-1x1-3x3 network of 128 hidden"
          + " channels; a learned diagonal Gaussian base per level) on Fashion-MNIST; input x = (p"
          + " + u)/256 with fresh noise per batch; batch 64, 300 steps of Adam lr 1e-3, batches"
          + " drawn with replacement, seed 0; bits/dim = NLL/(784 ln 2) + 8 on the first 2,000 test"
          + " images.",
      "One JSON line per run: workload, model, dataset, dim, steps, batch, lr, params, threads,"
          + " seed, train_sec, sec_per_step_median, test_bpd, nonfinite_steps, peak_rss_mb,"
          + " test_nll_nats, test_images, flop_per_step, efficiency. Default threads: 1."
    })
final class BenchImageCommand implements Callable<Integer>, AcceptsThreadList {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--steps",
      paramLabel = "N",
      description = "Training steps (default: 300; 20 with --quick).")
  Integer steps;

  @Option(
      names = "--seed",
      paramLabel = "S",
      description = "Seed of the weights, the batches and the noise (default: 0).")
  long seed = WorkloadBench.SEED;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Folder holding fashion-mnist/ (default: shared/data beside the repository).")
  Path dataDir;

  @Option(
      names = "--quick",
      description =
          "A smoke test of a few seconds: Glow L=2 K=2 hidden 16, batch 16, 20 steps, 200 test"
              + " images.")
  boolean quick;

  @Override
  public Integer call() {
    Main main = (Main) spec.root().userObject();
    List<Integer> threads = main.threadCounts() != null ? main.threadCounts() : List.of(1);
    ImageBench.Config config = quick ? ImageBench.QUICK : ImageBench.FULL;
    if (steps != null) {
      Options.requireAtLeast("--steps", steps, 1);
      config = config.withSteps(steps);
    }
    Path root = DataRoot.find(dataDir);
    Path trainFile = ImageBench.file(root, true);
    Path testFile = ImageBench.file(root, false);
    for (Path f : List.of(trainFile, testFile)) {
      if (!Files.isRegularFile(f)) {
        throw new UncheckedIOException(
            f + ": no such file (give the folder holding fashion-mnist/ with --data-dir)",
            new NoSuchFileException(f.toString()));
      }
    }
    Images train = Images.readIdx(trainFile, null);
    Images test = Images.readIdx(testFile, null);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ImageBench.Config c = config;
    for (int t : threads) {
      String task = String.format(Locale.ROOT, "W4 %s seed=%d t=%d", c.model(), seed, t);
      err.printf("bench %s ...%n", task);
      err.flush();
      Flow flow = ImageBench.flow(c, train, seed);
      ImageBench.Result r =
          WorkloadBench.withThreads(
              t,
              () -> {
                try (Progress p = Progress.start(task, c.steps(), err)) {
                  return ImageBench.train(
                      flow,
                      train,
                      test,
                      c,
                      seed,
                      (step, loss) ->
                          p.update(step, String.format(Locale.ROOT, "loss %.1f", loss)));
                }
              });
      out.println(ImageBench.line(c, train, flow.parameterCount(), t, seed, r));
      out.flush();
    }
    return 0;
  }
}
