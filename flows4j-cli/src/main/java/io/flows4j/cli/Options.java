package io.flows4j.cli;

/** Checks of option values that picocli's types do not express, with one-line messages. */
final class Options {
  private Options() {}

  /**
   * Refuses a value below {@code min}.
   *
   * @throws IllegalArgumentException {@code <option> must be >= <min>, but was <value>}
   */
  static void requireAtLeast(String option, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(option + " must be >= " + min + ", but was " + value);
    }
  }
}
