package io.flows4j.io;

/**
 * Thrown for text that is not valid JSON, or for a JSON value that lacks an expected member or has
 * the wrong type. The message says what was expected, what was found and, when parsing, where
 * ({@code json: expected ':' after a member name, but found '}' at line 1, column 9}).
 */
public class JsonException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message that starts with {@code json:}. */
  public JsonException(String message) {
    super(message);
  }
}
