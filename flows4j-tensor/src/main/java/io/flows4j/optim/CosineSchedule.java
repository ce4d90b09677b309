package io.flows4j.optim;

import io.flows4j.tensor.Checks;

/**
 * Cosine annealing from {@code initial} to {@code minimum} over {@code steps} steps, then {@code
 * minimum} (Loshchilov and Hutter, "SGDR: Stochastic Gradient Descent with Warm Restarts", ICLR
 * 2017, without restarts; PyTorch's {@code CosineAnnealingLR} with {@code T_max = steps}):
 *
 * <pre>lr(t) = minimum + (initial - minimum) * (1 + cos(pi * min(t, steps) / steps)) / 2</pre>
 *
 * @param initial the rate at step 0, finite and {@code > 0}
 * @param minimum the rate from step {@code steps} on, in {@code [0, initial]}
 * @param steps length of the annealing, {@code >= 1}
 */
public record CosineSchedule(double initial, double minimum, long steps)
    implements LearningRateSchedule {
  /**
   * Validates the arguments.
   *
   * @throws IllegalArgumentException if a value is outside its range
   */
  public CosineSchedule {
    ScheduleChecks.requirePositive("CosineSchedule", "initial", initial);
    Checks.requireArgument(
        minimum >= 0 && minimum <= initial,
        "CosineSchedule: minimum must be in [0, %s], but was %s",
        initial,
        minimum);
    Checks.requireArgument(steps >= 1, "CosineSchedule: steps must be >= 1, but was %d", steps);
  }

  @Override
  public double at(long step) {
    ScheduleChecks.requireStep("CosineSchedule", step);
    if (step >= steps) {
      return minimum;
    }
    return minimum + (initial - minimum) * (1 + Math.cos(Math.PI * step / steps)) / 2;
  }
}
