package io.flows4j.spark;

import io.flows4j.io.Json;
import io.flows4j.model.FittedModel;
import io.flows4j.training.BatchDensity;
import io.flows4j.training.TrainingConfig;
import java.io.Serializable;
import org.apache.spark.broadcast.Broadcast;

/**
 * What every training task needs besides the step's parameters, fixed for the run and shipped with
 * each task (a few hundred bytes): the broadcast model file (the architecture; its weights are
 * replaced by each step's), the state layout, the minibatch scheme, each partition's share of a
 * minibatch, the input noise and, for local steps, the configuration that builds the optimizer.
 */
final class StepPlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Mixed into the seed of the minibatch rows. */
  static final long BATCH_SEED_MIX = 0x6A09E667F3BCC909L;

  /** Mixed into the seed of the input noise. */
  static final long NOISE_SEED_MIX = 0xD1B54A32D192ED03L;

  final Broadcast<ModelBytes> model;
  final ParameterLayout layout;
  final int dimension;
  final boolean conditional;
  final long seed;
  final boolean withReplacement;
  final int[] shares;
  final float[] noiseStd;
  final String configJson;
  final int totalSteps;

  /**
   * @param model the model file, broadcast once
   * @param layout the state layout of the model
   * @param dimension data columns {@code D} (a conditional model's rows have context after them)
   * @param conditional whether the model is conditional
   * @param seed the configuration's seed
   * @param withReplacement minibatch rows drawn with replacement (else shuffled epochs)
   * @param shares rows per step of each partition, or {@code null} to use every training row
   * @param noiseStd the input noise's standard deviation per row value, or {@code null} for none
   * @param config the configuration (local steps build the optimizer from it)
   * @param totalSteps the run's planned steps (the schedule's length)
   */
  StepPlan(
      Broadcast<ModelBytes> model,
      ParameterLayout layout,
      int dimension,
      boolean conditional,
      long seed,
      boolean withReplacement,
      int[] shares,
      float[] noiseStd,
      TrainingConfig config,
      int totalSteps) {
    this.model = model;
    this.layout = layout;
    this.dimension = dimension;
    this.conditional = conditional;
    this.seed = seed;
    this.withReplacement = withReplacement;
    this.shares = shares == null ? null : shares.clone();
    this.noiseStd = noiseStd == null ? null : noiseStd.clone();
    this.configJson = config.toJson().write();
    this.totalSteps = totalSteps;
  }

  /** Rows partition {@code p} draws per step. */
  int share(TrainingBlock block) {
    if (shares == null) {
      return block.trainRows;
    }
    return block.partition < shares.length ? shares[block.partition] : 0;
  }

  /** The configuration, rebuilt from its JSON. */
  TrainingConfig config() {
    return TrainingConfig.fromJson((Json.Obj) Json.parse(configJson));
  }

  /** How the trainer reads rows of {@code model}. */
  BatchDensity density(FittedModel model) {
    return conditional
        ? BatchDensity.of(model.conditionalFlow().orElseThrow(), dimension)
        : BatchDensity.of(model.flow());
  }
}
