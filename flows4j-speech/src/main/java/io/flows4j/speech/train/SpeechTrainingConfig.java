package io.flows4j.speech.train;

import io.flows4j.bijectors.Spec;
import io.flows4j.io.Json;
import io.flows4j.tensor.Checks;

/**
 * The settings of a speech training run that a checkpoint keeps (a resumed run continues with
 * them). The defaults are the kit's recipe (shared/speech/README.md, section 6): batch 16, Adam
 * with learning rate 1e-3, betas (0.9, 0.98), eps 1e-9, a linear warm-up over 200 steps then a
 * constant rate, gradient values clipped at 5.
 *
 * @param batchSize utterances per step, at least 1
 * @param learningRate Adam's rate after the warm-up, finite and {@code > 0}
 * @param beta1 Adam's first-moment decay, in {@code [0, 1)}
 * @param beta2 Adam's second-moment decay, in {@code [0, 1)}
 * @param eps Adam's denominator term, {@code >= 0}
 * @param warmupSteps steps of the linear warm-up, {@code >= 0} (0: none)
 * @param clipValue gradient elements are clipped to {@code [-clipValue, clipValue]}, {@code > 0}
 * @param validationUtterances training-split utterances held out for the validation loss (the ones
 *     with the highest ids), {@code >= 0}
 * @param evaluationInterval steps between two validation losses, at least 1
 * @param checkpointInterval steps between two checkpoints, at least 1
 * @param seed seed of the weights, the batch order and the dropout masks
 */
public record SpeechTrainingConfig(
    int batchSize,
    double learningRate,
    double beta1,
    double beta2,
    double eps,
    int warmupSteps,
    double clipValue,
    int validationUtterances,
    int evaluationInterval,
    int checkpointInterval,
    long seed) {

  /** The kit's batch size. */
  public static final int DEFAULT_BATCH_SIZE = 16;

  /** Held-out utterances by default: the 20 highest training ids (kjv00981-kjv01000). */
  public static final int DEFAULT_VALIDATION_UTTERANCES = 20;

  /** Steps between validations and between checkpoints by default (a few minutes of training). */
  public static final int DEFAULT_INTERVAL = 200;

  /**
   * Validates the settings.
   *
   * @throws IllegalArgumentException if a value is out of its range (see the components)
   */
  public SpeechTrainingConfig {
    Checks.requirePositive(batchSize, "SpeechTrainingConfig", "batchSize");
    Checks.requireArgument(
        learningRate > 0 && Double.isFinite(learningRate),
        "SpeechTrainingConfig: learningRate must be finite and > 0, but was %s",
        learningRate);
    Checks.requireArgument(
        beta1 >= 0 && beta1 < 1,
        "SpeechTrainingConfig: beta1 must be in [0, 1), but was %s",
        beta1);
    Checks.requireArgument(
        beta2 >= 0 && beta2 < 1,
        "SpeechTrainingConfig: beta2 must be in [0, 1), but was %s",
        beta2);
    Checks.requireArgument(
        eps >= 0 && Double.isFinite(eps),
        "SpeechTrainingConfig: eps must be finite and >= 0, but was %s",
        eps);
    Checks.requireNonNegative(warmupSteps, "SpeechTrainingConfig", "warmupSteps");
    Checks.requireArgument(
        clipValue > 0 && Double.isFinite(clipValue),
        "SpeechTrainingConfig: clipValue must be finite and > 0, but was %s",
        clipValue);
    Checks.requireNonNegative(validationUtterances, "SpeechTrainingConfig", "validationUtterances");
    Checks.requirePositive(evaluationInterval, "SpeechTrainingConfig", "evaluationInterval");
    Checks.requirePositive(checkpointInterval, "SpeechTrainingConfig", "checkpointInterval");
  }

  /** The kit's recipe with the given seed. */
  public static SpeechTrainingConfig defaults(long seed) {
    return new SpeechTrainingConfig(
        DEFAULT_BATCH_SIZE,
        1e-3,
        0.9,
        0.98,
        1e-9,
        200,
        5,
        DEFAULT_VALIDATION_UTTERANCES,
        DEFAULT_INTERVAL,
        DEFAULT_INTERVAL,
        seed);
  }

  /** These settings with another batch size. */
  public SpeechTrainingConfig withBatchSize(int n) {
    return new SpeechTrainingConfig(
        n,
        learningRate,
        beta1,
        beta2,
        eps,
        warmupSteps,
        clipValue,
        validationUtterances,
        evaluationInterval,
        checkpointInterval,
        seed);
  }

  /** These settings with another learning rate and warm-up. */
  public SpeechTrainingConfig withLearningRate(double lr, int warmup) {
    return new SpeechTrainingConfig(
        batchSize,
        lr,
        beta1,
        beta2,
        eps,
        warmup,
        clipValue,
        validationUtterances,
        evaluationInterval,
        checkpointInterval,
        seed);
  }

  /** These settings with other validation and checkpoint cadences. */
  public SpeechTrainingConfig withIntervals(
      int validation, int evaluationEvery, int checkpointEvery) {
    return new SpeechTrainingConfig(
        batchSize,
        learningRate,
        beta1,
        beta2,
        eps,
        warmupSteps,
        clipValue,
        validation,
        evaluationEvery,
        checkpointEvery,
        seed);
  }

  /** A JSON description, read back by {@link #fromJson}. */
  public Json.Obj toJson() {
    return Spec.of("speech-training")
        .put("batchSize", batchSize)
        .put("learningRate", learningRate)
        .put("beta1", beta1)
        .put("beta2", beta2)
        .put("eps", eps)
        .put("warmupSteps", warmupSteps)
        .put("clipValue", clipValue)
        .put("validationUtterances", validationUtterances)
        .put("evaluationInterval", evaluationInterval)
        .put("checkpointInterval", checkpointInterval)
        .put("seed", Long.toString(seed))
        .build();
  }

  /**
   * Reads a description written by {@link #toJson}.
   *
   * @throws IllegalArgumentException if a member is missing or out of range
   */
  public static SpeechTrainingConfig fromJson(Json.Obj o) {
    return new SpeechTrainingConfig(
        o.getInt("batchSize"),
        o.getDouble("learningRate"),
        o.getDouble("beta1"),
        o.getDouble("beta2"),
        o.getDouble("eps"),
        o.getInt("warmupSteps"),
        o.getDouble("clipValue"),
        o.getInt("validationUtterances"),
        o.getInt("evaluationInterval"),
        o.getInt("checkpointInterval"),
        Long.parseLong(o.getString("seed")));
  }
}
