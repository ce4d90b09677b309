package io.flows4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;

/** {@code flows4j bench}: the groups of engine benchmarks. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmarks: the density workloads W1 and W3, the variational-inference workload W2 and"
          + " the image workload W4 of"
          + " BENCHMARKS.md, novelty detection on Fashion-MNIST (novelty), and the compute engine"
          + " (gemm, mlp). Each case prints one JSON line on standard output; progress goes to"
          + " standard error.",
      "efficiency = (FLOP / (116 GFLOP/s x threads)) / time, the fraction of the reference"
          + " machine's fp32 peak."
    },
    subcommands = {
      BenchWorkloadCommand.W1.class,
      BenchWorkloadCommand.W2.class,
      BenchWorkloadCommand.W3.class,
      BenchImageCommand.class,
      BenchGemmCommand.class,
      BenchMlpCommand.class,
      BenchNoveltyCommand.class
    })
final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "bench needs a benchmark: W1, W2, W3, W4, gemm, mlp or novelty (see 'flows4j bench --help')");
  }
}
