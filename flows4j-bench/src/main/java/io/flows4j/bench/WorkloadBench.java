package io.flows4j.bench;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.data.CsvReader;
import io.flows4j.data.Dataset;
import io.flows4j.data.MinibatchSampler;
import io.flows4j.flows.Flow;
import io.flows4j.flows.Presets;
import io.flows4j.optim.Adam;
import io.flows4j.optim.AdamConfig;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The density-estimation workloads W1 and W3 of BENCHMARKS.md, run with the common protocol: base
 * N(0, I); loss = mean negative log-likelihood of a minibatch; Adam with betas (0.9, 0.999), eps
 * 1e-8, no weight decay, constant learning rate 1e-3; no clipping, schedule or early stopping;
 * every step draws its batch with replacement from the training file; seed 0; the test NLL is the
 * mean of {@code -log p(x)} over the whole test file (float32 model, double sum) after the last
 * step.
 *
 * <p>A step that yields a non-finite loss is counted in {@code nonfinite_steps} and its update is
 * skipped (the peers would write NaN into the weights).
 */
public final class WorkloadBench {

  /** The workloads, with their batch, step count, data sets and folder under the data root. */
  @SuppressWarnings("ImmutableEnumChecker") // datasets is a List.of, which cannot be modified
  public enum Workload {
    /** 2-D densities, batch 256, 5,000 steps. */
    W1(256, 5000, "2d", List.of("moons", "8gaussians", "checkerboard", "2spirals")),
    /** Fashion-MNIST projected to 32 PCA components, batch 512, 3,000 steps. */
    W3(512, 3000, "fmnist-pca32", List.of("fmnist-pca32"));

    /** Rows per step. */
    public final int batch;

    /** Training steps of a full run. */
    public final int steps;

    /** The folder of the data sets under the data root. */
    public final String folder;

    /** The data sets of this workload, in the order of BENCHMARKS.md. */
    public final List<String> datasets;

    Workload(int batch, int steps, String folder, List<String> datasets) {
      this.batch = batch;
      this.steps = steps;
      this.folder = folder;
      this.datasets = datasets;
    }

    /**
     * The training or test file of a data set under {@code dataRoot}: {@code 2d/NAME-train.csv.gz}
     * for W1, {@code fmnist-pca32/train.csv.gz} for W3.
     */
    public Path file(Path dataRoot, String dataset, boolean train) {
      String part = train ? "train" : "test";
      String name = this == W1 ? dataset + "-" + part + ".csv.gz" : part + ".csv.gz";
      return dataRoot.resolve(folder).resolve(name);
    }

    /**
     * The data set of this workload with the given name, ignoring case.
     *
     * @throws IllegalArgumentException naming the data sets of this workload otherwise
     */
    public String dataset(String name) {
      for (String d : datasets) {
        if (d.equalsIgnoreCase(name.trim())) {
          return d;
        }
      }
      throw new IllegalArgumentException(
          "--dataset for "
              + name()
              + " must be one of "
              + String.join(", ", datasets)
              + ", but was '"
              + name
              + "'");
    }
  }

  /** The models of W1 and W3. */
  public enum Model {
    /** RealNVP affine coupling. */
    REALNVP,
    /** MAF (MADE layers, affine). */
    MAF,
    /** Neural spline flow (rational-quadratic splines, 8 bins, tail bound 3). */
    NSF,
    /**
     * Residual flow (8 invertible residual blocks, {@code g = 2 -> 64 -> 64 -> 2}, LipSwish,
     * spectral normalisation 0.97); W1 only. Trained and evaluated with the exact 2-D
     * log-determinant (the peer trains with the estimator).
     */
    RESIDUAL;

    /** Whether BENCHMARKS.md defines this model for workload {@code w}. */
    public boolean definedFor(Workload w) {
      return this != RESIDUAL || w == Workload.W1;
    }

    /** The lower-case name used on the command line and in the output. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The architecture of a model in a workload as BENCHMARKS.md defines it, in the terms of {@code
   * --flow K --layers K --hidden H,H}, and the shapes of its dense layers (for the FLOP count).
   *
   * @param layers number of flow layers
   * @param hidden widths of the conditioner's hidden layers
   * @param denseWeights {@code sum in * out} over the dense (or masked dense) layers of one flow
   *     layer
   */
  public record Architecture(int layers, List<Integer> hidden, long denseWeights) {
    /** Copies the list. */
    public Architecture {
      hidden = List.copyOf(hidden);
    }

    /** FLOP of one training step at {@code batch} rows: {@code 6 * batch * layers * sum in*out}. */
    public double flopPerStep(int batch) {
      return 6.0 * batch * layers * denseWeights;
    }
  }

  /** Spline bins of NSF in both workloads. */
  public static final int SPLINE_BINS = 8;

  /** Spline tail bound of NSF in both workloads. */
  public static final double TAIL_BOUND = 3;

  /** Learning rate of the protocol. */
  public static final double LEARNING_RATE = 1e-3;

