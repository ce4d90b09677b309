package io.flows4j.optim;

import io.flows4j.tensor.Checks;

/**
 * A linear warm-up over {@code steps} steps to the start of another schedule, which then runs from
 * its own step 0:
 *
 * <pre>
 * lr(t) = then.at(0) * (t + 1) / steps     for t &lt; steps
 * lr(t) = then.at(t - steps)               for t &gt;= steps
 * </pre>
 *
 * The first step uses {@code then.at(0) / steps}, never 0, so no step is wasted (Goyal et al.,
 * "Accurate, Large Minibatch SGD: Training ImageNet in 1 Hour", 2017, section 2.2).
 *
 * @param steps length of the warm-up, {@code >= 1}
 * @param then the schedule that follows
 */
public record WarmupSchedule(long steps, LearningRateSchedule then)
    implements LearningRateSchedule {
  /**
   * Validates the arguments.
   *
   * @throws IllegalArgumentException if {@code steps < 1} or {@code then} is null
   */
  public WarmupSchedule {
    Checks.requireArgument(steps >= 1, "WarmupSchedule: steps must be >= 1, but was %d", steps);
    Checks.requireArgument(then != null, "WarmupSchedule: then must not be null");
  }

  @Override
  public double at(long step) {
    ScheduleChecks.requireStep("WarmupSchedule", step);
    if (step < steps) {
      return then.at(0) * (step + 1) / steps;
    }
    return then.at(step - steps);
  }
}
