package io.flows4j.cli;

import io.flows4j.bench.JsonLine;
import io.flows4j.bench.MlpBench;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j bench mlp}: the MLP training step of BENCHMARKS.md. */
@Command(
    name = "mlp",
    mixinStandardHelpOptions = true,
    description = {
      "Times a training step (forward, loss, backward, Adam) of 8 MLPs d_in -> h -> h -> d_out"
          + " (ReLU hidden, identity output); loss = sum over the MLPs of the mean squared error"
          + " to a fixed random target.",
      "Sizes: S = 8/64/16 batch 256, M = 32/256/64 batch 512, L = 64/1024/128 batch 1024. One"
          + " JSON line per (size, threads): bench, size, threads, batch, params, steps,"
          + " ms_per_step (median), gflop (per step: 6 x batch x sum of in x out), gflops,"
          + " efficiency.",
      "Default: sizes S,M,L (S,M with --quick), threads = 1 then 2."
    })
final class BenchMlpCommand implements Runnable, AcceptsThreadList {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--quick", description = "Short runs, for smoke tests.")
  boolean quick;

  @Option(
      names = "--sizes",
      paramLabel = "SIZE[,SIZE...]",
      split = ",",
      description = "Sizes to run: ${COMPLETION-CANDIDATES} (default: S,M,L; S,M with --quick).")
  List<MlpBench.Size> sizes;

  @Override
  public void run() {
    Main main = (Main) spec.root().userObject();
    List<Integer> threads = threadsOrDefault(main);
    List<MlpBench.Size> run =
        sizes != null
            ? sizes
            : quick
                ? List.of(MlpBench.Size.S, MlpBench.Size.M)
                : List.of(MlpBench.Size.S, MlpBench.Size.M, MlpBench.Size.L);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    for (MlpBench.Size size : run) {
      for (int t : threads) {
        err.printf("bench mlp: size=%s threads=%d%s ...%n", size, t, quick ? " (quick)" : "");
        err.flush();
        JsonLine line = MlpBench.run(size, t, quick);
        out.println(line);
        out.flush();
      }
    }
  }

  /** The counts given with {@code --threads}, or 1 then 2. */
  static List<Integer> threadsOrDefault(Main main) {
    List<Integer> given = main.threadCounts();
    return given != null ? given : List.of(1, 2);
  }
}
