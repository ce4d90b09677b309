package io.flows4j.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flows4j bench}: every workload of BENCHMARKS.md in turn (W1-W4), or one group of
 * benchmarks through a subcommand.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Benchmarks. Without a subcommand: every workload of BENCHMARKS.md in turn (W1, W2, W3, W4),"
          + " exactly as specified there, one JSON line per run on standard output (--quick: a"
          + " short version of each, a smoke test). Subcommands run one workload or group: the"
          + " density workloads W1 and W3, the variational-inference workload W2, the image workload W4, novelty"
          + " detection on Fashion-MNIST (novelty), the compute engine (gemm, mlp); 'bench report'"
          + " turns the JSON lines into the table of docs/benchmarks.md.",
      "efficiency = (FLOP / (116 GFLOP/s x threads)) / time, the fraction of the reference"
          + " machine's fp32 peak. Progress goes to standard error."
    },
    subcommands = {
      BenchWorkloadCommand.W1.class,
      BenchWorkloadCommand.W2.class,
      BenchWorkloadCommand.W3.class,
      BenchImageCommand.class,
      BenchGemmCommand.class,
      BenchMlpCommand.class,
      BenchNoveltyCommand.class,
      BenchReportCommand.class
    })
final class BenchCommand implements Callable<Integer>, AcceptsThreadList {
  /** The workloads that {@code bench} without a subcommand runs, in order. */
  static final List<String> WORKLOADS = List.of("W1", "W2", "W3", "W4");

  /** The workloads that read the data folder. */
  static final List<String> WITH_DATA = List.of("W1", "W3", "W4");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--quick",
      description = "A short version of every workload (a smoke test, as each one's --quick).")
  boolean quick;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Folder holding the data sets (default: shared/data beside the repository).")
  Path dataDir;

  @Override
  public Integer call() {
    if (dataDir != null) {
      DataRoot.find(dataDir); // a missing folder fails before the first run
    }
    for (String w : WORKLOADS) {
      List<String> args = new ArrayList<>();
      if (quick) {
        args.add("--quick");
      }
      if (dataDir != null && WITH_DATA.contains(w)) {
        args.add("--data-dir");
        args.add(dataDir.toString());
      }
      int status = spec.commandLine().getSubcommands().get(w).execute(args.toArray(new String[0]));
      if (status != 0) {
        return status;
      }
    }
    return 0;
  }
}
