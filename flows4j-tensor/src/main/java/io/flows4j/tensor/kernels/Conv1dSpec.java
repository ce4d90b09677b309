package io.flows4j.tensor.kernels;

import io.flows4j.tensor.Checks;

/**
 * The geometry of a 1-D convolution besides the tensor shapes: zero padding on each side, dilation
 * and channel groups (stride is always 1). With kernel size {@code K}, an input of length {@code T}
 * gives an output of length {@code T + padLeft + padRight - dilation (K - 1)}.
 *
 * @param padLeft zeros added before the first time step, at least 0
 * @param padRight zeros added after the last time step, at least 0
 * @param dilation spacing between kernel taps, at least 1
 * @param groups number of channel groups, at least 1; input and output channels must both be
 *     multiples of it
 */
public record Conv1dSpec(int padLeft, int padRight, int dilation, int groups) {

  /**
   * Validates the geometry.
   *
   * @throws IllegalArgumentException if a padding is negative or dilation or groups is below 1
   */
  public Conv1dSpec {
    Checks.requireNonNegative(padLeft, "conv1d", "padLeft");
    Checks.requireNonNegative(padRight, "conv1d", "padRight");
    Checks.requirePositive(dilation, "conv1d", "dilation");
    Checks.requirePositive(groups, "conv1d", "groups");
  }

  /** Equal padding on both sides. */
  public static Conv1dSpec symmetric(int padding, int dilation, int groups) {
    return new Conv1dSpec(padding, padding, dilation, groups);
  }

  /**
   * "Same" padding: the output has the input's length. The total padding {@code dilation (K - 1)}
   * is split with the extra zero (for an even span) on the right.
   *
   * @throws IllegalArgumentException if {@code kernelSize < 1} or another argument is invalid
   */
  public static Conv1dSpec same(int kernelSize, int dilation, int groups) {
    Checks.requirePositive(kernelSize, "conv1d", "kernelSize");
    Checks.requirePositive(dilation, "conv1d", "dilation");
    int total = dilation * (kernelSize - 1);
    return new Conv1dSpec(total / 2, total - total / 2, dilation, groups);
  }

  /** The output length for an input of length {@code length} and kernel size {@code kernelSize}. */
  public int outputLength(int length, int kernelSize) {
    return length + padLeft + padRight - dilation * (kernelSize - 1);
  }
}
