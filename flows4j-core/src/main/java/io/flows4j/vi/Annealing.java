package io.flows4j.vi;

import io.flows4j.tensor.Checks;

/**
 * The inverse temperature {@code beta_t} that weighs the target in the annealed reverse-KL loss
 * {@code E_q[log q(x) - beta_t log p~(x)]} at step {@code t} (counted from 0): either constant, or
 * linear {@code beta_t = min(1, start + t / steps)}, which rises from {@code start} and reaches 1
 * after {@code (1 - start) steps} steps. Annealing lets the flow spread out over a flattened target
 * before the modes sharpen (Rezende and Mohamed 2015, Section 6.1; BENCHMARKS.md W2 anneals U1 with
 * {@code min(1, 0.01 + t / 5000)}).
 *
 * @param start {@code beta_0}, finite and {@code > 0}; at most 1 when annealed
 * @param steps the length of the ramp ({@code beta} grows by {@code 1 / steps} per step), or 0 for
 *     a constant {@code beta_t = start}; {@code >= 0}
 */
public record Annealing(double start, int steps) {

  /** {@code beta_0} of the W2 protocol's schedule. */
  public static final double W2_START = 0.01;

  /** The ramp length of the W2 protocol's schedule (U1 only). */
  public static final int W2_STEPS = 5000;

  /**
   * Validates the fields.
   *
   * @throws IllegalArgumentException if {@code start} is not finite and {@code > 0}, {@code steps <
   *     0}, or {@code start > 1} with {@code steps > 0}
   */
  public Annealing {
    Checks.requireArgument(
        start > 0 && Double.isFinite(start),
        "Annealing: start must be finite and > 0, but was %s",
        start);
    Checks.requireNonNegative(steps, "Annealing", "steps");
    Checks.requireArgument(
        steps == 0 || start <= 1,
        "Annealing: start must be <= 1 when annealed over %d steps, but was %s",
        steps,
        start);
  }

  /** No annealing: {@code beta_t = 1}. */
  public static Annealing none() {
    return new Annealing(1, 0);
  }

  /**
   * A constant inverse temperature ({@code beta < 1} flattens the target, {@code > 1} sharpens it).
   *
   * @throws IllegalArgumentException if {@code beta} is not finite and {@code > 0}
   */
  public static Annealing constant(double beta) {
    return new Annealing(beta, 0);
  }

  /**
   * Linear annealing {@code beta_t = min(1, start + t / steps)}.
   *
   * @throws IllegalArgumentException if {@code start} is not in {@code (0, 1]} or {@code steps < 1}
   */
  public static Annealing linear(double start, int steps) {
    Checks.requirePositive(steps, "Annealing.linear", "steps");
    return new Annealing(start, steps);
  }

  /** The W2 protocol's schedule for U1: {@code min(1, 0.01 + t / 5000)}. */
  public static Annealing w2() {
    return linear(W2_START, W2_STEPS);
  }

  /** Whether {@code beta} changes with the step. */
  public boolean annealed() {
    return steps > 0;
  }

  /**
   * {@code beta_t} at step {@code t}, counted from 0 (the first step of a run uses {@code beta_0}).
   *
   * @throws IllegalArgumentException if {@code t < 0}
   */
  public double beta(int t) {
    Checks.requireNonNegative(t, "Annealing.beta", "step");
    return steps == 0 ? start : Math.min(1.0, start + (double) t / steps);
  }
}