  /** Seed of the protocol (batches and initialisation). */
  public static final long SEED = 0;

  /** Steps of a {@code --quick} run. */
  public static final int QUICK_STEPS = 50;

  /** Rows per chunk when the test NLL is evaluated. */
  static final int EVAL_CHUNK = 4096;

  private WorkloadBench() {}

  /**
   * The architecture of BENCHMARKS.md for a model on a workload of dimension {@code dim}. Spline
   * conditioners output {@code 3 K - 1} values per transformed feature ({@code K} widths, {@code K}
   * heights, {@code K - 1} interior derivatives; linear tails).
   */
  public static Architecture architecture(Workload w, Model m, int dim) {
    int splineOut = 3 * SPLINE_BINS - 1;
    int half = dim / 2;
    return switch (w) {
      case W1 ->
          switch (m) {
            case REALNVP ->
                new Architecture(8, List.of(64, 64), couplingDense(half, dim - half, 64, 2));
            case MAF -> new Architecture(5, List.of(64, 64), madeDense(dim, 64, 2));
            case NSF ->
                new Architecture(
                    8, List.of(64, 64), couplingDense(half, dim - half, 64, splineOut));
            // g = D -> 64 -> 64 -> D: the dense shapes of a MADE with one output per feature
            case RESIDUAL -> new Architecture(8, List.of(64, 64), madeDense(dim, 64, 1));
          };
      case W3 ->
          switch (m) {
            case REALNVP ->
                new Architecture(8, List.of(256, 256), couplingDense(half, dim - half, 256, 2));
            case MAF -> new Architecture(5, List.of(256, 256), madeDense(dim, 256, 2));
            case NSF -> new Architecture(4, List.of(256, 256), madeDense(dim, 256, splineOut));
            case RESIDUAL ->
                throw new IllegalArgumentException(
                    "--model residual is defined for W1 only, but the workload was W3");
          };
    };
  }

  /** A coupling conditioner {@code in -> h -> h -> out * perFeature}. */
  private static long couplingDense(int in, int out, int h, int perFeature) {
    return (long) in * h + (long) h * h + (long) h * out * perFeature;
  }

  /** A MADE {@code dim -> h -> h -> dim * perFeature} (masks counted as dense). */
  private static long madeDense(int dim, int h, int perFeature) {
    return (long) dim * h + (long) h * h + (long) h * dim * perFeature;
  }

  /**
   * The preset of {@link Presets} that builds a model of a workload: {@code realnvp}, {@code maf},
   * and for NSF the spline couplings {@code nsf} on W1 and the autoregressive splines {@code
   * nsf-ar} on W3.
   */
  public static String preset(Workload w, Model m) {
    return switch (m) {
      case REALNVP -> "realnvp";
      case MAF -> "maf";
      case NSF -> w == Workload.W1 ? "nsf" : "nsf-ar";
      case RESIDUAL -> "residual";
    };
  }

  /** The flow of a model in a workload over {@code dim} features, initialised from {@code seed}. */
  public static Flow flow(Workload w, Model m, int dim, long seed) {
    Architecture a = architecture(w, m, dim);
    int[] hidden = a.hidden().stream().mapToInt(Integer::intValue).toArray();
    return Presets.flow(preset(w, m), dim, a.layers(), hidden, seed);
  }

  /** What a run measured. */
  public record Result(
      long seed,
      int steps,
      double trainSeconds,
      double secondsPerStepMedian,
      double testNllNats,
      int nonfiniteSteps,
      double lastLoss) {}

  /** Told of every step, for progress. */
  @FunctionalInterface
  public interface StepListener {
    /** Called after step {@code step} (1-based) with its minibatch loss. */
    void afterStep(int step, double loss);
  }

  /**
   * Trains {@code flow} with the protocol and evaluates it on the test set.
   *
   * @param train training rows, {@code [N, D]}
   * @param test test rows, {@code [M, D]}
   * @param batch rows per step
   * @param steps number of steps, {@code >= 1}
   * @param seed seed of the batch sampler
   * @throws IllegalArgumentException if {@code steps < 1} or {@code batch < 1}
   */
  public static Result train(
      Flow flow,
      Dataset train,
      Dataset test,
      int batch,
      int steps,
      long seed,
      StepListener listener) {
    Checks.requirePositive(steps, "WorkloadBench.train", "steps");
    Checks.requirePositive(batch, "WorkloadBench.train", "batch");
    resetPeakRss();
    Adam adam =
        new Adam(
            flow.namedParameters(),
            AdamConfig.of(LEARNING_RATE).withBetas(0.9, 0.999).withEps(1e-8));
    MinibatchSampler sampler = MinibatchSampler.withReplacement(train, batch, seed);
    Tensor x = Tensor.zeros(batch, train.columns());
    double[] times = new double[steps];
    int nonfinite = 0;
    double lastLoss = Double.NaN;
    flow.train();
    long start = System.nanoTime();
    for (int s = 0; s < steps; s++) {
      long t0 = System.nanoTime();
      sampler.next(x);
      adam.zeroGrad();
      double loss;
      try (Tape tape = Tape.record()) {
        Var nll = ArithmeticOps.neg(Reductions.mean(flow.logProb(tape.input(x))));
        loss = nll.item();
        if (Double.isFinite(loss)) {
          tape.backward(nll);
        }
      }
      if (Double.isFinite(loss)) {
        adam.step();
      } else {
        nonfinite++;
      }
      times[s] = (System.nanoTime() - t0) * 1e-9;
      lastLoss = loss;
      if (listener != null) {
        listener.afterStep(s + 1, loss);
      }
    }
    double trainSeconds = (System.nanoTime() - start) * 1e-9;
    flow.eval();
    double nll = meanNll(flow, test);
    return new Result(seed, steps, trainSeconds, median(times), nll, nonfinite, lastLoss);
  }

