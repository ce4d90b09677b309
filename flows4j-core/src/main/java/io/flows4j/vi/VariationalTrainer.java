package io.flows4j.vi;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.distributions.Distribution;
import io.flows4j.flows.Flow;
import io.flows4j.optim.Adam;
import io.flows4j.optim.AdamConfig;
import io.flows4j.optim.AdamW;
import io.flows4j.optim.GradientClipping;
import io.flows4j.optim.Optimizer;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.NonFiniteTrainingException;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;

/**
 * Fits a {@link Flow} {@code q} to an unnormalized target {@code p~ = exp(-U)} by minimising the
 * annealed reverse KL divergence (variational inference with normalizing flows, Rezende and
 * Mohamed, ICML 2015):
 *
 * <pre>
 * L_t = (1/B) sum_b [ log q(x_b) - beta_t log p~(x_b) ],    x_b = f^-1(z_b),  z_b ~ p_Z
 * </pre>
 *
 * <p>Each step draws {@code B} samples and their log-densities in one pass ({@link
 * Flow#sampleWithLogProb}), so the samples are reparameterised: the gradient of {@code L_t} with
 * respect to the flow's parameters flows through {@code x_b} into the target's log-density and
 * through the log-determinants into {@code log q}. At {@code beta_t = 1}, {@code L_t + log Z} is an
 * unbiased estimate of {@code KL(q || p)}. The optimizer is Adam (weight decay as an L2 term, as
 * PyTorch's {@code torch.optim.Adam}) or AdamW, at a constant learning rate, with optional gradient
 * clipping.
 *
 * <p>A NaN or infinite loss or gradient stops training with a {@link NonFiniteTrainingException}
 * naming the step and the first parameter whose gradient is not finite (the message of {@link
 * io.flows4j.training.Trainer}); the update of that step is not applied, so the flow keeps the
 * parameters of the step before. Runs are reproducible: the same flow, target, configuration and
 * thread count give bit-identical parameters. An interrupt of the training thread ends the run
 * after the step under way.
 */
public final class VariationalTrainer {
  /** Weight of the past in the smoothed loss reported to listeners (about 50 steps). */
  static final double LOSS_SMOOTHING = 0.98;

  private VariationalTrainer() {}

  /** Trains {@code flow} in place without a listener. */
  public static TrainingResult train(Flow flow, Target target, VariationalConfig config) {
    return train(flow, target, config, VariationalListener.NONE);
  }

  /**
   * Trains {@code flow} in place.
   *
   * @param flow the flow {@code q} over {@code D} features; its parameters are updated in place
   * @param target the unnormalized target over the same {@code D} features
   * @param config the configuration
   * @param listener receives progress after every step, or {@code null}
   * @return what the run did, in the form model files store: the steps, the batch (samples per
   *     step), timings and the learning curve (the mean annealed loss over each interval of {@link
   *     VariationalConfig#historyInterval()} steps); no rows and no validation
   * @throws NonFiniteTrainingException if a loss or gradient is NaN or infinite
   * @throws io.flows4j.tensor.ShapeMismatchException if the flow's event shape is not {@code [D]}
   * @throws IllegalArgumentException if an argument is null or the flow has no parameters
   */
  public static TrainingResult train(
      Flow flow, Target target, VariationalConfig config, VariationalListener listener) {
    Checks.requireArgument(flow != null, "VariationalTrainer: flow must not be null");
    Checks.requireArgument(target != null, "VariationalTrainer: target must not be null");
    Checks.requireArgument(config != null, "VariationalTrainer: config must not be null");
    requireFits(flow, target, "VariationalTrainer");
    return new Run(flow, target, config, listener == null ? VariationalListener.NONE : listener)
        .run();
  }

  /**
   * Checks that the flow is a density over the target's space: its transform maps {@code [D]} to
   * its base's event shape.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException otherwise
   */
  static void requireFits(Flow flow, Target target, String op) {
    Shape data = Shape.of(target.dimension());
    Shape latent = flow.transform().forwardEventShape(data);
    Checks.requireShape(
        latent.equals(flow.base().eventShape()),
        "%s: the flow does not fit target %s over %s: its transform maps %s to %s, but its base"
            + " distribution has event shape %s",
        op,
        target.name(),
        data,
        data,
        latent,
        flow.base().eventShape());
  }

  /** The state of one run. */
  private static final class Run {
    private final Flow flow;
    private final Target target;
    private final VariationalConfig config;
    private final VariationalListener listener;
    private final LinkedHashMap<String, Parameter> params;
    private final List<Parameter> paramList;
    private final List<TrainingResult.HistoryEntry> history = new ArrayList<>();

    Run(Flow flow, Target target, VariationalConfig config, VariationalListener listener) {
      this.flow = flow;
      this.target = target;
      this.config = config;
      this.listener = listener;
      this.params = flow.namedParameters();
      Checks.requireArgument(
          !params.isEmpty(), "VariationalTrainer: the flow has no trainable parameters");
      this.paramList = List.copyOf(params.values());
    }

