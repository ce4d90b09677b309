package io.flows4j.training;

import io.flows4j.io.Json;
import io.flows4j.io.JsonException;
import io.flows4j.tensor.Checks;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How a flow is trained by maximum likelihood: length, minibatches, optimizer, learning-rate
 * schedule, gradient clipping, validation and early stopping, seed. Validated on construction.
 *
 * <p>Start from {@link #defaults()} (chosen to work on data not seen before, see {@code
 * docs/design-notes.md}, "Training and model files") or {@link #benchmark} (the plain protocol of
 * BENCHMARKS.md) and change fields with the {@code with...} methods.
 *
 * @param steps number of optimizer steps, or 0 when the length is given in {@code epochs}
 * @param epochs number of passes over the training rows ({@code ceil(epochs N / batch)} steps), or
 *     0 when the length is given in {@code steps}; exactly one of the two is {@code > 0}
 * @param batchSize rows per minibatch, {@code >= 1}; a training set with fewer rows uses all its
 *     rows as the batch
 * @param learningRate the peak learning rate, finite and {@code > 0}
 * @param optimizer Adam (with an L2 term when {@code weightDecay > 0}) or AdamW (decoupled decay)
 * @param weightDecay finite and {@code >= 0}
 * @param schedule constant, or cosine annealing from {@code learningRate} to 0 over the steps after
 *     the warm-up
 * @param warmupSteps steps of linear warm-up before the schedule, {@code >= 0}
 * @param maxGradNorm the largest total gradient norm before an update (larger gradients are scaled
 *     down to it), or 0 for no clipping; finite and {@code >= 0}
 * @param validationFraction the fraction of the rows held out for validation when no validation set
 *     is given, in {@code [0, 1)}; 0 for none
 * @param minValidationRows the fewest rows held out when {@code validationFraction > 0}, so that
 *     early stopping on a small data set does not rest on a handful of rows (capped at a fifth of
 *     the data); {@code >= 0}
 * @param evaluationInterval steps between evaluations of the validation log-likelihood, {@code >=
 *     1}, but at least one evaluation per epoch (see {@link Trainer#evaluationInterval}); the last
 *     step is always evaluated
 * @param patienceSteps steps without a new best validation log-likelihood after which training
 *     stops, or 0 to never stop early; {@code >= 0}
 * @param restoreBest whether the parameters of the best evaluation are restored when training ends
 * @param sampling how minibatch rows are drawn
 * @param inputNoise the standard deviation of Gaussian noise added to every value of every training
 *     minibatch, relative to the standard deviation of its column over the training rows (so {@code
 *     0.05} blurs each column by 5% of its spread); 0 for none, {@link #INPUT_NOISE_AUTO} for a
 *     level chosen from the number of training rows ({@link Trainer#autoInputNoise}). A regulariser
 *     for small data sets (see {@code docs/design-notes.md}); validation rows are never perturbed
 * @param seed the seed of the validation split and of the minibatches (not of the flow's initial
 *     weights, which the code that builds the flow chooses)
 */
public record TrainingConfig(
    int steps,
    int epochs,
    int batchSize,
    double learningRate,
    OptimizerKind optimizer,
    double weightDecay,
    ScheduleKind schedule,
    int warmupSteps,
    double maxGradNorm,
    double validationFraction,
    int minValidationRows,
    int evaluationInterval,
    int patienceSteps,
    boolean restoreBest,
    Sampling sampling,
    double inputNoise,
    long seed) {

  /** Default number of steps. */
  public static final int DEFAULT_STEPS = 5000;

  /** Default minibatch size. */
  public static final int DEFAULT_BATCH_SIZE = 256;

  /** Default peak learning rate. */
  public static final double DEFAULT_LEARNING_RATE = 1e-3;

  /** Default gradient-norm bound. */
  public static final double DEFAULT_MAX_GRAD_NORM = 5.0;

  /** Default validation fraction. */
  public static final double DEFAULT_VALIDATION_FRACTION = 0.1;

  /** Default least number of validation rows. */
  public static final int DEFAULT_MIN_VALIDATION_ROWS = 100;

  /** Default steps between evaluations. */
  public static final int DEFAULT_EVALUATION_INTERVAL = 100;

  /**
   * The value of {@link #inputNoise()} that lets the trainer choose the noise level from the number
   * of training rows ({@link Trainer#autoInputNoise}).
   */
  public static final double INPUT_NOISE_AUTO = -1;

  /** Default early-stopping patience, in steps. */
  public static final int DEFAULT_PATIENCE_STEPS = 1000;

  /** The optimizer. */
  public enum OptimizerKind {
    /** {@link io.flows4j.optim.Adam}: weight decay, if any, as an L2 term in the gradient. */
    ADAM,
    /** {@link io.flows4j.optim.AdamW}: decoupled weight decay. */
    ADAMW;

    String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The learning-rate schedule after the warm-up. */
  public enum ScheduleKind {
    /** The same rate at every step. */
    CONSTANT,
    /** Cosine annealing from the peak rate to 0 at the last step. */
    COSINE;

    String jsonName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** How the rows of a minibatch are drawn. */
  public enum Sampling {
    /** Every row of every batch uniformly and independently (the benchmarks' protocol). */
    WITH_REPLACEMENT,
    /** A fresh random permutation of the rows every epoch, cut into batches. */
    SHUFFLED_EPOCHS;

    String jsonName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * Validates every field.
   *
   * @throws IllegalArgumentException naming the first field outside its range (see the record
   *     components)
   */
  public TrainingConfig {
    String op = "TrainingConfig";
    Checks.requireArgument(
        steps >= 0 && epochs >= 0 && (steps > 0) != (epochs > 0),
        "%s: exactly one of steps and epochs must be > 0 (the other 0), but steps was %d and"
            + " epochs was %d",
        op,
        steps,
        epochs);
    Checks.requirePositive(batchSize, op, "batch size");
    Checks.requireArgument(
        learningRate > 0 && Double.isFinite(learningRate),
        "%s: learning rate must be finite and > 0, but was %s",
        op,
        learningRate);
    Checks.requireArgument(optimizer != null, "%s: optimizer must not be null", op);
    Checks.requireArgument(
        weightDecay >= 0 && Double.isFinite(weightDecay),
        "%s: weight decay must be finite and >= 0, but was %s",
        op,
        weightDecay);
    Checks.requireArgument(schedule != null, "%s: schedule must not be null", op);
    Checks.requireNonNegative(warmupSteps, op, "warm-up steps");
    Checks.requireArgument(
        maxGradNorm >= 0 && Double.isFinite(maxGradNorm),
        "%s: max gradient norm must be finite and >= 0 (0 for no clipping), but was %s",
        op,
        maxGradNorm);
    Checks.requireArgument(
        validationFraction >= 0 && validationFraction < 1,
        "%s: validation fraction must be in [0, 1), but was %s",
        op,
        validationFraction);
    Checks.requireNonNegative(minValidationRows, op, "minimum validation rows");
    Checks.requirePositive(evaluationInterval, op, "evaluation interval");
    Checks.requireNonNegative(patienceSteps, op, "patience");
    Checks.requireArgument(sampling != null, "%s: sampling must not be null", op);
    Checks.requireArgument(
        inputNoise == INPUT_NOISE_AUTO || (inputNoise >= 0 && Double.isFinite(inputNoise)),
        "%s: input noise must be finite and >= 0 (or INPUT_NOISE_AUTO), but was %s",
        op,
        inputNoise);
  }

  /**
   * Defaults meant to work on a data set not seen before, of any size: 5,000 steps of batch 256,
   * Adam at 1e-3 with cosine annealing, gradient norm clipped at 5, 10% of the rows (at least 100,
   * at most a fifth) held out, evaluation every 100 steps (or every epoch, if shorter), early
   * stopping 1,000 steps after the last improvement with the best parameters restored, shuffled
   * epochs, input noise chosen from the number of rows ({@link Trainer#autoInputNoise}), seed 0.
   */
  public static TrainingConfig defaults() {
    return new TrainingConfig(
        DEFAULT_STEPS,
        0,
        DEFAULT_BATCH_SIZE,
        DEFAULT_LEARNING_RATE,
        OptimizerKind.ADAM,
        0,
        ScheduleKind.COSINE,
        0,
        DEFAULT_MAX_GRAD_NORM,
        DEFAULT_VALIDATION_FRACTION,
        DEFAULT_MIN_VALIDATION_ROWS,
        DEFAULT_EVALUATION_INTERVAL,
        DEFAULT_PATIENCE_STEPS,
        true,
        Sampling.SHUFFLED_EPOCHS,
        INPUT_NOISE_AUTO,
        0);
  }

  /**
   * The protocol of BENCHMARKS.md: Adam with a constant learning rate of 1e-3, no weight decay,
   * clipping, validation or early stopping; minibatches drawn with replacement; seed 0.
   *
   * @throws IllegalArgumentException if {@code steps} or {@code batchSize} is not {@code > 0}
   */
  public static TrainingConfig benchmark(int steps, int batchSize) {
    Checks.requirePositive(steps, "TrainingConfig.benchmark", "steps");
    return new TrainingConfig(
        steps,
        0,
        batchSize,
        DEFAULT_LEARNING_RATE,
        OptimizerKind.ADAM,
        0,
        ScheduleKind.CONSTANT,
        0,
        0,
        0,
        0,
        steps,
        0,
        false,
        Sampling.WITH_REPLACEMENT,
        0,
        0);
  }

  /** This configuration running {@code steps} steps (and no epoch count). */
  public TrainingConfig withSteps(int steps) {
    return new TrainingConfig(
        steps,
        0,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        schedule,
        warmupSteps,
        maxGradNorm,
        validationFraction,
        minValidationRows,
        evaluationInterval,
        patienceSteps,
        restoreBest,
        sampling,
        inputNoise,
        seed);
  }

  /** This configuration running {@code epochs} passes over the data (and no step count). */
  public TrainingConfig withEpochs(int epochs) {
    return new TrainingConfig(
        0,
        epochs,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        schedule,
        warmupSteps,
        maxGradNorm,
        validationFraction,
        minValidationRows,
        evaluationInterval,
        patienceSteps,
        restoreBest,
        sampling,
        inputNoise,
        seed);
  }

  /** This configuration with another batch size. */
  public TrainingConfig withBatchSize(int batchSize) {
    return new TrainingConfig(
        steps,
        epochs,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        schedule,
        warmupSteps,
        maxGradNorm,
        validationFraction,
        minValidationRows,
        evaluationInterval,
        patienceSteps,
        restoreBest,
        sampling,
        inputNoise,
        seed);
  }

  /** This configuration with another peak learning rate. */
  public TrainingConfig withLearningRate(double learningRate) {
    return new TrainingConfig(
        steps,
        epochs,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        schedule,
        warmupSteps,
        maxGradNorm,
        validationFraction,
        minValidationRows,
        evaluationInterval,
        patienceSteps,
        restoreBest,
        sampling,
        inputNoise,
        seed);
  }

  /** This configuration with another optimizer and weight decay. */
  public TrainingConfig withOptimizer(OptimizerKind optimizer, double weightDecay) {
    return new TrainingConfig(
        steps,
        epochs,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        schedule,
        warmupSteps,
        maxGradNorm,
        validationFraction,
        minValidationRows,
        evaluationInterval,
        patienceSteps,
        restoreBest,
        sampling,
        inputNoise,
        seed);
  }

  /** This configuration with another schedule and warm-up length. */
  public TrainingConfig withSchedule(ScheduleKind schedule, int warmupSteps) {
    return new TrainingConfig(
        steps,
        epochs,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        schedule,
        warmupSteps,
        maxGradNorm,
        validationFraction,
        minValidationRows,
        evaluationInterval,
        patienceSteps,
        restoreBest,
        sampling,
        inputNoise,
        seed);
  }

  /** This configuration with another gradient-norm bound (0 for no clipping). */
  public TrainingConfig withMaxGradNorm(double maxGradNorm) {
    return new TrainingConfig(
        steps,
        epochs,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        schedule,
        warmupSteps,
        maxGradNorm,
        validationFraction,
        minValidationRows,
        evaluationInterval,
        patienceSteps,
        restoreBest,
        sampling,
        inputNoise,
        seed);
  }

  /** This configuration with another validation split (fraction 0 for none). */
  public TrainingConfig withValidation(double validationFraction, int minValidationRows) {
    return new TrainingConfig(
        steps,
        epochs,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        schedule,
        warmupSteps,
        maxGradNorm,
        validationFraction,
        minValidationRows,
        evaluationInterval,
        patienceSteps,
        restoreBest,
        sampling,
        inputNoise,
        seed);
  }

  /**
   * This configuration with other evaluation and early-stopping settings.
   *
   * @param evaluationInterval steps between evaluations
   * @param patienceSteps steps without improvement before stopping, 0 for never
   * @param restoreBest whether to restore the best evaluated parameters at the end
   */
  public TrainingConfig withEarlyStopping(
      int evaluationInterval, int patienceSteps, boolean restoreBest) {
    return new TrainingConfig(
        steps,
        epochs,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        schedule,
        warmupSteps,
        maxGradNorm,
        validationFraction,
        minValidationRows,
        evaluationInterval,
        patienceSteps,
        restoreBest,
        sampling,
        inputNoise,
        seed);
  }

  /** This configuration with another minibatch scheme. */
  public TrainingConfig withSampling(Sampling sampling) {
    return new TrainingConfig(
        steps,
        epochs,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        schedule,
        warmupSteps,
        maxGradNorm,
        validationFraction,
        minValidationRows,
        evaluationInterval,
        patienceSteps,
        restoreBest,
        sampling,
        inputNoise,
        seed);
  }

  /** This configuration with another input-noise standard deviation (0 for none). */
  public TrainingConfig withInputNoise(double inputNoise) {
    return new TrainingConfig(
        steps,
        epochs,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        schedule,
        warmupSteps,
        maxGradNorm,
        validationFraction,
        minValidationRows,
        evaluationInterval,
        patienceSteps,
        restoreBest,
        sampling,
        inputNoise,
        seed);
  }

  /** This configuration with another seed. */
  public TrainingConfig withSeed(long seed) {
    return new TrainingConfig(
        steps,
        epochs,
        batchSize,
        learningRate,
        optimizer,
        weightDecay,
        schedule,
        warmupSteps,
        maxGradNorm,
        validationFraction,
        minValidationRows,
        evaluationInterval,
        patienceSteps,
        restoreBest,
        sampling,
        inputNoise,
        seed);
  }

  /**
   * The number of rows held out for validation from {@code rows} rows: {@code max(round(fraction
   * N), min(minValidationRows, N / 5))}, capped at {@link #MAX_VALIDATION_ROWS} and at {@code N /
   * 2}; 0 when the fraction is 0 (or the data too small to spare a row).
   *
   * @throws IllegalArgumentException if {@code rows < 0}
   */
  public int validationRows(int rows) {
    Checks.requireNonNegative(rows, "TrainingConfig.validationRows", "rows");
    if (validationFraction == 0) {
      return 0;
    }
    long v = Math.max(Math.round(validationFraction * rows), Math.min(minValidationRows, rows / 5));
    // At least half of a small data set stays for training.
    return (int) Math.min(Math.min(v, MAX_VALIDATION_ROWS), rows / 2);
  }

  /**
   * The most rows a validation split takes: the standard error of a mean log-likelihood over 10,000
   * rows (about 0.01 nats per unit of per-row spread) is small enough to rank checkpoints, and
   * larger splits only slow every evaluation down and take rows from training.
   */
  public static final int MAX_VALIDATION_ROWS = 10_000;

  /**
   * The number of optimizer steps for {@code trainRows} training rows: {@link #steps()}, or {@code
   * ceil(epochs N / batch)} with the batch capped at {@code N}.
   *
   * @throws IllegalArgumentException if {@code trainRows < 1} or the count exceeds {@code
   *     Integer.MAX_VALUE}
   */
  public int totalSteps(int trainRows) {
    Checks.requirePositive(trainRows, "TrainingConfig.totalSteps", "training rows");
    if (steps > 0) {
      return steps;
    }
    int batch = Math.min(batchSize, trainRows);
    long total = ((long) epochs * trainRows + batch - 1) / batch;
    Checks.requireArgument(
        total <= Integer.MAX_VALUE,
        "TrainingConfig: %d epochs of %d rows in batches of %d must be at most 2^31 - 1 steps, but"
            + " are %d",
        epochs,
        trainRows,
        batch,
        total);
    return (int) total;
  }

  /** This configuration as a JSON object (stored in model files). */
  public Json.Obj toJson() {
    Map<String, Json> m = new LinkedHashMap<>();
    m.put("steps", Json.of(steps));
    m.put("epochs", Json.of(epochs));
    m.put("batch_size", Json.of(batchSize));
    m.put("learning_rate", Json.of(learningRate));
    m.put("optimizer", Json.of(optimizer.jsonName()));
    m.put("weight_decay", Json.of(weightDecay));
    m.put("schedule", Json.of(schedule.jsonName()));
    m.put("warmup_steps", Json.of(warmupSteps));
    m.put("max_grad_norm", Json.of(maxGradNorm));
    m.put("validation_fraction", Json.of(validationFraction));
    m.put("min_validation_rows", Json.of(minValidationRows));
    m.put("evaluation_interval", Json.of(evaluationInterval));
    m.put("patience_steps", Json.of(patienceSteps));
    m.put("restore_best", Json.of(restoreBest));
    m.put("sampling", Json.of(sampling.jsonName()));
    m.put("input_noise", inputNoise == INPUT_NOISE_AUTO ? Json.of("auto") : Json.of(inputNoise));
    m.put("seed", Json.of(seed));
    return Json.object(m);
  }

  /**
   * Reads a configuration written by {@link #toJson()}.
   *
   * @throws JsonException if a member is missing or has the wrong type
   * @throws IllegalArgumentException if a value is out of range or an enum name is unknown
   */
  public static TrainingConfig fromJson(Json.Obj o) {
    return new TrainingConfig(
        o.getInt("steps"),
        o.getInt("epochs"),
        o.getInt("batch_size"),
        o.getDouble("learning_rate"),
        named(OptimizerKind.values(), o.getString("optimizer"), "optimizer"),
        o.getDouble("weight_decay"),
        named(ScheduleKind.values(), o.getString("schedule"), "schedule"),
        o.getInt("warmup_steps"),
        o.getDouble("max_grad_norm"),
        o.getDouble("validation_fraction"),
        o.getInt("min_validation_rows"),
        o.getInt("evaluation_interval"),
        o.getInt("patience_steps"),
        o.getBoolean("restore_best"),
        named(Sampling.values(), o.getString("sampling"), "sampling"),
        inputNoise(o.get("input_noise")),
        o.getLong("seed"));
  }

  private static double inputNoise(Json v) {
    if (v instanceof Json.Str s && s.value().equals("auto")) {
      return INPUT_NOISE_AUTO;
    }
    if (v instanceof Json.Num n) {
      return n.doubleValue();
    }
    throw new JsonException("json: member 'input_noise' must be a number or \"auto\"");
  }

  private static <E extends Enum<E>> E named(E[] values, String name, String what) {
    StringBuilder known = new StringBuilder();
    for (E e : values) {
      String n = jsonName(e);
      if (n.equals(name)) {
        return e;
      }
      known.append(known.length() == 0 ? "" : ", ").append(n);
    }
    throw new IllegalArgumentException(
        "TrainingConfig: " + what + " must be one of " + known + ", but was '" + name + "'");
  }

  private static String jsonName(Enum<?> e) {
    return switch (e) {
      case OptimizerKind k -> k.jsonName();
      case ScheduleKind k -> k.jsonName();
      case Sampling k -> k.jsonName();
      default -> e.name();
    };
  }
}
