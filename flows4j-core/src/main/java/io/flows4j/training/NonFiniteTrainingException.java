package io.flows4j.training;

import io.flows4j.tensor.NonFiniteException;

/**
 * Thrown when a training step produces a NaN or infinite loss or gradient. The message names the
 * step and the first parameter whose gradient is not finite; the flow is left with the parameters
 * of the last good step, or of the best evaluation when the configuration restores the best.
 */
public final class NonFiniteTrainingException extends NonFiniteException {
  private static final long serialVersionUID = 1L;

  private final int step;

  // A record of plain values, not needed after deserialization.
  private final transient TrainingResult result;

  NonFiniteTrainingException(String message, int step, TrainingResult result) {
    super(message);
    this.step = step;
    this.result = result;
  }

  /** The step (from 1) whose loss or gradient was not finite. */
  public int step() {
    return step;
  }

  /**
   * What the run did up to the failure, with stop reason {@link
   * TrainingResult.StopReason#NON_FINITE} ({@code null} after deserialization).
   */
  public TrainingResult result() {
    return result;
  }
}
