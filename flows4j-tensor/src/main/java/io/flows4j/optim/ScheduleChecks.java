package io.flows4j.optim;

/** Argument checks shared by the schedules. */
final class ScheduleChecks {
  private ScheduleChecks() {}

  /** Refuses a negative step. */
  static long requireStep(String op, long step) {
    if (step < 0) {
      throw new IllegalArgumentException(op + ".at: step must be >= 0, but was " + step);
    }
    return step;
  }

  /** Refuses a rate that is not finite and {@code > 0}. */
  static double requirePositive(String op, String name, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(
          op + ": " + name + " must be finite and > 0, but was " + value);
    }
    return value;
  }
}
