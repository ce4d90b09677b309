package io.flows4j.training;

/**
 * Receives the progress of a training run, for a progress bar or a log. The trainer calls it on the
 * training thread, outside the timed part of each step; a listener should return quickly. Every
 * method does nothing by default.
 */
public interface TrainingListener {

  /** A listener that ignores everything. */
  TrainingListener NONE = new TrainingListener() {};

  /**
   * Called once before the first step.
   *
   * @param totalSteps steps planned
   * @param trainRows rows trained on
   * @param validationRows rows held out for validation (0 for none)
   */
  default void onStart(int totalSteps, int trainRows, int validationRows) {}

  /** Called after every step, with the validation figures of the latest evaluation. */
  default void onStep(Progress progress) {}

  /** Called once when the run ends normally (not when it stops on a non-finite value). */
  default void onFinish(TrainingResult result) {}

  /**
   * The state of a run after a step.
   *
   * @param step steps done, from 1
   * @param totalSteps steps planned
   * @param loss this step's minibatch loss (mean NLL, nats)
   * @param smoothedLoss an exponential moving average of the loss (about the last 50 steps)
   * @param validationNll the latest mean validation NLL, {@code NaN} before the first evaluation
   * @param bestValidationNll the best so far, {@code NaN} before the first evaluation
   * @param evaluated whether this step was followed by an evaluation
   * @param learningRate the learning rate this step used
   * @param gradNorm the total gradient norm of this step, before clipping
   * @param stepsPerSecond steps per second of wall time since the start, evaluations included
   * @param etaSeconds estimated seconds to the last planned step, at that rate
   */
  record Progress(
      int step,
      int totalSteps,
      double loss,
      double smoothedLoss,
      double validationNll,
      double bestValidationNll,
      boolean evaluated,
      double learningRate,
      double gradNorm,
      double stepsPerSecond,
      double etaSeconds) {}
}
