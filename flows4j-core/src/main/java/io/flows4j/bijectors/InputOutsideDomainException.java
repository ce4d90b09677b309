package io.flows4j.bijectors;

/**
 * Thrown when a bijector is applied to a value outside the domain of the direction taken, for
 * example {@code Logit.forward} of {@code 1.5}, whose domain is {@code (0, 1)}. The message names
 * the operation, the offending value, where it is, and the domain.
 */
public class InputOutsideDomainException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a complete message. */
  public InputOutsideDomainException(String message) {
    super(message);
  }

  /**
   * The exception for element {@code index} of a {@code [rows, cols]} view of the input: {@code
   * "<op>: input must lie in <domain>, but element [row, col] was <value>"}.
   *
   * @param op the operation, e.g. {@code "Logit.forward"}
   * @param domain the domain as text, e.g. {@code "(0, 1)"}
   * @param value the offending value
   * @param row its batch row
   * @param col its position within the row (flat, row-major)
   */
  static InputOutsideDomainException of(String op, String domain, float value, int row, int col) {
    return new InputOutsideDomainException(
        op
            + ": input must lie in "
            + domain
            + ", but element ["
            + row
            + ", "
            + col
            + "] was "
            + value);
  }
}
