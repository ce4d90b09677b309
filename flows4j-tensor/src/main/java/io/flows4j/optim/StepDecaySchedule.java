package io.flows4j.optim;

import io.flows4j.tensor.Checks;

/**
 * The rate multiplied by {@code gamma} every {@code every} steps (PyTorch's {@code StepLR}):
 *
 * <pre>lr(t) = initial * gamma^floor(t / every)</pre>
 *
 * @param initial the rate of the first {@code every} steps, finite and {@code > 0}
 * @param every the number of steps between decays, {@code >= 1}
 * @param gamma the factor, in {@code (0, 1]}
 */
public record StepDecaySchedule(double initial, long every, double gamma)
    implements LearningRateSchedule {
  /**
   * Validates the arguments.
   *
   * @throws IllegalArgumentException if a value is outside its range
   */
  public StepDecaySchedule {
    ScheduleChecks.requirePositive("StepDecaySchedule", "initial", initial);
    Checks.requireArgument(every >= 1, "StepDecaySchedule: every must be >= 1, but was %d", every);
    Checks.requireArgument(
        gamma > 0 && gamma <= 1, "StepDecaySchedule: gamma must be in (0, 1], but was %s", gamma);
  }

  @Override
  public double at(long step) {
    ScheduleChecks.requireStep("StepDecaySchedule", step);
    long decays = step / every; // whole periods completed
    return initial * Math.pow(gamma, (double) decays);
  }
}
