package io.flows4j.bijectors.lowrank;

import io.flows4j.bijectors.NonConvergenceException;

/**
 * Scalar numerics shared by the planar, radial and Sylvester layers: the minimum slope of their
 * constraints and the bracketed Newton solver of their numerical direction.
 */
final class LowRankMath {
  /**
   * The smallest slope of every constrained layer: each scalar factor of a Jacobian determinant
   * ({@code 1 + h' w^T u} for planar, {@code 1 + beta h} and {@code 1 + beta h + beta h' r} for
   * radial, {@code 1 + r_ii r~_ii h'} for Sylvester) is at least this for any raw parameters. The
   * papers' bounds ({@code w^T u >= -1}, {@code beta >= -alpha}, {@code r_ii r~_ii >= -1}) allow 0,
   * which floating point reaches (a softplus of a very negative raw value underflows), and then the
   * map folds and its log-determinant is {@code -inf}. Same floor as {@code LULinear}'s diagonal.
   */
  static final double MIN_SLOPE = 1e-3;

  /**
   * Relative tolerance of the scalar solves: {@code |v + p tanh(q v + c) - t| <= SOLVE_TOLERANCE
   * (|t| + |p| + 1)}, in double, or the bracket has shrunk to adjacent doubles. Far below float
   * rounding, so the numerical direction is as accurate as the closed form it inverts.
   */
  static final double SOLVE_TOLERANCE = 1e-12;

  /** Iterations after which a scalar solve gives up (it needs about 5 to 10 in practice). */
  static final int MAX_ITERATIONS = 200;

  private LowRankMath() {}

  /**
   * Solves {@code v + p tanh(q v + c) = t} for {@code v}, where {@code 1 + p q tanh'(.) > 0}
   * everywhere (the layers' constraints guarantee it), so the left side is strictly increasing and
   * the root unique. Since {@code |tanh| < 1} the root lies in {@code [t - |p|, t + |p|]}; Newton
   * steps are taken inside that bracket, and a bisection step replaces any Newton step that would
   * leave it or that does not at least halve the step before last.
   *
   * @param op the layer's operation, for the exception
   * @return the root, to {@link #SOLVE_TOLERANCE}
   * @throws NonConvergenceException if the tolerance is not reached in {@link #MAX_ITERATIONS}
   *     (impossible for finite arguments satisfying the constraint)
   */
  static double solveTanh(String op, double t, double p, double q, double c) {
    double ap = Math.abs(p);
    double lo = t - ap;
    double hi = t + ap;
    double tol = SOLVE_TOLERANCE * (Math.abs(t) + ap + 1);
    // One fixed-point step as the start: exact when the update is nearly constant near t.
    double v = t - p * Math.tanh(q * t + c);
    if (!(v >= lo && v <= hi)) {
      v = 0.5 * (lo + hi);
    }
    double step = hi - lo;
    double stepBefore = step;
    double f = Double.NaN;
    for (int it = 0; it < MAX_ITERATIONS; it++) {
      double th = Math.tanh(q * v + c);
      f = v + p * th - t;
      if (Math.abs(f) <= tol) {
        return v;
      }
      if (f < 0) {
        lo = v;
      } else {
        hi = v;
      }
      if (!(hi - lo > Math.ulp(Math.max(Math.abs(lo), Math.abs(hi))) * 2)) {
        return v;
      }
      double slope = 1 + p * q * (1 - th * th);
      double next = v - f / slope;
      double newtonStep = Math.abs(next - v);
      if (!(next > lo && next < hi) || 2 * newtonStep > stepBefore) {
        next = 0.5 * (lo + hi);
        newtonStep = Math.abs(next - v);
      }
      stepBefore = step;
      step = newtonStep;
      v = next;
    }
    throw new NonConvergenceException(op, MAX_ITERATIONS, Math.abs(f), tol);
  }
}
