package io.flows4j.spark;

import io.flows4j.autodiff.Parameter;
import io.flows4j.io.Json;
import io.flows4j.model.FittedModel;
import io.flows4j.nn.Module;
import io.flows4j.optim.GradientClipping;
import io.flows4j.optim.Optimizer;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.NonFiniteTrainingException;
import io.flows4j.training.Trainer;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingListener;
import io.flows4j.training.TrainingResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;

/**
 * The driver's training loop of {@link FlowEstimator}: the core {@link Trainer}'s loop (same
 * optimizer and schedule, clipping, evaluation interval, early stopping, best parameters, progress
 * and result), with the gradient of each step computed by the cluster.
 *
 * <p><b>Synchronous steps</b> ({@code localSteps = 1}): each step broadcasts the state vector
 * (parameters and buffers, {@link ParameterLayout}); every partition returns the sum over its share
 * of the minibatch of the per-row NLL gradients, the NLL sum and its row count ({@link
 * PartitionWork#gradient}); {@code treeAggregate} adds them up; the driver divides by the rows,
 * clips and takes the optimizer step. The combined gradient is that of the mean NLL of the whole
 * minibatch, as on one machine.
 *
 * <p><b>Local steps</b> ({@code localSteps = K > 1}): each job broadcasts the parameters and the
 * optimizer's moments; every partition takes {@code K} full optimizer steps on its own shares
 * ({@link PartitionWork#localSteps}); the driver sets the parameters and the moments to their
 * averages weighted by the partitions' training rows (local SGD / periodic model averaging, Stich,
 * "Local SGD converges fast and communicates little", ICLR 2019) and counts {@code K} steps: one
 * job per {@code K} steps instead of one per step.
 */
final class DistributedTrainer {
  /** Depth of the aggregation tree (Spark's default). */
  static final int TREE_DEPTH = 2;

  /** Weight of the past in the smoothed loss, as the core trainer's (about 50 steps). */
  static final double LOSS_SMOOTHING = 0.98;

  private final JavaSparkContext spark;
  private final TrainingData data;
  private final FittedModel driver;
  private final Broadcast<ModelBytes> modelBytes;
  private final TrainingConfig config;
  private final int localSteps;
  private final Path checkpoint;
  private final int checkpointInterval;
  private final Json.Obj settings;
  private final Json.Obj dataFigures;
  private final TrainingListener listener;

  /** What a run did. */
  record Outcome(TrainingResult result, FlowEstimator.Timings timings, int resumedFrom) {}

  DistributedTrainer(
      JavaSparkContext spark,
      TrainingData data,
      FittedModel driver,
      Broadcast<ModelBytes> modelBytes,
      TrainingConfig config,
      int localSteps,
      Path checkpoint,
      int checkpointInterval,
      Json.Obj settings,
      Json.Obj dataFigures,
      TrainingListener listener) {
    this.spark = spark;
    this.data = data;
    this.driver = driver;
    this.modelBytes = modelBytes;
    this.config = config;
    this.localSteps = localSteps;
    this.checkpoint = checkpoint;
    this.checkpointInterval = checkpointInterval;
    this.settings = settings;
    this.dataFigures = dataFigures;
    this.listener = listener == null ? TrainingListener.NONE : listener;
  }

  /**
   * Each partition's rows of a minibatch of {@code batch} rows: {@code batch n_p / N} rounded by
   * largest remainders (ties to the lower partition), so that the shares add up to {@code batch}.
   */
  static int[] shares(int batch, int[] rows) {
    long n = 0;
    for (int r : rows) {
      n += r;
    }
    int[] out = new int[rows.length];
    long[] rest = new long[rows.length];
    int given = 0;
    for (int p = 0; p < rows.length; p++) {
      long q = (long) batch * rows[p];
      out[p] = (int) (q / n);
      rest[p] = q % n;
      given += out[p];
    }
    for (int k = given; k < batch; k++) {
      int pick = -1;
      for (int p = 0; p < rows.length; p++) {
        if (rows[p] > 0 && (pick < 0 || rest[p] > rest[pick])) {
          pick = p;
        }
      }
      out[pick]++;
      rest[pick] = -1;
    }
    return out;
  }

