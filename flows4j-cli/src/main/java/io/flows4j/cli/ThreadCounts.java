package io.flows4j.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Parsing of comma-separated lists of whole numbers given to options such as {@code --threads}. */
final class ThreadCounts {
  private ThreadCounts() {}

  /**
   * Parses {@code "1,2"} into {@code [1, 2]}, every value at least {@code min}.
   *
   * @throws ParameterException {@code <option> must be >= <min>, but was <v>} or {@code <option>
   *     must be a whole number, but was '<v>'}
   */
  static List<Integer> parseList(CommandSpec spec, String option, String text, int min) {
    List<Integer> values = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String s = part.trim();
      int v;
      try {
        v = Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw new ParameterException(
            spec.commandLine(),
            option
                + " must be a whole number"
                + (min > 0 ? " >= " + min : "")
                + ", but was '"
                + s
                + "'");
      }
      if (v < min) {
        throw new ParameterException(
            spec.commandLine(), option + " must be >= " + min + ", but was " + v);
      }
      values.add(v);
    }
    return List.copyOf(values);
  }
}
