package io.flows4j.autodiff;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Arrays of exact lengths kept for reuse, one pool per thread, so that a training step that repeats
 * the same shapes allocates no new arrays after the first step.
 */
final class BufferPool {
  private static final ThreadLocal<BufferPool> LOCAL = ThreadLocal.withInitial(BufferPool::new);

  private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();

  static BufferPool local() {
    return LOCAL.get();
  }

  /** An array of exactly {@code length} floats with unspecified contents. */
  float[] take(int length) {
    ArrayDeque<float[]> q = free.get(length);
    float[] a = q == null ? null : q.pollLast();
    return a != null ? a : new float[length];
  }

  /** Returns an array for reuse. */
  void give(float[] a) {
    free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(a);
  }
}
