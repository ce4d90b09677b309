package io.flows4j.bench;

import io.flows4j.flows.Flow;
import io.flows4j.training.NonFiniteTrainingException;
import io.flows4j.training.TrainingResult;
import io.flows4j.vi.Annealing;
import io.flows4j.vi.Target;
import io.flows4j.vi.Targets;
import io.flows4j.vi.VariationalConfig;
import io.flows4j.vi.VariationalDiagnostics;
import io.flows4j.vi.VariationalFlows;
import io.flows4j.vi.VariationalListener;
import io.flows4j.vi.VariationalTrainer;
import java.util.List;
import java.util.Locale;

/**
 * Workload W2 of BENCHMARKS.md, variational inference on the 2-D energies U1 to U4: planar and
 * radial flows of {@value #LAYERS} layers over a fixed N(0, I) base, reverse KL {@code E_q[log
 * q(z)] - beta E_q[-U(z)]} with 256 samples per step, 10,000 steps, Adam with learning rate 1e-3
 * and weight decay 1e-3 (an L2 term, as the peer's {@code torch.optim.Adam}), {@code beta = min(1,
 * 0.01 + t / 5000)} for U1 and 1 for U2 to U4, seed 0 ({@link VariationalConfig#w2}). After the
 * last step, {@code KL = mean(log q(z) + U(z)) + log Z} over 100,000 samples of q (log Z from the
 * grid of {@code shared/data/vi}), its standard error and the fraction of samples outside {@code
 * [-6, 6]^2}.
 *
 * <p>No envelope: U2 to U4 are not normalizable on the plane, and the figure is exactly the one
 * BENCHMARKS.md defines, a KL to the box-restricted target, which means something only when {@code
 * frac_outside_box} is near 0 (the peer's planar flow on U2 put 22.6% of its mass outside and
 * reported a negative KL).
 *
 * <p>The training loop is the library's own {@link VariationalTrainer}. It stops at the first
 * non-finite loss or gradient (where the peer would write NaN into its weights); the run then
 * reports {@code nonfinite_steps = 1}, the steps done, and the KL of the last good parameters.
 */
public final class VariationalBench {
  /** The energies of W2. */
  public static final List<String> DATASETS = List.of("U1", "U2", "U3", "U4");

  /** The models of W2. */
  public static final List<String> MODELS = List.of("planar", "radial");

  /** Flow layers of the planar and radial models. */
  public static final int LAYERS = 32;

  /**
   * Layers and hidden widths of other flows given with {@code --model} (coupling and autoregressive
   * flows, for comparison): the W1 architecture.
   */
  static final int OTHER_LAYERS = 8;

  static final int[] OTHER_HIDDEN = {64, 64};

  /** Seed of the protocol (initial weights and samples). */
  public static final long SEED = 0;

  /** Steps of a {@code --quick} run. */
  public static final int QUICK_STEPS = 50;

  private VariationalBench() {}

  /**
   * The data set (energy) of this name, ignoring case.
   *
   * @throws IllegalArgumentException listing the energies otherwise
   */
  public static String dataset(String name) {
    for (String d : DATASETS) {
      if (d.equalsIgnoreCase(name.trim())) {
        return d;
      }
    }
    throw new IllegalArgumentException(
        "--dataset for W2 must be one of "
            + String.join(", ", DATASETS)
            + ", but was '"
            + name
            + "'");
  }

  /**
   * A model name of {@link VariationalFlows#NAMES}, lower-cased.
   *
   * @throws IllegalArgumentException listing the names otherwise
   */
  public static String model(String name) {
    String key = name.trim().toLowerCase(Locale.ROOT);
    if (!VariationalFlows.NAMES.contains(key)) {
      throw new IllegalArgumentException(
          "--model for W2 must be one of "
              + String.join(", ", VariationalFlows.NAMES)
              + ", but was '"
              + name
              + "'");
    }
    return key;
  }