  /** The plan of a run over {@code data} with this model and configuration. */
  static StepPlan plan(
      TrainingData data,
      FittedModel driver,
      Broadcast<ModelBytes> modelBytes,
      TrainingConfig config) {
    int n = data.trainRowsInt();
    int batch = Math.min(config.batchSize(), n);
    double relative =
        config.inputNoise() == TrainingConfig.INPUT_NOISE_AUTO
            ? Trainer.autoInputNoise(n)
            : config.inputNoise();
    float[] noise = null;
    if (relative > 0) {
      noise = new float[data.width];
      double[] std = data.standardizer.std();
      for (int j = 0; j < data.dimension; j++) {
        noise[j] = (float) (relative * std[j]);
      }
    }
    return new StepPlan(
        modelBytes,
        ParameterLayout.of(driver.module()),
        data.dimension,
        driver.isConditional(),
        config.seed(),
        config.sampling() == TrainingConfig.Sampling.WITH_REPLACEMENT,
        shares(batch, data.trainRows),
        noise,
        config,
        config.totalSteps(n));
  }

  /** The relative input noise of a run on {@code trainRows} rows (as the core trainer's). */
  static double relativeNoise(TrainingConfig config, int trainRows) {
    return config.inputNoise() == TrainingConfig.INPUT_NOISE_AUTO
        ? Trainer.autoInputNoise(trainRows)
        : config.inputNoise();
  }

  /**
   * The gradient sum of step {@code step} over every partition of {@code blocks} at {@code state}:
   * one job, the state broadcast and the partitions' sums combined by {@code treeAggregate}. With a
   * plan without shares, every training row of every partition is used.
   */
  static StepSum gradient(
      JavaSparkContext spark,
      JavaRDD<TrainingBlock> blocks,
      StepPlan plan,
      float[] state,
      int step) {
    Broadcast<float[]> b = spark.broadcast(state);
    try {
      return blocks
          .mapPartitions(gradientTask(plan, b, step))
          .treeAggregate(new StepSum(), StepSum::merge, StepSum::merge, TREE_DEPTH);
    } finally {
      b.destroy();
    }
  }

  private static FlatMapFunction<Iterator<TrainingBlock>, StepSum> gradientTask(
      StepPlan plan, Broadcast<float[]> state, int step) {
    return it -> {
      StepSum s = new StepSum();
      while (it.hasNext()) {
        s.add(PartitionWork.gradient(plan, it.next(), state.value(), step));
      }
      return List.of(s).iterator();
    };
  }

  /** The validation NLL sum over every partition at {@code state} (one job). */
  static StepSum validation(
      JavaSparkContext spark, JavaRDD<TrainingBlock> blocks, StepPlan plan, float[] state) {
    Broadcast<float[]> b = spark.broadcast(state);
    try {
      return blocks
          .mapPartitions(validationTask(plan, b))
          .treeAggregate(new StepSum(), StepSum::merge, StepSum::merge, TREE_DEPTH);
    } finally {
      b.destroy();
    }
  }

  private static FlatMapFunction<Iterator<TrainingBlock>, StepSum> validationTask(
      StepPlan plan, Broadcast<float[]> state) {
    return it -> {
      StepSum s = new StepSum();
      while (it.hasNext()) {
        s.add(PartitionWork.validation(plan, it.next(), state.value()));
      }
      return List.of(s).iterator();
    };
  }

  /** {@code k} local steps from step {@code first} on every partition, summed (one job). */
  static StepSum local(
      JavaSparkContext spark,
      JavaRDD<TrainingBlock> blocks,
      StepPlan plan,
      float[] state,
      float[] moments,
      int first,
      int k) {
    Broadcast<float[][]> b = spark.broadcast(new float[][] {state, moments});
    try {
      return blocks
          .mapPartitions(localTask(plan, b, first, k))
          .treeAggregate(new StepSum(), StepSum::merge, StepSum::merge, TREE_DEPTH);
    } finally {
      b.destroy();
    }
  }

  private static FlatMapFunction<Iterator<TrainingBlock>, StepSum> localTask(
      StepPlan plan, Broadcast<float[][]> state, int first, int k) {
    return it -> {
      StepSum s = new StepSum();
      while (it.hasNext()) {
        float[][] v = state.value();
        s.add(PartitionWork.localSteps(plan, it.next(), v[0], v[1], first, k));
      }
      return List.of(s).iterator();
    };
  }

