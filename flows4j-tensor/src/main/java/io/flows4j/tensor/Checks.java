package io.flows4j.tensor;

import java.util.Locale;

/** Argument checks that throw with formatted, self-explaining messages. */
public final class Checks {
  private Checks() {}

  /**
   * Throws {@link IllegalArgumentException} with the formatted message unless {@code condition}.
   */
  public static void requireArgument(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, format, args));
    }
  }

  /** Throws {@link ShapeMismatchException} with the formatted message unless {@code condition}. */
  public static void requireShape(boolean condition, String format, Object... args) {
    if (!condition) {
      throw new ShapeMismatchException(String.format(Locale.ROOT, format, args));
    }
  }

  /** Requires {@code value > 0}; the message names the argument. */
  public static int requirePositive(int value, String op, String name) {
    if (value <= 0) {
      throw new IllegalArgumentException(op + ": " + name + " must be > 0, but was " + value);
    }
    return value;
  }

  /** Requires {@code value >= 0}; the message names the argument. */
  public static int requireNonNegative(int value, String op, String name) {
    if (value < 0) {
      throw new IllegalArgumentException(op + ": " + name + " must be >= 0, but was " + value);
    }
    return value;
  }
}
