package io.flows4j.bijectors;

/**
 * Thrown when an iterative computation (a numerical inverse, say) does not reach its stated
 * tolerance. The message names the operation, the iterations spent, the residual reached and the
 * tolerance asked for.
 */
public class NonConvergenceException extends ArithmeticException {
  private static final long serialVersionUID = 1L;

  private final int iterations;
  private final double residual;

  /**
   * Creates the exception.
   *
   * @param op the operation, e.g. {@code "Planar.forward"}
   * @param iterations iterations spent
   * @param residual the residual reached
   * @param tolerance the residual asked for
   */
  public NonConvergenceException(String op, int iterations, double residual, double tolerance) {
    super(
        op
            + ": the iteration must reach a residual <= "
            + tolerance
            + ", but after "
            + iterations
            + " iterations it was "
            + residual);
    this.iterations = iterations;
    this.residual = residual;
  }

  /**
   * Creates the exception with a complete message, for iterations whose residual is not a single
   * number against a single tolerance (a fixed-point iteration over a batch, say).
   *
   * @param message names the operation, the iterations and the residual reached
   * @param iterations iterations spent
   * @param residual the residual reached
   */
  public NonConvergenceException(String message, int iterations, double residual) {
    super(message);
    this.iterations = iterations;
    this.residual = residual;
  }

  /** Iterations spent before giving up. */
  public int iterations() {
    return iterations;
  }

  /** The residual reached. */
  public double residual() {
    return residual;
  }
}
