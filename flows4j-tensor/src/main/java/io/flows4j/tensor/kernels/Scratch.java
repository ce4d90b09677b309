package io.flows4j.tensor.kernels;

/**
 * Per-thread work arrays that kernels reuse from call to call (im2col column buffers, masked
 * gradients, partial sums), so a training step that repeats the same shapes allocates no large
 * arrays. Each slot grows to the largest size asked of it on its thread and is kept for the life of
 * the thread. A kernel must not hold a slot across a call that may use the same slot.
 */
final class Scratch {
  /** im2col column buffer. */
  static final int COLUMNS = 0;

  /** Column gradient buffer of the backward pass. */
  static final int COLUMN_GRADIENT = 1;

  /** A masked copy of an output gradient. */
  static final int MASKED_GRADIENT = 2;

  /** Per-task partial weight gradients, owned by the calling thread. */
  static final int PARTIALS = 3;

  /** A rearranged copy of a weight, owned by the calling thread, read by every task. */
  static final int REARRANGED_WEIGHT = 4;

  private static final int SLOTS = 5;
  private static final ThreadLocal<float[][]> LOCAL =
      ThreadLocal.withInitial(() -> new float[SLOTS][0]);

  private Scratch() {}

  /**
   * This thread's array of slot {@code slot}, at least {@code length} long, contents unspecified.
   */
  static float[] get(int slot, int length) {
    float[][] slots = LOCAL.get();
    if (slots[slot].length < length) {
      slots[slot] = new float[length];
    }
    return slots[slot];
  }
}
