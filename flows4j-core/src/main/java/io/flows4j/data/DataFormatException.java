package io.flows4j.data;

/**
 * Thrown when a data file or a data argument is malformed: a ragged row, a field that is not a
 * finite number, a header without rows, a selected column that does not exist, a truncated IDX
 * file. The message is one line that names the source and, where there is one, the 1-based line
 * number and the column, e.g. {@code data.csv line 5, column x1: value 'NaN' is not a finite
 * number}, so a command line can print it as it is.
 */
public class DataFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a complete one-line message. */
  public DataFormatException(String message) {
    super(message);
  }

  /** Creates the exception with a complete one-line message and the low-level cause. */
  public DataFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
