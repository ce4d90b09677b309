package io.flows4j.tensor;

/**
 * Thrown when an operation receives tensors whose shapes do not fit together. The message names the
 * operation and the shapes, e.g. {@code matmul: inner dimensions differ: [32, 5] x [4, 64]}.
 */
public class ShapeMismatchException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message of the form {@code <op>: <what>}. */
  public ShapeMismatchException(String message) {
    super(message);
  }
}
