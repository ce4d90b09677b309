package io.flows4j.data;

import java.util.ArrayList;
import java.util.List;

/** Column names: the default names and the short listing used in error messages. */
final class Names {
  /** Lists at most this many names in a message; wider tables are abbreviated. */
  private static final int SHOWN = 8;

  private Names() {}

  /** The names {@code x0, x1, ..., x(d-1)} given to the columns of a file without a header. */
  static List<String> defaults(int d) {
    List<String> names = new ArrayList<>(d);
    for (int j = 0; j < d; j++) {
      names.add("x" + j);
    }
    return List.copyOf(names);
  }

  /**
   * The names as {@code x0, x1, x2} for a message; long lists keep the first names and the last,
   * e.g. {@code x0, x1, x2, x3, x4, x5, ..., x783}.
   */
  static String describe(List<String> names) {
    if (names.size() <= SHOWN) {
      return String.join(", ", names);
    }
    return String.join(", ", names.subList(0, SHOWN - 2)) + ", ..., " + names.get(names.size() - 1);
  }

  /** A field's text for a message: quoted and cut to a readable length. */
  static String quote(String text) {
    String t = text.length() > 40 ? text.substring(0, 37) + "..." : text;
    return "'" + t + "'";
  }
}
