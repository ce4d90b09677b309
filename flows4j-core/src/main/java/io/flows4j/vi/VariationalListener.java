package io.flows4j.vi;

import io.flows4j.training.TrainingResult;

/**
 * Receives the progress of a {@link VariationalTrainer} run, for a progress bar or a log. Called on
 * the training thread, outside the timed part of each step; every method does nothing by default.
 */
public interface VariationalListener {

  /** A listener that ignores everything. */
  VariationalListener NONE = new VariationalListener() {};

  /** Called once before the first step, with the steps planned. */
  default void onStart(int totalSteps) {}

  /** Called after every step. */
  default void onStep(Progress progress) {}

  /** Called once when the run ends normally (not when it stops on a non-finite value). */
  default void onFinish(TrainingResult result) {}

  /**
   * The state of a run after a step.
   *
   * @param step steps done, from 1
   * @param totalSteps steps planned
   * @param loss the step's annealed loss {@code mean(log q - beta log p~)} over its samples
   * @param negativeElbo the step's {@code mean(log q - log p~)} (the loss at {@code beta = 1}; plus
   *     {@code log Z} it estimates the KL divergence)
   * @param smoothedNegativeElbo an exponential moving average of {@code negativeElbo} (about the
   *     last 50 steps)
   * @param beta the inverse temperature of the step
   * @param learningRate the learning rate of the step
   * @param gradNorm the total gradient norm of the step, before clipping
   * @param stepsPerSecond steps per second of wall time since the start
   * @param etaSeconds estimated seconds to the last planned step, at that rate
   */
  record Progress(
      int step,
      int totalSteps,
      double loss,
      double negativeElbo,
      double smoothedNegativeElbo,
      double beta,
      double learningRate,
      double gradNorm,
      double stepsPerSecond,
      double etaSeconds) {}
}
