package io.flows4j.bijectors.residual;

/**
 * Thrown when an iterative solve (the fixed-point inverse of a residual block, or the linear solve
 * of its implicit gradient) does not reach its stated tolerance within its iteration limit. The
 * message names the layer, the iterations run and the residual reached.
 */
public class NonConvergenceException extends ArithmeticException {
  private static final long serialVersionUID = 1L;

  /** The iterations run. */
  private final int iterations;

  /** The largest change of the last iteration, relative to the tolerance's scale. */
  private final double residual;

  /** Creates the exception with a complete message. */
  public NonConvergenceException(String message, int iterations, double residual) {
    super(message);
    this.iterations = iterations;
    this.residual = residual;
  }

  /** The iterations run before giving up. */
  public int iterations() {
    return iterations;
  }

  /** The residual reached: the largest change in the last iteration. */
  public double residual() {
    return residual;
  }
}
