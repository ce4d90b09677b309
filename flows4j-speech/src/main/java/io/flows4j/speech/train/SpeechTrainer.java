package io.flows4j.speech.train;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.optim.Adam;
import io.flows4j.optim.AdamConfig;
import io.flows4j.optim.ConstantSchedule;
import io.flows4j.optim.GradientClipping;
import io.flows4j.optim.LearningRateSchedule;
import io.flows4j.optim.WarmupSchedule;
import io.flows4j.speech.corpus.LengthBuckets;
import io.flows4j.speech.corpus.Split;
import io.flows4j.speech.corpus.Utterance;
import io.flows4j.speech.model.GlowTts;
import io.flows4j.speech.model.SpeechBatch;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.NonFiniteTrainingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains a {@link GlowTts} model on the speech kit's corpus by maximum likelihood (the model's
 * {@link GlowTts#loss}: NLL per mel dimension plus the duration loss), with the kit's recipe (see
 * {@link SpeechTrainingConfig}).
 *
 * <p><b>Data.</b> {@link #split} keeps only the training split: every utterance whose id is not a
 * test id ({@code kjv00001-kjv00100} are never trained on, whatever the corpus holds), and holds
 * out the {@link SpeechTrainingConfig#validationUtterances()} with the highest ids for the
 * validation loss. Batches are {@link LengthBuckets} of the training utterances; epoch {@code e}
 * visits them in an order drawn from a generator seeded by {@code (seed, e)}, so the batch of a
 * step is a function of the step number alone.
 *
 * <p><b>A step</b>: restart the model's dropout streams from {@code (seed, step)} ({@link
 * GlowTts#reseedDropout}), loss and backward pass on a recording tape, gradient values clipped to
 * {@code [-clip, clip]}, Adam with the learning rate {@code lr * min(1, (t + 1) / warmup)}. Since
 * nothing else carries over between steps, a run resumed from a {@link Checkpoint} (weights, Adam
 * state, step) gives the weights of the uninterrupted run bit for bit (same thread count).
 *
 * <p><b>Checkpoints</b> every {@link SpeechTrainingConfig#checkpointInterval()} steps and at the
 * end: {@code MODEL.ckpt} (see {@link Checkpoint#pathFor}) and then the model file itself, both
 * written atomically. A NaN or infinite loss or gradient stops the run with a {@link
 * NonFiniteTrainingException} naming the step; nothing is written then, so the last good checkpoint
 * stays.
 */
public final class SpeechTrainer {
  /** Mixed into the seed of an epoch's batch order. */
  static final long ORDER_SEED_MIX = 0x632BE59BD9B4E019L;

  /** Mixed into the seed of a step's dropout masks. */
  static final long DROPOUT_SEED_MIX = 0x85157AF5B6F1A2C3L;

  /** Weight of the past in the smoothed loss of the progress (about the last 20 steps). */
  static final double SMOOTHING = 0.95;

  private final GlowTts model;
  private final SpeechTrainingConfig config;
  private final Adam adam;
  private final LinkedHashMap<String, Parameter> params;
  private final List<Parameter> paramList;

  /**
   * The training and validation utterances of a corpus.
   *
   * @param train utterances trained on
   * @param validation utterances held out for the validation loss
   */
  public record Data(List<Utterance> train, List<Utterance> validation) {
    /** Copies the lists. */
    public Data {
      train = List.copyOf(train);
      validation = List.copyOf(validation);
    }
  }

  /** Why a run ended. */
  public enum StopReason {
    /** The step count asked for was reached. */
    STEPS,
    /** The time budget ran out. */
    TIME,
    /** The thread was interrupted. */
    INTERRUPTED
  }

  /**
   * The mean loss terms over a set of utterances.
   *
   * @param nll negative log-likelihood per mel dimension (nats), averaged over all frames
   * @param duration squared error of the log-durations, averaged over all tokens
   * @param frames frames scored
   */
  public record Evaluation(double nll, double duration, long frames) {}

  /**
   * The state of a run after a step.
   *
   * @param step steps done, counting the ones before a resume
   * @param targetSteps the step the run stops at, or 0 when only a time budget limits it
   * @param epoch the epoch of this step (from 0)
   * @param loss this step's total loss
   * @param nll this step's NLL per dimension
   * @param duration this step's duration loss
   * @param smoothedLoss an exponential average of the total loss
   * @param learningRate the rate this step used
   * @param maxGradient the largest absolute gradient element before clipping
   * @param stepsPerSecond steps per second of wall time in this run (validation included)
   * @param etaSeconds seconds to the end of the run (steps or time budget), NaN if unknown
   * @param validation the latest validation, or null before the first
   */
  public record Progress(
      long step,
      long targetSteps,
      long epoch,
      double loss,
      double nll,
      double duration,
      double smoothedLoss,
      double learningRate,
      double maxGradient,
      double stepsPerSecond,
      double etaSeconds,
      Evaluation validation) {}

  /**
   * Receives the progress of a run, on the training thread. Every method does nothing by default.
   */
  public interface Listener {
    /** A listener that ignores everything. */
    Listener NONE = new Listener() {};

    /** Before the first step of this run. */
    default void onStart(long startStep, int trainUtterances, int validationUtterances) {}

    /** After every step. */
    default void onStep(Progress progress) {}

    /** After a validation. */
    default void onValidation(long step, Evaluation evaluation) {}

    /** After a checkpoint and the model file were written. */
    default void onCheckpoint(long step, Path checkpoint) {}
  }

  /**
   * What a run did.
   *
   * @param step steps done in total (including those before a resume)
   * @param stepsThisRun steps done by this run
   * @param seconds wall time of this run
   * @param validation the last validation, or null if there were no validation utterances
   * @param reason why the run ended
   */
  public record Result(
      long step, long stepsThisRun, double seconds, Evaluation validation, StopReason reason) {}

  /**
   * When a run stops: at {@code targetSteps} steps in total (0: no limit) or when {@code time} has
   * passed (null: no limit), whichever comes first; at least one must be given.
   */
  public record Budget(long targetSteps, Duration time) {
    /**
     * Validates the budget.
     *
     * @throws IllegalArgumentException if both are absent, or a value is not positive
     */
    public Budget {
      Checks.requireArgument(
          targetSteps >= 0, "Budget: steps must be >= 1, but was %d", targetSteps);
      Checks.requireArgument(
          time == null || (!time.isNegative() && !time.isZero()),
          "Budget: time must be positive, but was %s",
          time);
      Checks.requireArgument(
          targetSteps > 0 || time != null, "Budget: give a number of steps or a time budget");
    }
  }

  private SpeechTrainer(GlowTts model, SpeechTrainingConfig config, Map<String, Tensor> state) {
    this.model = model;
    this.config = config;
    this.params = model.namedParameters();
    this.paramList = List.copyOf(params.values());
    this.adam =
        new Adam(
            params,
            new AdamConfig(config.learningRate(), config.beta1(), config.beta2(), config.eps(), 0));
    LearningRateSchedule constant = new ConstantSchedule(config.learningRate());
    adam.setSchedule(
        config.warmupSteps() > 0 ? new WarmupSchedule(config.warmupSteps(), constant) : constant);
    if (state != null) {
      adam.loadState(state);
    }
  }

  /** A trainer for a fresh model. */
  public static SpeechTrainer start(GlowTts model, SpeechTrainingConfig config) {
    Checks.requireArgument(model != null && config != null, "SpeechTrainer: null argument");
    return new SpeechTrainer(model, config, null);
  }

  /**
   * A trainer that continues from a checkpoint, with its model, settings and optimizer state.
   *
   * @throws IllegalArgumentException if the optimizer state does not fit the model
   */
  public static SpeechTrainer resume(Checkpoint checkpoint) {
    return new SpeechTrainer(checkpoint.model(), checkpoint.config(), checkpoint.optimizer());
  }

  /** The model being trained. */
  public GlowTts model() {
    return model;
  }

  /** The settings. */
  public SpeechTrainingConfig config() {
    return config;
  }

  /** Steps taken so far (including those before a resume). */
  public long step() {
    return adam.stepCount();
  }

  /** The current state as a checkpoint (the tensors are copies). */
  public Checkpoint checkpoint() {
    return new Checkpoint(model, config, adam.stepCount(), adam.state());
  }

  /**
   * The training split of a corpus: every utterance whose id is not a test id, minus the {@code
   * validation} ones with the highest ids, which are returned as the validation set.
   *
   * @throws IllegalArgumentException if no utterance would be left to train on
   */
  public static Data split(List<Utterance> corpus, int validation) {
    List<Utterance> train = new ArrayList<>();
    for (Utterance u : corpus) {
      if (!Split.isTest(u.id())) {
        train.add(u);
      }
    }
    Checks.requireArgument(
        train.size() > validation,
        "speech train: the corpus has %d training utterances (ids outside kjv00001-kjv00100); at"
            + " least %d are needed to hold out %d for validation",
        train.size(),
        validation + 1,
        validation);
    train.sort(Comparator.comparingInt(u -> Split.number(u.id())));
    List<Utterance> val = new ArrayList<>(train.subList(train.size() - validation, train.size()));
    return new Data(train.subList(0, train.size() - validation), val);
  }

  /**
   * Trains until the budget is spent, writing checkpoints and the model file.
   *
   * @param data the utterances (see {@link #split}); test ids are refused
   * @param modelFile the model file; the checkpoint goes to {@link Checkpoint#pathFor}
   * @param budget when to stop
   * @param listener progress
   * @return what the run did
   * @throws NonFiniteTrainingException if a loss or gradient is not finite (the message names the
   *     step and the checkpoint kept)
   * @throws IllegalArgumentException if a training or validation utterance has a test id
   * @throws UncheckedIOException if a checkpoint or the model cannot be written
   */
  public Result train(Data data, Path modelFile, Budget budget, Listener listener) {
    for (Utterance u : data.train()) {
      Checks.requireArgument(
          !Split.isTest(u.id()),
          "speech train: %s is a test utterance; it must not be trained on",
          u.id());
    }
    Listener out = listener == null ? Listener.NONE : listener;
    List<Utterance> train = data.train();
    int[] lengths = new int[train.size()];
    for (int i = 0; i < lengths.length; i++) {
      lengths[i] = train.get(i).frames();
    }
    LengthBuckets buckets = new LengthBuckets(lengths, config.batchSize());
    int perEpoch = buckets.batchesPerEpoch();
    Path checkpointFile = Checkpoint.pathFor(modelFile);
    long start = System.nanoTime();
    long budgetNanos = budget.time() == null ? Long.MAX_VALUE : budget.time().toNanos();
    long startStep = adam.stepCount();
    long lastCheckpoint = startStep;
    Evaluation validation = null;
    long validatedAt = -1;
    double smoothed = Double.NaN;
    long cachedEpoch = -1;
    List<int[]> order = null;
    StopReason reason = StopReason.STEPS;
    boolean wasTraining = model.isTraining();
    model.train();
    out.onStart(startStep, train.size(), data.validation().size());
    try {
      while (budget.targetSteps() == 0 || adam.stepCount() < budget.targetSteps()) {
        long step = adam.stepCount();
        long epoch = step / perEpoch;
        if (epoch != cachedEpoch) {
          order =
              buckets.epoch(
                  new Rng(config.seed() ^ ORDER_SEED_MIX ^ (epoch * 0x9E3779B97F4A7C15L)));
          cachedEpoch = epoch;
        }
        SpeechBatch batch = batchOf(train, order.get((int) (step % perEpoch)));
        model.reseedDropout(config.seed() ^ DROPOUT_SEED_MIX ^ (step * 0xBF58476D1CE4E5B9L));
        adam.zeroGrad();
        double loss;
        double nll;
        double dur;
        try (Tape tape = Tape.record()) {
          GlowTts.Loss l = model.loss(batch);
          loss = l.total().item();
          nll = l.nll().item();
          dur = l.duration().item();
          tape.backward(l.total());
        }
        double maxGrad = GradientClipping.clipGradValue(paramList, config.clipValue());
        if (!Double.isFinite(loss) || !Double.isFinite(maxGrad)) {
          throw nonFinite(step + 1, (float) loss, checkpointFile, lastCheckpoint);
        }
        double lr = adam.learningRate();
        adam.step();
        long done = adam.stepCount();
        smoothed = Double.isNaN(smoothed) ? loss : SMOOTHING * smoothed + (1 - SMOOTHING) * loss;
        if (!data.validation().isEmpty() && done % config.evaluationInterval() == 0) {
          validation = evaluate(model, data.validation(), config.batchSize());
          validatedAt = done;
          out.onValidation(done, validation);
        }
        long elapsed = System.nanoTime() - start;
        double rate = (done - startStep) / Math.max(elapsed / 1e9, 1e-9);
        double eta = Double.NaN;
        if (budget.targetSteps() > 0) {
          eta = (budget.targetSteps() - done) / rate;
        }
        if (budget.time() != null) {
          double left = Math.max(0, (budgetNanos - elapsed) / 1e9);
          eta = Double.isNaN(eta) ? left : Math.min(eta, left);
        }
        out.onStep(
            new Progress(
                done,
                budget.targetSteps(),
                step / perEpoch,
                loss,
                nll,
                dur,
                smoothed,
                lr,
                maxGrad,
                rate,
                eta,
                validation));
        boolean stop = false;
        if (elapsed >= budgetNanos) {
          reason = StopReason.TIME;
          stop = true;
        } else if (Thread.currentThread().isInterrupted()) {
          reason = StopReason.INTERRUPTED;
          stop = true;
        }
        if (!stop && done % config.checkpointInterval() == 0) {
          save(modelFile, checkpointFile);
          lastCheckpoint = done;
          out.onCheckpoint(done, checkpointFile);
        }
        if (stop) {
          break;
        }
      }
      long done = adam.stepCount();
      if (!data.validation().isEmpty() && validatedAt != done && done > startStep) {
        validation = evaluate(model, data.validation(), config.batchSize());
        out.onValidation(done, validation);
      }
      if (done != lastCheckpoint || !Files.exists(checkpointFile)) {
        save(modelFile, checkpointFile);
        out.onCheckpoint(done, checkpointFile);
      }
    } finally {
      if (!wasTraining) {
        model.eval();
      }
    }
    return new Result(
        adam.stepCount(),
        adam.stepCount() - startStep,
        (System.nanoTime() - start) / 1e9,
        validation,
        reason);
  }

  /** Writes the checkpoint, then the model file, both atomically. */
  private void save(Path modelFile, Path checkpointFile) {
    checkpoint().write(checkpointFile);
    try {
      model.save(modelFile);
    } catch (IOException e) {
      throw new UncheckedIOException(modelFile + ": cannot write (" + e.getMessage() + ")", e);
    }
  }

  private NonFiniteTrainingException nonFinite(
      long step, float loss, Path checkpointFile, long lastCheckpoint) {
    String kept =
        Files.exists(checkpointFile)
            ? String.format(
                Locale.ROOT,
                "the last good checkpoint (step %d) is kept in %s",
                lastCheckpoint,
                checkpointFile)
            : "no checkpoint had been written yet";
    String message =
        String.format(
            Locale.ROOT,
            "speech train: step %d: %s; %s (try a lower learning rate)",
            step,
            NonFiniteTrainingException.describeStep(loss, params),
            kept);
    // The core trainer's result record describes row-based runs; this trainer has none to give.
    return new NonFiniteTrainingException(message, (int) Math.min(Integer.MAX_VALUE, step), null);
  }

  /** The utterances at {@code indexes} (into {@code utterances}) as one padded batch. */
  public static SpeechBatch batchOf(List<Utterance> utterances, int[] indexes) {
    List<int[]> tokens = new ArrayList<>(indexes.length);
    List<Tensor> mels = new ArrayList<>(indexes.length);
    for (int i : indexes) {
      tokens.add(utterances.get(i).tokens());
      mels.add(utterances.get(i).logMel());
    }
    return SpeechBatch.of(tokens, mels);
  }

  /**
   * The mean loss terms of a model over utterances, without gradients or dropout, in length-sorted
   * batches: the NLL per dimension weighted by each batch's frames, the duration loss by its
   * tokens.
   *
   * @param batchSize utterances per batch, at least 1
   * @throws IllegalArgumentException if there is no utterance
   */
  @SuppressWarnings("try") // the no-grad scope is entered for its effect on the ops inside
  public static Evaluation evaluate(GlowTts model, List<Utterance> utterances, int batchSize) {
    Checks.requireArgument(!utterances.isEmpty(), "SpeechTrainer.evaluate: no utterances");
    int[] lengths = new int[utterances.size()];
    for (int i = 0; i < lengths.length; i++) {
      lengths[i] = utterances.get(i).frames();
    }
    LengthBuckets buckets = new LengthBuckets(lengths, batchSize);
    boolean wasTraining = model.isTraining();
    model.eval();
    double nllSum = 0;
    double durSum = 0;
    long frames = 0;
    long tokens = 0;
    try (Tape unused = Tape.noGrad()) {
      // Any fixed order will do: every utterance is visited once.
      for (int[] idx : buckets.epoch(new Rng(0))) {
        SpeechBatch b = batchOf(utterances, idx);
        GlowTts.Loss l = model.loss(b);
        long f = 0;
        for (int n : b.frameLengths()) {
          f += n;
        }
        long t = 0;
        for (int n : b.tokenLengths()) {
          t += n;
        }
        nllSum += l.nll().item() * f;
        durSum += l.duration().item() * t;
        frames += f;
        tokens += t;
      }
    } finally {
      if (wasTraining) {
        model.train();
      }
    }
    return new Evaluation(nllSum / frames, durSum / tokens, frames);
  }
}