  /**
   * The mean of {@code -log p(x)} over every row, summed in double in chunks of {@value
   * #EVAL_CHUNK} rows; NaN if some row's density is not finite.
   */
  public static double meanNll(Flow flow, Dataset data) {
    double sum = 0;
    for (int from = 0; from < data.rows(); from += EVAL_CHUNK) {
      int to = Math.min(from + EVAL_CHUNK, data.rows());
      Tensor chunk = data.copyRows(from, to, Tensor.zeros(to - from, data.columns()));
      Tensor lp = flow.logProb(chunk);
      for (int i = 0; i < lp.size(); i++) {
        sum -= lp.getFlat(i);
      }
    }
    return sum / data.rows();
  }

  /** The median of the values (the mean of the middle two for an even count). */
  static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
  }

  /**
   * The JSON line of a run with the fields of BENCHMARKS.md: {@code workload, model, dataset, dim,
   * steps, batch, lr, params, threads, seed, train_sec, sec_per_step_median, test_nll_nats,
   * nonfinite_steps, peak_rss_mb} (the peak since {@link #train} started, where the peak can be
   * reset, else of the whole process), then {@code flop_per_step} and {@code efficiency} (the time
   * the arithmetic needs at 116 GFLOP/s per thread over the median step time).
   */
  public static JsonLine line(
      Workload w, Model m, String dataset, int dim, long params, int threads, Result r) {
    double flop = architecture(w, m, dim).flopPerStep(w.batch);
    return new JsonLine()
        .put("workload", w.name())
        .put("model", m.id())
        .put("dataset", dataset)
        .put("dim", dim)
        .put("steps", r.steps())
        .put("batch", w.batch)
        .put("lr", LEARNING_RATE)
        .put("params", params)
        .put("threads", threads)
        .put("seed", r.seed())
        .put("train_sec", r.trainSeconds())
        .put("sec_per_step_median", r.secondsPerStepMedian())
        .put("test_nll_nats", r.testNllNats())
        .put("nonfinite_steps", r.nonfiniteSteps())
        .put("peak_rss_mb", peakRssMegabytes())
        .put("flop_per_step", flop)
        .put("efficiency", Machine.efficiency(flop, r.secondsPerStepMedian(), threads));
  }

  /**
   * The peak resident set size of this process in MiB ({@code VmHWM} of {@code /proc/self/status}),
   * or NaN where that file does not exist (not Linux).
   */
  public static double peakRssMegabytes() {
    Path status = Path.of("/proc/self/status");
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmHWM:")) {
          // "VmHWM:     123456 kB"
          String v = line.substring(6).trim();
          int space = v.indexOf(' ');
          return Long.parseLong(space < 0 ? v : v.substring(0, space)) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or an unexpected format: the field is reported as null.
    }
    return Double.NaN;
  }

  /**
   * Resets the peak resident set size that {@link #peakRssMegabytes} reports to the current size
   * (Linux: writing {@code 5} to {@code /proc/self/clear_refs}), so that each of several runs in
   * one process reports its own peak. Best effort: where it is not possible the peak stays that of
   * the whole process.
   *
   * @return whether the peak was reset
   */
  public static boolean resetPeakRss() {
    try {
      Files.writeString(Path.of("/proc/self/clear_refs"), "5");
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Reads a workload's file.
   *
   * @throws UncheckedIOException {@code <file>: no such file; get the data sets ...} if it is
   *     missing
   */
  public static Dataset read(Path file) {
    if (!Files.isRegularFile(file)) {
      String message =
          file
              + ": no such file (the benchmark data sets live in shared/data beside the"
              + " repository; give their folder with --data-dir)";
      throw new UncheckedIOException(message, new NoSuchFileException(file.toString()));
    }
    return CsvReader.create().read(file);
  }

  /**
   * Runs {@code body} with {@code threads} compute threads and restores the previous count.
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public static <T> T withThreads(int threads, java.util.function.Supplier<T> body) {
    Checks.requirePositive(threads, "bench", "threads");
    int saved = Threads.count();
    try {
      Threads.setCount(threads);
      return body.get();
    } finally {
      Threads.setCount(saved);
    }
  }
}
