package io.flows4j.cli;

import io.flows4j.bench.GemmHarness;
import io.flows4j.bench.JsonLine;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j bench gemm}: single-precision matrix multiply of square matrices. */
@Command(
    name = "gemm",
    mixinStandardHelpOptions = true,
    description = {
      "Times C = A B for square float32 matrices with the SGEMM chosen at start-up; one JSON line"
          + " per (n, threads): bench, n, threads, kernel, runs, ms (median), gflops, efficiency.",
      "Default: n = 64,256,1024,2048 (64,256 with --quick), threads = 1 then 2."
    })
final class BenchGemmCommand implements Runnable, AcceptsThreadList {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--quick", description = "Short runs, for smoke tests.")
  boolean quick;

  private List<Integer> sizes;

  @Option(
      names = "--n",
      paramLabel = "N[,N...]",
      description = "Matrix sizes (default: 64,256,1024,2048; 64,256 with --quick).")
  void setSizes(String value) {
    sizes = ThreadCounts.parseList(spec, "--n", value, 1);
  }

  @Override
  public void run() {
    Main main = (Main) spec.root().userObject();
    List<Integer> threads = BenchMlpCommand.threadsOrDefault(main);
    List<Integer> ns =
        sizes != null ? sizes : quick ? List.of(64, 256) : List.of(64, 256, 1024, 2048);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    GemmHarness harness = GemmHarness.standard();
    for (int n : ns) {
      for (int t : threads) {
        err.printf("bench gemm: n=%d threads=%d%s ...%n", n, t, quick ? " (quick)" : "");
        err.flush();
        JsonLine line = harness.run(n, t, quick);
        out.println(line);
        out.flush();
      }
    }
  }
}
