package io.flows4j.autodiff;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Arrays of exact lengths kept for reuse, one pool per thread, so that a training step that repeats
 * the same shapes allocates no new arrays after the first step.
 *
 * <p>The pool keeps at most {@link #capacity()} floats: when a returned array would exceed it, the
 * arrays of the lengths least recently asked for are dropped (left to the garbage collector).
 * Without the bound, a model whose batches change shape every step (variable-length speech batches)
 * keeps every step's arrays forever and runs out of memory within a few dozen steps (measured:
 * Glow-TTS on the speech corpus, 6 GB heap, step 20).
 */
final class BufferPool {
  private static final ThreadLocal<BufferPool> LOCAL = ThreadLocal.withInitial(BufferPool::new);

  /** The default bound: a quarter of the heap, in floats. */
  static final long DEFAULT_CAPACITY = Runtime.getRuntime().maxMemory() / 4 / Float.BYTES;

  /** Lengths in order of last use (access order), the least recent first. */
  private final Map<Integer, ArrayDeque<float[]>> free = new LinkedHashMap<>(16, 0.75f, true);

  private final long capacity;
  private long held;

  BufferPool() {
    this(DEFAULT_CAPACITY);
  }

  BufferPool(long capacity) {
    this.capacity = capacity;
  }

  static BufferPool local() {
    return LOCAL.get();
  }

  /** The most floats this pool keeps. */
  long capacity() {
    return capacity;
  }

  /** The floats this pool keeps now. */
  long held() {
    return held;
  }

  /** An array of exactly {@code length} floats with unspecified contents. */
  float[] take(int length) {
    ArrayDeque<float[]> q = free.get(length);
    float[] a = q == null ? null : q.pollLast();
    if (a == null) {
      return new float[length];
    }
    held -= length;
    return a;
  }

  /** Returns an array for reuse; drops the least recently used lengths to stay within capacity. */
  void give(float[] a) {
    if (a.length > capacity) {
      return;
    }
    free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(a);
    held += a.length;
    Iterator<Map.Entry<Integer, ArrayDeque<float[]>>> it = free.entrySet().iterator();
    while (held > capacity && it.hasNext()) {
      Map.Entry<Integer, ArrayDeque<float[]>> e = it.next();
      if (e.getKey() == a.length) {
        continue; // the length just returned is the most recent; evict it last
      }
      held -= (long) e.getKey() * e.getValue().size();
      it.remove();
    }
    ArrayDeque<float[]> own = free.get(a.length);
    while (held > capacity && own != null && !own.isEmpty()) {
      own.pollFirst();
      held -= a.length;
    }
  }
}