  /**
   * The wall time of training jobs that do no model work, for the overhead of a step: each of
   * {@code repeats} jobs broadcasts {@code floats} floats and aggregates one vector of {@code
   * floats} sums per partition over {@code partitions} partitions, as a synchronous step does.
   *
   * @return the median time of one job, in seconds
   */
  static double jobOverhead(JavaSparkContext spark, int partitions, int floats, int repeats) {
    List<Integer> ids = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      ids.add(p);
    }
    JavaRDD<Integer> rdd = spark.parallelize(ids, partitions).cache();
    rdd.count();
    long[] nanos = new long[repeats];
    try {
      for (int r = 0; r < repeats; r++) {
        long t0 = System.nanoTime();
        Broadcast<float[]> b = spark.broadcast(new float[floats]);
        rdd.mapPartitions(emptyTask(b))
            .treeAggregate(new StepSum(), StepSum::merge, StepSum::merge, TREE_DEPTH);
        b.destroy();
        nanos[r] = System.nanoTime() - t0;
      }
    } finally {
      rdd.unpersist(false);
    }
    Arrays.sort(nanos);
    return nanos[repeats / 2] / 1e9;
  }

  private static FlatMapFunction<Iterator<Integer>, StepSum> emptyTask(Broadcast<float[]> state) {
    return it -> {
      StepSum s = new StepSum();
      s.partialVector(state.value().length);
      s.weight = 1;
      return List.of(s).iterator();
    };
  }

  /**
   * Trains the driver's model in place, from a checkpoint when {@code resume} is not null.
   *
   * @throws NonFiniteTrainingException if a loss or gradient is not finite; the message names the
   *     step
   */
  Outcome run(TrainingCheckpoint resume) {
    return new Run(resume).run();
  }

  /** The state of one run. */
  private final class Run {
    private final long start = System.nanoTime();
    private final Module module = driver.module();
    private final ParameterLayout.Bound bound;
    private final LinkedHashMap<String, Parameter> named = module.namedParameters();
    private final StepPlan plan;
    private final int total;
    private final int batch;
    private final int interval;
    private final Optimizer optimizer;
    private final boolean validate;
    private final long[] stepNanos;
    private final List<TrainingResult.HistoryEntry> history = new ArrayList<>();
    private final int resumedFrom;
    private float[] best;
    private int step;
    private int bestStep;
    private double bestNll = Double.NaN;
    private double lastNll = Double.NaN;
    private double smoothed = Double.NaN;
    private double intervalSum;
    private int intervalCount;
    private double priorSeconds;
    private long jobs;
    private long jobNanos;
    private long computeNanos;
    private long driverNanos;
    private long evaluationNanos;
    private long checkpointNanos;

    Run(TrainingCheckpoint resume) {
      this.plan = DistributedTrainer.plan(data, driver, modelBytes, config);
      this.bound = plan.layout.bind(module);
      int n = data.trainRowsInt();
      this.total = plan.totalSteps;
      this.batch = Math.min(config.batchSize(), n);
      this.interval = Trainer.evaluationInterval(config, n);
      this.optimizer = Trainer.optimizer(named, config, total);
      this.validate = data.validationTotal > 0;
      this.best = validate && config.restoreBest() ? bound.state() : null;
      this.stepNanos = new long[total];
      if (resume != null) {
        module.loadStateDict(resume.model());
        optimizer.loadState(resume.optimizer());
        Json.Obj p = resume.progress();
        step = p.getInt("step");
        bestStep = p.getInt("best_step");
        bestNll = number(p.get("best_nll"));
        lastNll = number(p.get("last_nll"));
        smoothed = number(p.get("smoothed"));
        intervalSum = p.getDouble("interval_sum");
        intervalCount = p.getInt("interval_count");
        priorSeconds = p.getDouble("seconds");
        Json.Arr h = p.getArray("history");
        for (int i = 0; i < h.size(); i++) {
          Json.Arr e = (Json.Arr) h.get(i);
          history.add(
              new TrainingResult.HistoryEntry(
                  ((Json.Num) e.get(0)).intValue(),
                  number(e.get(1)),
                  number(e.get(2)),
                  number(e.get(3))));
        }
        if (best != null && !resume.best().isEmpty()) {
          best = bound.stateVector(resume.best());
        }
        resumedFrom = step;
      } else {
        resumedFrom = 0;
      }
    }

    Outcome run() {
      boolean wasTraining = module.isTraining();
      module.train();
      listener.onStart(total, data.trainRowsInt(), (int) data.validationTotal);
      TrainingResult.StopReason reason = TrainingResult.StopReason.COMPLETED;
      int lastCheckpoint = step;
      try {
        while (step < total) {
          long t0 = System.nanoTime();
          int before = step;
          int k = Math.min(localSteps, total - step);
          double lr = optimizer.learningRate();
          double loss;
          double norm;
          if (localSteps == 1) {
            long j0 = System.nanoTime();
            StepSum s = gradient(spark, data.blocks, plan, bound.state(), step);
            countJob(j0, s);
            long d0 = System.nanoTime();
            loss = s.nll / s.nllRows;
            bound.setGradients(s.total(), 1.0 / s.weight);
            norm =
                config.maxGradNorm() > 0
                    ? GradientClipping.clipGradNorm(bound.parameters(), config.maxGradNorm())
                    : GradientClipping.totalNorm(bound.parameters());
            if (!Double.isFinite(loss) || !Double.isFinite(norm)) {
              throw nonFinite(
                  step + 1, NonFiniteTrainingException.describeStep((float) loss, named));
            }
            if (s.buffers != null) {
              bound.loadBuffers(s.buffers);
            }
            optimizer.step();
            driverNanos += System.nanoTime() - d0;
          } else {
            long j0 = System.nanoTime();
            StepSum s =
                local(
                    spark,
                    data.blocks,
                    plan,
                    bound.state(),
                    ParameterLayout.moments(optimizer),
                    step,
                    k);
            countJob(j0, s);
            if (s.failedStep > 0) {
              throw nonFinite(s.failedStep, s.failure);
            }
            long d0 = System.nanoTime();
            loss = s.nll / s.nllRows;
            norm = Double.NaN;
            int p = plan.layout.parameterFloats();
            double[] total = s.total();
            bound.setParameters(total, 1.0 / s.weight);
            float[] moments = new float[total.length - p];
            for (int i = 0; i < moments.length; i++) {
              moments[i] = (float) (total[p + i] / s.weight);
            }
            ParameterLayout.loadMoments(optimizer, step + k, moments);
            if (s.buffers != null) {
              bound.loadBuffers(s.buffers);
            }
            driverNanos += System.nanoTime() - d0;
          }
          step += k;
          long stepTime = (System.nanoTime() - t0) / k;
          Arrays.fill(stepNanos, before, step, stepTime);
          intervalSum += loss * k;
          intervalCount += k;
          smoothed =
              Double.isNaN(smoothed)
                  ? loss
                  : Math.pow(LOSS_SMOOTHING, k) * smoothed
                      + (1 - Math.pow(LOSS_SMOOTHING, k)) * loss;
          boolean evaluated = false;
          if (step / interval > before / interval || step == total) {
            double nll = Double.NaN;
            if (validate) {
              nll = evaluate();
              evaluated = true;
              lastNll = nll;
              if (nll < bestNll || (Double.isNaN(bestNll) && !Double.isNaN(nll))) {
                bestNll = nll;
                bestStep = step;
                if (best != null) {
                  best = bound.state();
                }
              }
            }
            history.add(
                new TrainingResult.HistoryEntry(step, intervalSum / intervalCount, nll, lr));
            intervalSum = 0;
            intervalCount = 0;
          }
          if (checkpoint != null && step / checkpointInterval > before / checkpointInterval) {
            writeCheckpoint();
            lastCheckpoint = step;
          }
          if (listener != TrainingListener.NONE) {
            double elapsed = seconds();
            double rate = (step - resumedFrom) / Math.max(elapsed - priorSeconds, 1e-9);
            listener.onStep(
                new TrainingListener.Progress(
                    step,
                    total,
                    loss,
                    smoothed,
                    lastNll,
                    bestNll,
                    evaluated,
                    lr,
                    norm,
                    rate,
                    (total - step) / rate));
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
          history.add(
              new TrainingResult.HistoryEntry(
                  step, intervalSum / intervalCount, Double.NaN, optimizer.learningRate()));
          intervalSum = 0;
          intervalCount = 0;
        }
        if (checkpoint != null && lastCheckpoint != step) {
          writeCheckpoint();
        }
      } finally {
        if (!wasTraining) {
          module.eval();
        }
      }
      boolean restored = restoreBest();
      TrainingResult result = result(reason, restored);
      listener.onFinish(result);
      return new Outcome(
          result,
          new FlowEstimator.Timings(
              jobs,
              jobNanos / 1e9,
              computeNanos / 1e9,
              driverNanos / 1e9,
              evaluationNanos / 1e9,
              checkpointNanos / 1e9),
          resumedFrom);
    }

    private void countJob(long j0, StepSum s) {
      jobs++;
      jobNanos += System.nanoTime() - j0;
      computeNanos += s.maxComputeNanos;
    }

    private double evaluate() {
      long e0 = System.nanoTime();
      StepSum s = validation(spark, data.blocks, plan, bound.state());
      jobs++;
      evaluationNanos += System.nanoTime() - e0;
      return s.nll / s.nllRows;
    }

    private double seconds() {
      return priorSeconds + (System.nanoTime() - start) / 1e9;
    }

    private boolean restoreBest() {
      if (best == null || bestStep == 0 || bestStep == step) {
        return false;
      }
      bound.load(best);
      return true;
    }

    private void writeCheckpoint() {
      long c0 = System.nanoTime();
      Map<String, Json> p = new LinkedHashMap<>();
      p.put("step", Json.of(step));
      p.put("best_step", Json.of(bestStep));
      p.put("best_nll", json(bestNll));
      p.put("last_nll", json(lastNll));
      p.put("smoothed", json(smoothed));
      p.put("interval_sum", json(intervalSum));
      p.put("interval_count", Json.of(intervalCount));
      p.put("seconds", Json.of(seconds()));
      List<Json> h = new ArrayList<>();
      for (TrainingResult.HistoryEntry e : history) {
        h.add(
            Json.array(
                List.of(
                    Json.of(e.step()),
                    json(e.trainLoss()),
                    json(e.validationNll()),
                    json(e.learningRate()))));
      }
      p.put("history", Json.array(h));
      Map<String, Tensor> bestDict = best == null ? Map.of() : bound.stateDict(best);
      new TrainingCheckpoint(
              settings,
              dataFigures,
              Json.object(p),
              module.stateDict(),
              optimizer.state(),
              bestDict)
          .write(checkpoint);
      checkpointNanos += System.nanoTime() - c0;
    }

    private TrainingResult result(TrainingResult.StopReason reason, boolean restored) {
      int done = step - resumedFrom;
      double median = Double.NaN;
      if (done > 0) {
        long[] sorted = Arrays.copyOfRange(stepNanos, resumedFrom, step);
        Arrays.sort(sorted);
        median =
            (done % 2 == 1 ? sorted[done / 2] : (sorted[done / 2 - 1] + sorted[done / 2]) / 2.0)
                / 1e9;
      }
      double last = history.isEmpty() ? Double.NaN : history.get(history.size() - 1).trainLoss();
      return new TrainingResult(
          step,
          total,
          batch,
          data.trainRowsInt(),
          (int) data.validationTotal,
          bestStep,
          bestNll,
          last,
          seconds(),
          median,
          reason,
          restored,
          relativeNoise(config, data.trainRowsInt()),
          history);
    }

    /** The exception of a non-finite step, after putting the model in its last good state. */
    private NonFiniteTrainingException nonFinite(int failed, String cause) {
      boolean restored = restoreBest();
      String state;
      if (restored || (best != null && bestStep > 0)) {
        state =
            String.format(
                Locale.ROOT,
                "the parameters of the best evaluation (step %d, validation NLL %.6g) were kept",
                bestStep,
                bestNll);
      } else if (step == 0) {
        state = "the parameters were left as they were before training";
      } else {
        state = "the parameters of step " + step + " were kept";
      }
      String message =
          String.format(
              Locale.ROOT,
              "FlowEstimator: step %d of %d: %s; %s (try a lower learning rate, gradient clipping"
                  + " or standardized data)",
              failed,
              total,
              cause,
              state);
      return new NonFiniteTrainingException(
          message, failed, result(TrainingResult.StopReason.NON_FINITE, restored));
    }
  }

  private static Json json(double v) {
    return Double.isFinite(v) ? Json.of(v) : Json.Null.INSTANCE;
  }

  private static double number(Json v) {
    return v instanceof Json.Num n ? n.doubleValue() : Double.NaN;
  }
}
