package io.flows4j.training;

import io.flows4j.autodiff.Losses;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.data.Dataset;
import io.flows4j.data.MinibatchSampler;
import io.flows4j.data.Standardizer;
import io.flows4j.flows.ConditionalFlow;
import io.flows4j.flows.Flow;
import io.flows4j.nn.Module;
import io.flows4j.optim.Adam;
import io.flows4j.optim.AdamConfig;
import io.flows4j.optim.AdamW;
import io.flows4j.optim.ConstantSchedule;
import io.flows4j.optim.CosineSchedule;
import io.flows4j.optim.GradientClipping;
import io.flows4j.optim.LearningRateSchedule;
import io.flows4j.optim.Optimizer;
import io.flows4j.optim.WarmupSchedule;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fits a {@link Flow} to data by maximum likelihood: minimises the mean negative log-likelihood
 * {@code L = -(1/B) sum_b log p(x_b)} of minibatches with Adam or AdamW.
 *
 * <p>Each step draws a minibatch into a buffer reused for the whole run, opens a recording {@link
 * Tape}, computes {@code L}, runs the backward pass, measures (and optionally clips) the total
 * gradient norm and updates the parameters. Every {@link TrainingConfig#evaluationInterval()} steps
 * the mean NLL of the validation rows is computed without recording, in chunks of {@value
 * #EVALUATION_CHUNK_ROWS} rows with the flow in evaluation mode; the parameters of the best
 * evaluation are kept, training stops {@link TrainingConfig#patienceSteps()} steps after the last
 * new best, and the best parameters are restored at the end when {@link
 * TrainingConfig#restoreBest()} is set.
 *
 * <p>A NaN or infinite loss or gradient stops training with a {@link NonFiniteTrainingException}
 * naming the step and the first parameter whose gradient is not finite; the step's update is not
 * applied, so the flow keeps the parameters of the previous step (or the best ones when {@code
 * restoreBest} is set and an evaluation has happened).
 *
 * <p>Runs are reproducible: the same flow (same initial weights), data, configuration and thread
 * count give bit-identical parameters. An interrupt of the training thread ends the run after the
 * step under way (stop reason {@link TrainingResult.StopReason#INTERRUPTED}); the interrupt flag
 * stays set.
 */
public final class Trainer {
  /** Rows per chunk when evaluating a data set without recording. */
  public static final int EVALUATION_CHUNK_ROWS = 2048;

  /** Weight of the past in the smoothed loss reported to listeners (about 50 steps). */
  static final double LOSS_SMOOTHING = 0.98;

  /**
   * Mixed into the seed for the validation split, so that the split and the minibatch stream
   * (seeded with the seed itself, as the benchmark protocol asks) are not drawn from the same
   * stream.
   */
  static final long SPLIT_SEED_MIX = 0x9E3779B97F4A7C15L;

  /** Mixed into the seed of the input-noise stream. */
  static final long NOISE_SEED_MIX = 0xD1B54A32D192ED03L;

  private Trainer() {}

  /**
   * The input noise of {@link TrainingConfig#INPUT_NOISE_AUTO} for {@code trainRows} training rows,
   * relative to each column's spread: {@code min(0.2, 2.5 / sqrt(N))}. That is 0.2 for 160 rows,
   * 0.06 for 1,800, 0.025 for 10,000 and 0.012 for 45,000: about the spacing of neighbouring points
   * of a two-dimensional data set, which keeps a flow from putting spikes of density on the
   * training points and holes between them (measured in {@code docs/design-notes.md}).
   *
   * @throws IllegalArgumentException if {@code trainRows < 1}
   */
  public static double autoInputNoise(int trainRows) {
    Checks.requirePositive(trainRows, "Trainer.autoInputNoise", "training rows");
    return Math.min(AUTO_NOISE_MAX, AUTO_NOISE_SCALE / Math.sqrt(trainRows));
  }

  /** The largest automatic input noise, relative to a column's spread. */
  static final double AUTO_NOISE_MAX = 0.2;

  /** {@code c} in the automatic input noise {@code c / sqrt(N)}. */
  static final double AUTO_NOISE_SCALE = 2.5;

  /** The relative input noise a run on {@code trainRows} rows uses. */
  static double inputNoise(TrainingConfig config, int trainRows) {
    return config.inputNoise() == TrainingConfig.INPUT_NOISE_AUTO
        ? autoInputNoise(trainRows)
        : config.inputNoise();
  }

  /** Adds {@code N(0, std_j^2)} noise to every element of column {@code j} of {@code x}. */
  private static void addNoise(Tensor x, Rng rng, float[] std) {
    float[] a = x.data();
    int d = std.length;
    for (int i = x.offset(), end = x.offset() + x.size(), j = 0; i < end; i++) {
      a[i] += (float) (std[j] * rng.nextGaussian());
      if (++j == d) {
        j = 0;
      }
    }
  }

  /**
   * Splits {@code data} into training and validation rows as {@code config} asks ({@link
   * TrainingConfig#validationRows}), with a split seeded by the configuration's seed. The
   * validation part has no rows when the configuration holds none out.
   */
  public static Dataset.Split split(Dataset data, TrainingConfig config) {
    int v = config.validationRows(data.rows());
    if (v == 0) {
      return new Dataset.Split(data, data.slice(0, 0));
    }
    return data.split((double) v / data.rows(), config.seed() ^ SPLIT_SEED_MIX);
  }

  /**
   * Trains {@code flow} on {@code data}, holding out validation rows as the configuration asks.
   *
   * @see #train(Flow, Dataset, Dataset, TrainingConfig, TrainingListener)
   */
  public static TrainingResult train(Flow flow, Dataset data, TrainingConfig config) {
    return train(flow, data, null, config, TrainingListener.NONE);
  }

  /**
   * Trains {@code flow} in place.
   *
   * @param flow the flow; its parameters are updated in place
   * @param train the training rows, {@code [N, D]} with {@code D} the flow's event size
   * @param validation the validation rows, or {@code null} to hold some out of {@code train} as
   *     {@code config} asks; a data set with no rows means no validation (and no early stopping)
   * @param config the configuration
   * @param listener receives progress after every step
   * @return what the run did
   * @throws NonFiniteTrainingException if a loss or gradient is NaN or infinite
   * @throws io.flows4j.tensor.ShapeMismatchException if the data does not fit the flow, or the
   *     validation data has another number of columns than the training data
   * @throws IllegalArgumentException if the training data has no rows or the flow no parameters
   */
  public static TrainingResult train(
      Flow flow,
      Dataset train,
      Dataset validation,
      TrainingConfig config,
      TrainingListener listener) {
    return train(BatchDensity.of(flow), train, validation, config, listener);
  }

  /**
   * Trains a conditional flow in place on the rows of {@code data}, whose {@code contextColumns}
   * are the raw context and whose other columns (in their order) are the data, holding out
   * validation rows as the configuration asks.
   *
   * @param flow the flow, with {@link ConditionalFlow#contextFeatures()} equal to the number of
   *     context columns
   * @param data data and context columns
   * @param contextColumns names of the context columns, in the order the flow takes them
   * @throws IllegalArgumentException if a context column is unknown
   * @throws io.flows4j.tensor.ShapeMismatchException if the columns do not fit the flow
   * @see #train(Flow, Dataset, Dataset, TrainingConfig, TrainingListener)
   */
  public static TrainingResult train(
      ConditionalFlow flow,
      Dataset data,
      List<String> contextColumns,
      TrainingConfig config,
      TrainingListener listener) {
    Dataset ordered = dataThenContext(data, contextColumns);
    return train(
        BatchDensity.of(flow, data.columns() - contextColumns.size()),
        ordered,
        null,
        config,
        listener);
  }

  /**
   * The columns of {@code data} reordered as its data columns (all but the context ones, in their
   * order) followed by the context columns (in the given order), the layout {@link
   * BatchDensity#of(ConditionalFlow, int)} reads.
   *
   * @throws IllegalArgumentException if a context column is unknown or repeated, or no data column
   *     is left
   */
  public static Dataset dataThenContext(Dataset data, List<String> contextColumns) {
    List<String> names = new ArrayList<>();
    for (String n : data.columnNames()) {
      if (!contextColumns.contains(n)) {
        names.add(n);
      }
    }
    for (String c : contextColumns) {
      Checks.requireArgument(
          data.columnNames().contains(c),
          "Trainer: context column '%s' is not among the columns %s",
          c,
          data.columnNames());
    }
    Checks.requireArgument(
        new java.util.HashSet<>(contextColumns).size() == contextColumns.size(),
        "Trainer: context columns must be distinct, but were %s",
        contextColumns);
    Checks.requireArgument(
        !names.isEmpty(),
        "Trainer: every column is a context column (%s); at least one data column must remain",
        contextColumns);
    names.addAll(contextColumns);
    return data.select(names);
  }

  /**
   * Trains a model in place; the loop behind the other {@code train} methods.
   *
   * @param model the model and how it reads rows
   * @param train the training rows
   * @param validation the validation rows, or {@code null} to hold some out as {@code config} asks
   * @param config the configuration
   * @param listener receives progress after every step
   * @return what the run did
   * @throws NonFiniteTrainingException if a loss or gradient is NaN or infinite
   * @throws io.flows4j.tensor.ShapeMismatchException if the data do not fit the model
   * @throws IllegalArgumentException if the training data has no rows or the model no parameters
   */
  public static TrainingResult train(
      BatchDensity model,
      Dataset train,
      Dataset validation,
      TrainingConfig config,
      TrainingListener listener) {
    Checks.requireArgument(model != null, "Trainer: model must not be null");
    Checks.requireArgument(config != null, "Trainer: config must not be null");
    Checks.requireArgument(train.rows() > 0, "Trainer: the training data must have rows");
    Dataset t = train;
    Dataset v = validation;
    if (v == null) {
      Dataset.Split s = split(train, config);
      t = s.train();
      v = s.validation();
    }
    Checks.requireShape(
        v.columns() == t.columns(),
        "Trainer: validation data must have the training data's %d columns, but has %d",
        t.columns(),
        v.columns());
    return new Run(model, t, v, config, listener == null ? TrainingListener.NONE : listener).run();
  }

  /**
   * The mean negative log-likelihood of the rows of {@code data} under {@code flow}, in nats,
   * computed without recording, in chunks, with the flow in evaluation mode and the sum in double.
   *
   * @throws IllegalArgumentException if {@code data} has no rows
   */
  public static double meanNll(Flow flow, Dataset data) {
    return meanNll(BatchDensity.of(flow), data);
  }

  /**
   * The mean negative log-likelihood of the rows of {@code data} under {@code model} (rows laid out
   * as the model reads them), as {@link #meanNll(Flow, Dataset)}.
   *
   * @throws IllegalArgumentException if {@code data} has no rows
   */
  public static double meanNll(BatchDensity model, Dataset data) {
    Checks.requireArgument(data.rows() > 0, "Trainer.meanNll: the data must have rows");
    model.requireFits(data);
    Tensor buffer = Tensor.zeros(Math.min(EVALUATION_CHUNK_ROWS, data.rows()), data.columns());
    return sumNll(model, data, buffer) / data.rows();
  }

  /** Sum of {@code -log p(x)} over the rows, chunk by chunk through {@code buffer}. */
  static double sumNll(BatchDensity model, Dataset data, Tensor buffer) {
    Module flow = model.module();
    boolean wasTraining = flow.isTraining();
    flow.eval();
    double sum = 0;
    try (Tape tape = Tape.noGrad()) {
      int n = data.rows();
      int chunk = buffer.dim(0);
      for (int from = 0; from < n; from += chunk) {
        int to = Math.min(n, from + chunk);
        Tensor x = data.copyRows(from, to, buffer.rows(0, to - from));
        Tensor lp = model.logProb(tape.input(x)).value();
        for (int i = 0; i < to - from; i++) {
          sum -= lp.getFlat(i);
        }
      }
    } finally {
      if (wasTraining) {
        flow.train();
      }
    }
    return sum;
  }

  /**
   * The steps between evaluations for {@code trainRows} training rows: the configured interval, but
   * at least once per epoch ({@code ceil(N / batch)} steps). A flow fitted to a few hundred rows
   * can go from its best validation NLL to nonsense within a hundred steps (measured: MAF on 160
   * rows of moons, best at step 66, validation NLL 2.87 there and 5.3 at step 100), so small data
   * sets are watched every epoch.
   */
  public static int evaluationInterval(TrainingConfig config, int trainRows) {
    Checks.requirePositive(trainRows, "Trainer.evaluationInterval", "training rows");
    int batch = Math.min(config.batchSize(), trainRows);
    long stepsPerEpoch = ((long) trainRows + batch - 1) / batch;
    return (int) Math.min(config.evaluationInterval(), stepsPerEpoch);
  }

  /**
   * The optimizer a run of {@code config} uses over {@code params}: Adam or AdamW at the configured
   * peak rate and weight decay, with the linear warm-up and the constant or cosine schedule over
   * {@code totalSteps} steps. Exposed so that other training loops (data-parallel training on a
   * cluster) take exactly the same steps.
   *
   * @param params the trained parameters by dotted path (the keys of the optimizer's state)
   * @throws IllegalArgumentException if there are no parameters or {@code totalSteps < 1}
   */
  public static Optimizer optimizer(
      Map<String, Parameter> params, TrainingConfig config, int totalSteps) {
    Checks.requirePositive(totalSteps, "Trainer.optimizer", "total steps");
    AdamConfig ac = AdamConfig.of(config.learningRate()).withWeightDecay(config.weightDecay());
    Optimizer o =
        config.optimizer() == TrainingConfig.OptimizerKind.ADAMW
            ? new AdamW(params, ac)
            : new Adam(params, ac);
    int warmup = config.warmupSteps();
    LearningRateSchedule after =
        switch (config.schedule()) {
          case CONSTANT -> new ConstantSchedule(config.learningRate());
          case COSINE ->
              new CosineSchedule(config.learningRate(), 0, Math.max(1, totalSteps - warmup));
        };
    o.setSchedule(warmup > 0 ? new WarmupSchedule(warmup, after) : after);
    return o;
  }

  /** The state of one training run. */
  private static final class Run {
    private final BatchDensity model;
    private final Module flow;
    private final Dataset train;
    private final Dataset validation;
    private final TrainingConfig config;
    private final TrainingListener listener;
    private final int totalSteps;
    private final int batch;
    private final int interval;
    private final double relativeNoise;
    private final LinkedHashMap<String, Parameter> params;
    private final List<Parameter> paramList;
    private final Map<String, Tensor> live = new LinkedHashMap<>();
    private final Map<String, Tensor> best;
    private final Tensor evalBuffer;
    private final List<TrainingResult.HistoryEntry> history = new ArrayList<>();
    private int bestStep;
    private double bestNll = Double.NaN;
    private double lastNll = Double.NaN;

    Run(
        BatchDensity model,
        Dataset train,
        Dataset validation,
        TrainingConfig config,
        TrainingListener listener) {
      this.model = model;
      this.flow = model.module();
      this.train = train;
      this.validation = validation;
      this.config = config;
      this.listener = listener;
      int d = train.columns();
      model.requireFits(train);
      this.params = flow.namedParameters();
      Checks.requireArgument(!params.isEmpty(), "Trainer: the flow has no trainable parameters");
      this.paramList = List.copyOf(params.values());
      this.totalSteps = config.totalSteps(train.rows());
      this.batch = Math.min(config.batchSize(), train.rows());
      this.interval = evaluationInterval(config, train.rows());
      this.relativeNoise = inputNoise(config, train.rows());
      for (Map.Entry<String, Parameter> e : params.entrySet()) {
        live.put(e.getKey(), e.getValue().value());
      }
      for (Map.Entry<String, Tensor> e : flow.namedBuffers().entrySet()) {
        live.putIfAbsent(e.getKey(), e.getValue());
      }
      boolean validate = validation.rows() > 0;
      this.best = validate && config.restoreBest() ? flow.stateDict() : null;
      this.evalBuffer =
          validate ? Tensor.zeros(Math.min(EVALUATION_CHUNK_ROWS, validation.rows()), d) : null;
    }

    TrainingResult run() {
      long start = System.nanoTime();
      MinibatchSampler sampler =
          config.sampling() == TrainingConfig.Sampling.WITH_REPLACEMENT
              ? MinibatchSampler.withReplacement(train, batch, config.seed())
              : MinibatchSampler.shuffledEpochs(train, batch, config.seed());
      Tensor x = Tensor.zeros(batch, train.columns());
      // Its own stream, so that the noise leaves the minibatch sequence unchanged.
      Rng noise = relativeNoise > 0 ? new Rng(config.seed() ^ NOISE_SEED_MIX) : null;
      float[] noiseStd = noise == null ? null : columnNoise();
      Optimizer optimizer = optimizer();
      long[] stepNanos = new long[totalSteps];
      boolean wasTraining = flow.isTraining();
      flow.train();
      listener.onStart(totalSteps, train.rows(), validation.rows());
      TrainingResult.StopReason reason = TrainingResult.StopReason.COMPLETED;
      int step = 0;
      double intervalSum = 0;
      int intervalCount = 0;
      double smoothed = Double.NaN;
      try {
        while (step < totalSteps) {
          long t0 = System.nanoTime();
          sampler.next(x);
          if (noise != null) {
            addNoise(x, noise, noiseStd);
          }
          optimizer.zeroGrad();
          float loss;
          try (Tape tape = Tape.record()) {
            Var l = Losses.meanNegative(model.logProb(tape.input(x)));
            loss = l.item();
            tape.backward(l);
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
          smoothed =
              Double.isNaN(smoothed)
                  ? loss
                  : LOSS_SMOOTHING * smoothed + (1 - LOSS_SMOOTHING) * loss;
          boolean evaluated = false;
          if (step % interval == 0 || step == totalSteps) {
            double nll = Double.NaN;
            if (validation.rows() > 0) {
              nll = sumNll(model, validation, evalBuffer) / validation.rows();
              evaluated = true;
              lastNll = nll;
              if (nll < bestNll || (Double.isNaN(bestNll) && !Double.isNaN(nll))) {
                bestNll = nll;
                bestStep = step;
                if (best != null) {
                  for (Map.Entry<String, Tensor> e : best.entrySet()) {
                    e.getValue().copyFrom(live.get(e.getKey()));
                  }
                }
              }
            }
            history.add(
                new TrainingResult.HistoryEntry(step, intervalSum / intervalCount, nll, lr));
            intervalSum = 0;
            intervalCount = 0;
          }
          if (listener != TrainingListener.NONE) {
            double elapsed = (System.nanoTime() - start) / 1e9;
            double rate = step / Math.max(elapsed, 1e-9);
            listener.onStep(
                new TrainingListener.Progress(
                    step,
                    totalSteps,
                    loss,
                    smoothed,
                    lastNll,
                    bestNll,
                    evaluated,
                    lr,
                    norm,
                    rate,
                    (totalSteps - step) / rate));
          }
          if (config.patienceSteps() > 0
              && bestStep > 0
              && step - bestStep >= config.patienceSteps()) {
            reason = TrainingResult.StopReason.EARLY_STOPPED;
            break;
          }
          if (Thread.currentThread().isInterrupted()) {
            reason = TrainingResult.StopReason.INTERRUPTED;
            break;
          }
        }
        if (intervalCount > 0) {
          // The steps since the last evaluation of a run that stopped between two.
          history.add(
              new TrainingResult.HistoryEntry(
                  step, intervalSum / intervalCount, Double.NaN, optimizer.learningRate()));
        }
      } finally {
        if (!wasTraining) {
          flow.eval();
        }
      }
      boolean restored = restoreBest(step);
      TrainingResult result = result(step, reason, restored, start, stepNanos);
      listener.onFinish(result);
      return result;
    }

    /** The noise of each column: the relative noise times the column's spread. */
    private float[] columnNoise() {
      double[] std = Standardizer.fit(train).std();
      float[] out = new float[std.length];
      // Context columns (after the data columns of a conditional model) get no noise.
      int data = model.dataColumns() < 0 ? std.length : model.dataColumns();
      for (int j = 0; j < data; j++) {
        out[j] = (float) (relativeNoise * std[j]);
      }
      return out;
    }

    private Optimizer optimizer() {
      return Trainer.optimizer(params, config, totalSteps);
    }

    /** Restores the best parameters when asked and they differ from the current ones. */
    private boolean restoreBest(int lastStep) {
      if (best == null || bestStep == 0 || bestStep == lastStep) {
        return false;
      }
      flow.loadStateDict(best);
      return true;
    }

    private TrainingResult result(
        int steps,
        TrainingResult.StopReason reason,
        boolean restored,
        long start,
        long[] stepNanos) {
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
          totalSteps,
          batch,
          train.rows(),
          validation.rows(),
          bestStep,
          bestNll,
          last,
          seconds,
          median,
          reason,
          restored,
          relativeNoise,
          history);
    }

    /**
     * Builds the exception for a non-finite step, after putting the flow in its last good state.
     */
    private NonFiniteTrainingException nonFinite(
        int step, float loss, long start, long[] stepNanos, int stepsDone) {
      String cause = NonFiniteTrainingException.describeStep(loss, params);
      boolean restored = restoreBest(stepsDone);
      String state;
      if (restored || (best != null && bestStep > 0)) {
        state =
            String.format(
                Locale.ROOT,
                "the parameters of the best evaluation (step %d, validation NLL %.6g) were kept",
                bestStep,
                bestNll);
      } else if (stepsDone == 0) {
        state = "the parameters were left as they were before training";
      } else {
        state = "the parameters of step " + stepsDone + " were kept";
      }
      String message =
          String.format(
              Locale.ROOT,
              "Trainer: step %d of %d: %s; %s (try a lower learning rate, gradient clipping"
                  + " or standardized data)",
              step,
              totalSteps,
              cause,
              state);
      TrainingResult partial =
          result(stepsDone, TrainingResult.StopReason.NON_FINITE, restored, start, stepNanos);
      return new NonFiniteTrainingException(message, step, partial);
    }
  }
}
