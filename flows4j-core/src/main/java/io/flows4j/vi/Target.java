package io.flows4j.vi;

import io.flows4j.autodiff.Var;
import java.util.OptionalDouble;

/**
 * An unnormalized log-density {@code log p~(x) = -U(x)} over {@code R^D}, written with the
 * differentiable tensor ops ({@link io.flows4j.autodiff.ArithmeticOps}, {@link
 * io.flows4j.autodiff.MathOps}, {@link io.flows4j.autodiff.Reductions}, ...), so that its gradient
 * with respect to {@code x} (and through {@code x} to a flow's parameters) comes from the tape. The
 * normalized target is {@code p(x) = p~(x) / Z}, {@code Z = integral of p~}.
 *
 * <p>A target written by the user needs only {@link #dimension()} and {@link #logDensity}:
 *
 * <pre>{@code
 * Target ring = Target.of("ring", 2, x -> {       // U(x) = (|x| - 2)^2 / (2 * 0.3^2)
 *   Var r = MathOps.sqrt(Reductions.sumRows(MathOps.square(x)));
 *   return ArithmeticOps.scale(MathOps.square(ArithmeticOps.addScalar(r, -2f)), -1f / (2 * 0.09f));
 * });
 * }</pre>
 */
public interface Target {

  /** A short name (the registry's, for built-ins), e.g. {@code U1}. */
  String name();

  /** The dimension {@code D} of {@code x}. */
  int dimension();

  /**
   * The unnormalized log-density {@code -U(x)} of each row, differentiable with respect to {@code
   * x}.
   *
   * @param x points of shape {@code [batch, D]}
   * @return {@code log p~(x)} of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not {@code [batch, D]}
   */
  Var logDensity(Var x);

  /**
   * {@code log Z = log integral of p~(x) dx} when it is known (exactly, or as a reference value of
   * stated accuracy: see the built-in's documentation), so that a KL divergence can be reported.
   */
  default OptionalDouble logNormalizer() {
    return OptionalDouble.empty();
  }

  /** The formula of {@code U}, for help texts and reports. */
  default String description() {
    return name();
  }

  /** The log-density function of {@link #of}. */
  @FunctionalInterface
  interface LogDensity {
    /** {@code -U(x)} of shape {@code [batch]} for {@code x} of shape {@code [batch, D]}. */
    Var apply(Var x);
  }

  /**
   * A target from a function, with unknown {@code log Z}. The input's shape is checked before the
   * function is called.
   *
   * @throws IllegalArgumentException if {@code dimension < 1}, or the name or function is null
   */
  static Target of(String name, int dimension, LogDensity logDensity) {
    return new FormulaTarget(name, dimension, OptionalDouble.empty(), name, logDensity);
  }

  /** As {@link #of(String, int, LogDensity)}, with a known {@code log Z}. */
  static Target of(String name, int dimension, double logNormalizer, LogDensity logDensity) {
    return new FormulaTarget(name, dimension, OptionalDouble.of(logNormalizer), name, logDensity);
  }
}
