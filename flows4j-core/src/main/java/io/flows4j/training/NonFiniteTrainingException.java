package io.flows4j.training;

import io.flows4j.autodiff.Gradients;
import io.flows4j.autodiff.Parameter;
import io.flows4j.tensor.NonFiniteException;
import java.util.Map;

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

  /**
   * Creates the exception.
   *
   * @param message the whole message, naming the trainer, the step and the first non-finite
   *     gradient ({@link #describeStep})
   * @param step the step (from 1) whose loss or gradient was not finite
   * @param result what the run did up to the failure
   */
  public NonFiniteTrainingException(String message, int step, TrainingResult result) {
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

  /**
   * What went wrong in a step, for the message of a trainer that stops on it: {@code loss is NaN;
   * first non-finite gradient of <name> [shape] is NaN at [i, j]} (or {@code loss is finite (..)}
   * or {@code every gradient is finite} for the part that was not at fault).
   *
   * @param loss the step's loss
   * @param parameters the trained parameters by name, searched in order after the backward pass
   */
  public static String describeStep(float loss, Map<String, Parameter> parameters) {
    String lossText = Float.isFinite(loss) ? "loss is finite (" + loss + ")" : "loss is " + loss;
    String gradText =
        Gradients.firstNonFinite(parameters)
            .map(b -> "first non-finite " + b.describe())
            .orElse("every gradient is finite");
    return lossText + "; " + gradText;
  }
}
