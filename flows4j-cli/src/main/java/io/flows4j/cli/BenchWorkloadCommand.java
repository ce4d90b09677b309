package io.flows4j.cli;

import io.flows4j.bench.VariationalBench;
import io.flows4j.bench.WorkloadBench;
import io.flows4j.bench.WorkloadBench.Model;
import io.flows4j.bench.WorkloadBench.Workload;
import io.flows4j.data.Dataset;
import io.flows4j.flows.Flow;
import io.flows4j.vi.VariationalConfig;
import io.flows4j.vi.VariationalListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flows4j bench W1} and {@code bench W3}, the density-estimation workloads, and {@code bench
 * W2}, variational inference.
 */
final class BenchWorkloadCommand {
  private BenchWorkloadCommand() {}

  /** What both workloads share. */
  abstract static class Base implements Callable<Integer>, AcceptsThreadList {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--model",
        paramLabel = "M",
        description = "realnvp, maf, nsf or residual (W1 only) (default: all of the workload).")
    Model model;

    @Option(
        names = "--dataset",
        paramLabel = "NAME",
        description = "One data set of the workload (default: all).")
    String dataset;

    @Option(
        names = "--steps",
        paramLabel = "N",
        description =
            "Training steps (default: the workload's; "
                + WorkloadBench.QUICK_STEPS
                + " with --quick).")
    Integer steps;

