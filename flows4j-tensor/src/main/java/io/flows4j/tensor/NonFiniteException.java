package io.flows4j.tensor;

/** Thrown when a value that must be finite (a loss, a gradient, an input) is NaN or infinite. */
public class NonFiniteException extends ArithmeticException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception; the message names the op or parameter where the value appeared. */
  public NonFiniteException(String message) {
    super(message);
  }
}
