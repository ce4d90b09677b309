package io.flows4j.optim;

/**
 * The same learning rate at every step.
 *
 * @param learningRate finite and {@code > 0}
 */
public record ConstantSchedule(double learningRate) implements LearningRateSchedule {
  /**
   * Validates the rate.
   *
   * @throws IllegalArgumentException if {@code learningRate} is not finite and {@code > 0}
   */
  public ConstantSchedule {
    ScheduleChecks.requirePositive("ConstantSchedule", "learning rate", learningRate);
  }

  @Override
  public double at(long step) {
    ScheduleChecks.requireStep("ConstantSchedule", step);
    return learningRate;
  }
}