    @Option(
        names = "--seed",
        paramLabel = "S[,S...]",
        split = ",",
        description =
            "Seeds of the initial weights and the batch stream, one run each (default: 0, the"
                + " protocol's). Several seeds show the spread of the test NLL.")
    List<Long> seeds = List.of(WorkloadBench.SEED);

    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        description =
            "Folder holding 2d/ and fmnist-pca32/ (default: shared/data beside the repository).")
    Path dataDir;

    @Option(
        names = "--quick",
        description =
            "A smoke test: " + WorkloadBench.QUICK_STEPS + " steps on the first data set only.")
    boolean quick;

    abstract Workload workload();

    @Override
    public Integer call() {
      Workload w = workload();
      Main main = (Main) spec.root().userObject();
      List<Integer> threads = main.threadCounts() != null ? main.threadCounts() : List.of(1);
      if (steps != null) {
        Options.requireAtLeast("--steps", steps, 1);
      }
      int n = steps != null ? steps : quick ? WorkloadBench.QUICK_STEPS : w.steps;
      List<String> sets =
          dataset != null
              ? List.of(w.dataset(dataset))
              : quick ? List.of(w.datasets.get(0)) : w.datasets;
      if (model != null && !model.definedFor(w)) {
        throw new IllegalArgumentException(
            "--model " + model.id() + " is not defined for " + w + " (BENCHMARKS.md)");
      }
      List<Model> models =
          model != null
              ? List.of(model)
              : java.util.Arrays.stream(Model.values()).filter(m -> m.definedFor(w)).toList();
      Path root = DataRoot.find(dataDir);
      // Check every file before the first (long) run.
      for (String set : sets) {
        for (boolean train : new boolean[] {true, false}) {
          Path f = w.file(root, set, train);
          if (!java.nio.file.Files.isRegularFile(f)) {
            WorkloadBench.read(f); // throws the message naming the file
          }
        }
      }
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      for (String set : sets) {
        Dataset train = WorkloadBench.read(w.file(root, set, true));
        Dataset test = WorkloadBench.read(w.file(root, set, false));
        for (Model m : models) {
          for (long seed : seeds) {
            for (int t : threads) {
              String task =
                  String.format(Locale.ROOT, "%s %s %s seed=%d t=%d", w, m.id(), set, seed, t);
              err.printf("bench %s ...%n", task);
              err.flush();
              Flow flow = WorkloadBench.flow(w, m, train.columns(), seed);
              WorkloadBench.Result r =
                  WorkloadBench.withThreads(
                      t,
                      () -> {
                        try (Progress p = Progress.start(task, n, err)) {
                          return WorkloadBench.train(
                              flow,
                              train,
                              test,
                              w.batch,
                              n,
                              seed,
                              (step, loss) ->
                                  p.update(step, String.format(Locale.ROOT, "loss %.3f", loss)));
                        }
                      });
              out.println(
                  WorkloadBench.line(w, m, set, train.columns(), flow.parameterCount(), t, r));
              out.flush();
            }
          }
        }
      }
      return 0;
    }
  }

  /** W1. */
  @Command(
      name = "W1",
      aliases = "w1",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "W1 of BENCHMARKS.md: RealNVP, MAF, NSF and ResidualFlow on the 2-D sets moons, 8gaussians,"
            + " checkerboard and 2spirals; 5,000 steps of batch 256, Adam lr 1e-3 constant, batches"
            + " drawn with replacement, seed 0; test NLL over the whole test file.",
        "One JSON line per run: workload, model, dataset, dim, steps, batch, lr, params, threads,"
            + " seed, train_sec, sec_per_step_median, test_nll_nats, nonfinite_steps, peak_rss_mb,"
            + " flop_per_step, efficiency. Default threads: 1."
      })
  static final class W1 extends Base {
    @Override
    Workload workload() {
      return Workload.W1;
    }
  }

  /** W3. */
  @Command(
      name = "W3",
      aliases = "w3",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "W3 of BENCHMARKS.md: MAF, RealNVP and NSF on fmnist-pca32 (32-D); 3,000 steps of batch"
            + " 512, otherwise as W1.",
        "One JSON line per run, as W1. Default threads: 1."
      })
  static final class W3 extends Base {
    @Override
    Workload workload() {
      return Workload.W3;
    }
  }

  /** W2: variational inference on the energies U1-U4. */
  @Command(
      name = "W2",
      aliases = "w2",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "W2 of BENCHMARKS.md: planar and radial flows of 32 layers fitted by variational inference"
            + " to the 2-D energies U1-U4; 10,000 steps of 256 samples, Adam lr 1e-3 with weight"
            + " decay 1e-3 (L2, as torch.optim.Adam), beta = min(1, 0.01 + t/5000) for U1 and 1"
            + " for U2-U4, seed 0; KL over 100,000 samples. U2-U4 are not normalizable on the"
            + " plane: their KL is to the target restricted to [-6, 6]^2 (no envelope), meaningful"
            + " only when frac_outside_box is near 0.",
        "One JSON line per run: workload, model, dataset, dim, steps, batch, lr, params, threads,"
            + " seed, train_sec, sec_per_step_median, kl_nats, kl_stderr, frac_outside_box,"
            + " nonfinite_steps, peak_rss_mb, layers, weight_decay, elbo, ess_fraction, log_z,"
            + " log_z_stderr, eval_samples. Default threads: 1."
      })
  static final class W2 implements Callable<Integer>, AcceptsThreadList {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = "--model",
        paramLabel = "M",
        description =
            "planar or radial (default: both); realnvp, maf or nsf (8 layers, hidden 64,64) for"
                + " comparison.")
    String model;

    @Option(
        names = "--dataset",
        paramLabel = "U",
        description = "One energy: U1, U2, U3 or U4 (default: all).")
    String dataset;

    @Option(
        names = "--steps",
        paramLabel = "N",
        description =
            "Training steps (default: 10,000; " + VariationalBench.QUICK_STEPS + " with --quick).")
    Integer steps;

    @Option(
        names = "--quick",
        description = "A smoke test: " + VariationalBench.QUICK_STEPS + " steps on U1 only.")
    boolean quick;

    @Override
    public Integer call() {
      Main main = (Main) spec.root().userObject();
      List<Integer> threads = main.threadCounts() != null ? main.threadCounts() : List.of(1);
      if (steps != null) {
        Options.requireAtLeast("--steps", steps, 1);
      }
      int n =
          steps != null ? steps : quick ? VariationalBench.QUICK_STEPS : VariationalConfig.W2_STEPS;
      List<String> sets =
          dataset != null
              ? List.of(VariationalBench.dataset(dataset))
              : quick ? List.of(VariationalBench.DATASETS.get(0)) : VariationalBench.DATASETS;
      List<String> models =
          model != null ? List.of(VariationalBench.model(model)) : VariationalBench.MODELS;
      // Refuse a model this build cannot make before the first (long) run.
      for (String m : models) {
        VariationalBench.flow(m, VariationalBench.SEED);
      }
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      for (String set : sets) {
        for (String m : models) {
          for (int t : threads) {
            String task = String.format(Locale.ROOT, "W2 %s %s t=%d", m, set, t);
            err.printf("bench %s ...%n", task);
            err.flush();
            Flow flow = VariationalBench.flow(m, VariationalBench.SEED);
            VariationalBench.Result r =
                WorkloadBench.withThreads(
                    t,
                    () -> {
                      try (Progress p = Progress.start(task, n, err)) {
                        return VariationalBench.run(
                            flow,
                            set,
                            n,
                            new VariationalListener() {
                              @Override
                              public void onStep(VariationalListener.Progress s) {
                                p.update(
                                    s.step(),
                                    String.format(
                                        Locale.ROOT, "-elbo %.3f", s.smoothedNegativeElbo()));
                              }
                            });
                      }
                    });
            out.println(
                VariationalBench.line(
                    m, set, flow.parameterCount(), t, VariationalBench.config(set, n), r));
            out.flush();
          }
        }
      }
      return 0;
    }
  }
}
