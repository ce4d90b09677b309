package io.flows4j.bijectors;

import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;

/**
 * The result of applying a bijector in either direction: the transformed value and the log of the
 * absolute Jacobian determinant of that direction, one per batch row. Returning both together means
 * the two can never disagree.
 *
 * @param value the output, of shape {@code [batch, ...]}
 * @param logAbsDet {@code log|det J|} of the direction applied, of shape {@code [batch]}
 */
public record Transformed(Var value, Var logAbsDet) {
  /**
   * Checks that there is one log-determinant per batch row.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code logAbsDet} is not {@code [batch]}
   */
  public Transformed {
    Checks.requireShape(
        logAbsDet.shape().rank() == 1 && logAbsDet.shape().dim(0) == value.shape().batch(),
        "Transformed: logAbsDet must have shape [%d], but was %s",
        value.shape().batch(),
        logAbsDet.shape());
  }
}
