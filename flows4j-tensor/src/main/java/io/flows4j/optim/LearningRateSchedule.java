package io.flows4j.optim;

/**
 * The learning rate as a function of the number of steps taken. Set one on an optimizer with {@link
 * Optimizer#setSchedule}; step {@code t = 0} is the first update.
 *
 * <p>The schedules here are records that validate their arguments: {@link ConstantSchedule}, {@link
 * CosineSchedule}, {@link StepDecaySchedule}, and {@link WarmupSchedule}, which puts a linear
 * warm-up in front of any other schedule.
 */
@FunctionalInterface
public interface LearningRateSchedule {
  /**
   * The learning rate of step {@code step} (counting from 0).
   *
   * @throws IllegalArgumentException if {@code step < 0}
   */
  double at(long step);
}