  /** The number of layers of a model: {@value #LAYERS} for planar, radial and Sylvester flows. */
  public static int layers(String model) {
    return switch (model) {
      case "planar", "radial", "sylvester" -> LAYERS;
      default -> OTHER_LAYERS;
    };
  }

  /**
   * The flow of a model over the plane, initialised from {@code seed}.
   *
   * @throws IllegalArgumentException if the model is not available in this build
   */
  public static Flow flow(String model, long seed) {
    return VariationalFlows.flow(model, 2, layers(model), OTHER_HIDDEN, seed);
  }

  /** The protocol's configuration for an energy, with {@code steps} steps. */
  public static VariationalConfig config(String dataset, int steps) {
    Annealing a = dataset.equals("U1") ? Annealing.w2() : Annealing.none();
    return VariationalConfig.w2(a).toBuilder().steps(steps).build();
  }

  /**
   * What a run measured.
   *
   * @param training the trainer's result (steps, timings)
   * @param nonfiniteSteps 1 if training stopped on a non-finite value, else 0
   * @param report the diagnostics after the last (good) step
   */
  public record Result(
      TrainingResult training, int nonfiniteSteps, VariationalDiagnostics.Report report) {}

  /**
   * Trains {@code flow} on {@code target} with {@code config} and evaluates it on {@code samples}
   * samples of seed {@code config.seed() + 1}.
   */
  public static Result run(
      Flow flow,
      Target target,
      VariationalConfig config,
      int samples,
      VariationalListener listener) {
    WorkloadBench.resetPeakRss();
    TrainingResult r;
    int nonfinite = 0;
    try {
      r = VariationalTrainer.train(flow, target, config, listener);
    } catch (NonFiniteTrainingException e) {
      r = e.result();
      nonfinite = 1;
    }
    VariationalDiagnostics.Report d =
        VariationalDiagnostics.evaluate(
            flow,
            target,
            samples,
            config.seed() + 1,
            VariationalDiagnostics.DEFAULT_BOX_HALF_WIDTH);
    return new Result(r, nonfinite, d);
  }

  /** Runs the protocol on the named energy ({@link Targets#byName}). */
  public static Result run(Flow flow, String dataset, int steps, VariationalListener listener) {
    return run(
        flow,
        Targets.byName(dataset),
        config(dataset, steps),
        VariationalDiagnostics.W2_SAMPLES,
        listener);
  }

  /**
   * The JSON line of a run: the common fields of BENCHMARKS.md ({@code workload, model, dataset,
   * dim, steps, batch, lr, params, threads, seed, train_sec, sec_per_step_median, kl_nats,
   * nonfinite_steps, peak_rss_mb}) and {@code kl_stderr}, {@code frac_outside_box}, then {@code
   * layers}, {@code weight_decay}, {@code elbo}, {@code ess_fraction}, {@code log_z}, {@code
   * log_z_stderr} and {@code eval_samples}.
   */
  public static JsonLine line(
      String model, String dataset, long params, int threads, VariationalConfig c, Result r) {
    VariationalDiagnostics.Report d = r.report();
    return new JsonLine()
        .put("workload", "W2")
        .put("model", model)
        .put("dataset", dataset)
        .put("dim", 2)
        .put("steps", r.training().stepsRun())
        .put("batch", c.batchSize())
        .put("lr", c.learningRate())
        .put("params", params)
        .put("threads", threads)
        .put("seed", c.seed())
        .put("train_sec", r.training().trainSeconds())
        .put("sec_per_step_median", r.training().secPerStepMedian())
        .put("kl_nats", d.kl())
        .put("kl_stderr", d.klStderr())
        .put("frac_outside_box", d.fractionOutsideBox())
        .put("nonfinite_steps", r.nonfiniteSteps())
        .put("peak_rss_mb", WorkloadBench.peakRssMegabytes())
        .put("layers", layers(model))
        .put("weight_decay", c.weightDecay())
        .put("elbo", d.elbo())
        .put("ess_fraction", d.essFraction())
        .put("log_z", d.logZ())
        .put("log_z_stderr", d.logZStderr())
        .put("eval_samples", d.samples());
  }
}
