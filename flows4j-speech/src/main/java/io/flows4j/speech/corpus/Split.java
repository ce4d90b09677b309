package io.flows4j.speech.corpus;

import io.flows4j.tensor.Checks;

/**
 * The kit's split of the corpus by id: the test sentences are {@code kjv00001..kjv00100}, never
 * trained on; every other id of the corpus may be trained on ({@code kjv00101..kjv01000} in the
 * kit's corpus). Ids are {@code kjv} and a five-digit line number of the sentence list.
 */
public final class Split {
  /** The first test id's number. */
  public static final int TEST_FIRST = 1;

  /** The last test id's number. */
  public static final int TEST_LAST = 100;

  private Split() {}

  /**
   * The number of an id, e.g. 101 for {@code kjv00101}.
   *
   * @throws IllegalArgumentException if the id is not {@code kjv} and five digits
   */
  public static int number(String id) {
    Checks.requireArgument(
        id != null && id.matches("kjv\\d{5}"),
        "corpus id must be kjv and five digits (e.g. kjv00101), but was '%s'",
        id);
    return Integer.parseInt(id.substring(3));
  }

  /** Whether the id is one of the test sentences (the model must never train on them). */
  public static boolean isTest(String id) {
    int n = number(id);
    return n >= TEST_FIRST && n <= TEST_LAST;
  }

  /**
   * An id range {@code A-B} (inclusive, e.g. {@code kjv00001-kjv00100}) as a filter.
   *
   * @throws IllegalArgumentException if the range is malformed or empty
   */
  public static java.util.function.Predicate<String> range(String range) {
    String[] parts = range.split("-", -1);
    Checks.requireArgument(
        parts.length == 2, "an id range must be A-B (e.g. kjv00001-kjv00100), but was '%s'", range);
    int a = number(parts[0].trim());
    int b = number(parts[1].trim());
    Checks.requireArgument(
        a <= b, "an id range must not be empty, but %s comes after %s", parts[0], parts[1]);
    return id -> {
      int n = number(id);
      return n >= a && n <= b;
    };
  }
}
