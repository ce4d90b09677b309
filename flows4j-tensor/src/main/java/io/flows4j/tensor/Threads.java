package io.flows4j.tensor;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;

/**
 * The fixed pool of compute threads shared by every kernel. Its size defaults to the number of
 * cores and can be set with the system property {@code flows4j.threads} or {@link #setCount} (the
 * command line's {@code --threads}). The calling thread takes part in the work, so a pool of one
 * thread runs everything on the caller.
 *
 * <p>Work is split into contiguous ranges whose boundaries depend only on the problem size and the
 * thread count, and each output element is written by exactly one task, so results do not depend on
 * scheduling.
 */
public final class Threads {
  /** System property that sets the thread count at start-up. */
  public static final String PROPERTY = "flows4j.threads";

  private static volatile int count = initialCount();
  private static volatile ForkJoinPool pool = newPool(count);

  private Threads() {}

  /** Work done on one contiguous range {@code [from, to)} of indices. */
  @FunctionalInterface
  public interface RangeBody {
    /** Processes indices {@code from} (inclusive) to {@code to} (exclusive). */
    void run(int from, int to);
  }

  /** The number of threads kernels may use (at least 1). */
  public static int count() {
    return count;
  }

  /**
   * Sets the number of threads kernels may use.
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public static synchronized void setCount(int threads) {
    Checks.requireArgument(threads >= 1, "threads: must be >= 1, but was %d", threads);
    if (threads == count) {
      return;
    }
    ForkJoinPool old = pool;
    pool = newPool(threads);
    count = threads;
    if (old != null) {
      old.shutdown();
    }
  }

  /**
   * Runs {@code body} over {@code [0, n)} split into at most {@link #count()} contiguous ranges of
   * at least {@code minPerTask} indices each; runs on the caller alone when one range suffices.
   */
  public static void parallelRange(int n, int minPerTask, RangeBody body) {
    int tasks = tasksFor(n, minPerTask);
    if (tasks <= 1) {
      if (n > 0) {
        body.run(0, n);
      }
      return;
    }
    runSplit(n, tasks, body);
  }

  /**
   * The number of ranges {@link #parallelRange} would use for {@code n} indices with at least
   * {@code minPerTask} each.
   */
  public static int tasksFor(int n, int minPerTask) {
    if (n <= 0) {
      return 0;
    }
    int byWork = Math.max(1, n / Math.max(1, minPerTask));
    return Math.min(count, Math.min(byWork, n));
  }

  /** Runs {@code body} over {@code [0, n)} split into exactly {@code tasks} contiguous ranges. */
  public static void runSplit(int n, int tasks, RangeBody body) {
    if (tasks <= 1 || ForkJoinTask.inForkJoinPool()) {
      body.run(0, n);
      return;
    }
    ForkJoinPool p = pool;
    RecursiveAction[] actions = new RecursiveAction[tasks - 1];
    for (int t = 1; t < tasks; t++) {
      int from = (int) ((long) n * t / tasks);
      int to = (int) ((long) n * (t + 1) / tasks);
      actions[t - 1] =
          new RecursiveAction() {
            private static final long serialVersionUID = 1L;

            @Override
            protected void compute() {
              body.run(from, to);
            }
          };
      p.execute(actions[t - 1]);
    }
    RuntimeException failure = null;
    try {
      body.run(0, (int) ((long) n / tasks));
    } catch (RuntimeException e) {
      failure = e;
    }
    for (RecursiveAction a : actions) {
      try {
        a.join();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private static int initialCount() {
    String v = System.getProperty(PROPERTY);
    if (v == null || v.isBlank()) {
      return Runtime.getRuntime().availableProcessors();
    }
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          PROPERTY + ": must be a whole number >= 1, but was '" + v + "'", e);
    }
    Checks.requireArgument(n >= 1, "%s: must be >= 1, but was %d", PROPERTY, n);
    return n;
  }

  private static ForkJoinPool newPool(int threads) {
    if (threads <= 1) {
      return null;
    }
    return new ForkJoinPool(
        threads - 1,
        p -> {
          var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
          t.setDaemon(true);
          t.setName("flows4j-compute-" + t.getPoolIndex());
          return t;
        },
        null,
        false);
  }
}