    TrainingResult run() {
      int total = config.steps();
      int batch = config.batchSize();
      Rng rng = new Rng(config.seed());
      Optimizer optimizer = optimizer();
      long[] stepNanos = new long[total];
      boolean wasTraining = flow.isTraining();
      flow.train();
      listener.onStart(total);
      TrainingResult.StopReason reason = TrainingResult.StopReason.COMPLETED;
      long start = System.nanoTime();
      int step = 0;
      double intervalSum = 0;
      int intervalCount = 0;
      double smoothed = Double.NaN;
      try {
        while (step < total) {
          long t0 = System.nanoTime();
          double beta = config.annealing().beta(step);
          optimizer.zeroGrad();
          float loss;
          double negativeElbo;
          try (Tape tape = Tape.record()) {
            Distribution.Sampled s = flow.sampleWithLogProb(batch, rng);
            Var logP = target.logDensity(s.value());
            Var objective =
                Reductions.mean(
                    ArithmeticOps.sub(s.logProb(), ArithmeticOps.scale(logP, (float) beta)));
            loss = objective.item();
            negativeElbo = meanDifference(s.logProb().value(), logP.value());
            tape.backward(objective);
          }
          double norm =
              config.maxGradNorm() > 0
                  ? GradientClipping.clipGradNorm(paramList, config.maxGradNorm())
                  : GradientClipping.totalNorm(paramList);
          if (!Float.isFinite(loss) || !Double.isFinite(norm)) {
            throw nonFinite(step + 1, loss, start, stepNanos, step);
          }
          double lr = optimizer.learningRate();
          optimizer.step();
          stepNanos[step] = System.nanoTime() - t0;
          step++;

          intervalSum += loss;
          intervalCount++;
          if (step % config.historyInterval() == 0 || step == total) {
            history.add(
                new TrainingResult.HistoryEntry(step, intervalSum / intervalCount, Double.NaN, lr));
            intervalSum = 0;
            intervalCount = 0;
          }
          smoothed =
              Double.isNaN(smoothed) || !Double.isFinite(negativeElbo)
                  ? negativeElbo
                  : LOSS_SMOOTHING * smoothed + (1 - LOSS_SMOOTHING) * negativeElbo;
          if (listener != VariationalListener.NONE) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            double rate = step / Math.max(elapsed, 1e-9);
            listener.onStep(
                new VariationalListener.Progress(
                    step,
                    total,
                    loss,
                    negativeElbo,
                    smoothed,
                    beta,
                    lr,
                    norm,
                    rate,
                    (total - step) / rate));
          }
          if (Thread.currentThread().isInterrupted()) {
            reason = TrainingResult.StopReason.INTERRUPTED;
            break;
          }
        }
        if (intervalCount > 0) {
          history.add(
              new TrainingResult.HistoryEntry(
                  step, intervalSum / intervalCount, Double.NaN, optimizer.learningRate()));
        }
      } finally {
        if (!wasTraining) {
          flow.eval();
        }
      }
      TrainingResult result = result(step, reason, start, stepNanos);
      listener.onFinish(result);
      return result;
    }

    private Optimizer optimizer() {
      AdamConfig ac = AdamConfig.of(config.learningRate()).withWeightDecay(config.weightDecay());
      return config.optimizer() == TrainingConfig.OptimizerKind.ADAMW
          ? new AdamW(params, ac)
          : new Adam(params, ac);
    }

    private TrainingResult result(
        int steps, TrainingResult.StopReason reason, long start, long[] stepNanos) {
      double seconds = (System.nanoTime() - start) / 1e9;
      double median = Double.NaN;
      if (steps > 0) {
        long[] sorted = Arrays.copyOf(stepNanos, steps);
        Arrays.sort(sorted);
        median =
            (steps % 2 == 1 ? sorted[steps / 2] : (sorted[steps / 2 - 1] + sorted[steps / 2]) / 2.0)
                / 1e9;
      }
      double last = history.isEmpty() ? Double.NaN : history.get(history.size() - 1).trainLoss();
      return new TrainingResult(
          steps,
          config.steps(),
          config.batchSize(),
          0,
          0,
          0,
          Double.NaN,
          last,
          seconds,
          median,
          reason,
          false,
          0,
          history);
    }

    private NonFiniteTrainingException nonFinite(
        int step, float loss, long start, long[] stepNanos, int stepsDone) {
      String state =
          stepsDone == 0
              ? "the parameters were left as they were before training"
              : "the parameters of step " + stepsDone + " were kept";
      String message =
          String.format(
              Locale.ROOT,
              "VariationalTrainer: step %d of %d (target %s, beta %s): %s; %s (try a lower learning"
                  + " rate, gradient clipping or annealing)",
              step,
              config.steps(),
              target.name(),
              config.annealing().beta(step - 1),
              NonFiniteTrainingException.describeStep(loss, params),
              state);
      TrainingResult partial =
          result(stepsDone, TrainingResult.StopReason.NON_FINITE, start, stepNanos);
      return new NonFiniteTrainingException(message, step, partial);
    }
  }

  /** {@code mean(a - b)} in double. */
  static double meanDifference(Tensor a, Tensor b) {
    double s = 0;
    int n = a.size();
    for (int i = 0; i < n; i++) {
      s += a.getFlat(i) - b.getFlat(i);
    }
    return s / n;
  }
}
