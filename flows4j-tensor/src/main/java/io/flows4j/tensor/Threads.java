package io.flows4j.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The fixed pool of compute threads shared by every kernel. Its size defaults to the number of
 * cores and can be set with the system property {@value #PROPERTY} or {@link #setCount} (the
 * command line's {@code --threads}). The calling thread takes part in the work, so a pool of one
 * thread runs everything on the caller.
 *
 * <p>Work is split into contiguous ranges whose boundaries depend only on the problem size and the
 * number of ranges, and each output element is written by exactly one range, so results do not
 * depend on scheduling.
 *
 * <p>Dispatch is built for many short parallel sections in a row (a training step is a few dozen of
 * them, some only tens of microseconds long): after finishing a range, a worker spins for {@link
 * #SPIN_NANOS} waiting for the next one before it parks, so back-to-back sections start in well
 * under a microsecond instead of the tens of microseconds that waking a parked thread takes.
 * Sections started from inside a worker, or while another thread's section is running, run on their
 * caller alone.
 */
public final class Threads {
  /** System property that sets the thread count at start-up. */
  public static final String PROPERTY = "flows4j.threads";

  /**
   * How long an idle worker (and a caller waiting for workers) spins before parking: long enough to
   * bridge the gaps between the kernels of a training step, short enough that an idle pool stops
   * using the CPU at once.
   */
  public static final long SPIN_NANOS = 200_000;

  /**
   * Busy-wait steps that only pause the CPU (a few microseconds) before waiting turns to yielding.
   */
  private static final int PURE_SPINS = 100;

  private static volatile int count = initialCount();
  private static volatile Pool pool = Pool.create(count);

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
   * Sets the number of threads kernels may use; the previous workers stop once idle.
   *
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public static synchronized void setCount(int threads) {
    Checks.requireArgument(
        threads >= 1, "threads: the thread count must be >= 1, but was %d", threads);
    if (threads == count) {
      return;
    }
    Pool old = pool;
    pool = Pool.create(threads);
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

  /**
   * The most ranges {@link #reductionTasks} cuts a reduction into: results then do not depend on
   * the thread count, and up to this many threads share the work. Each range beyond the first costs
   * one private partial sum and one addition of it, so the number is kept small (2-core machines
   * are the reference; W4's weight gradients spend about 3% of a step on 4 ranges).
   */
  public static final int REDUCTION_TASKS = 4;

  /**
   * The number of contiguous ranges a sum over {@code n} items (e.g. a weight gradient summed over
   * the images of a batch) is cut into: {@code min(REDUCTION_TASKS, n, n / minPerTask)}, at least 1
   * for {@code n > 0}. Unlike {@link #tasksFor} it does not depend on the thread count, so partial
   * sums per range added in range order give the same bits on any number of threads.
   */
  public static int reductionTasks(int n, int minPerTask) {
    if (n <= 0) {
      return 0;
    }
    int byWork = Math.max(1, n / Math.max(1, minPerTask));
    return Math.min(REDUCTION_TASKS, Math.min(byWork, n));
  }

  /**
   * Runs {@code body} over {@code [0, n)} split into exactly {@code tasks} contiguous ranges, range
   * {@code t} being {@code [n t / tasks, n (t + 1) / tasks)}. The ranges run on the pool and the
   * caller; the call returns when all are done. If ranges throw, the first exception is rethrown
   * (after every range has finished).
   *
   * @throws IllegalArgumentException if {@code n < 0} or {@code tasks < 1}
   */
  public static void runSplit(int n, int tasks, RangeBody body) {
    Checks.requireArgument(n >= 0, "runSplit: n must be >= 0, but was %d", n);
    Checks.requireArgument(tasks >= 1, "runSplit: tasks must be >= 1, but was %d", tasks);
    if (tasks == 1) {
      body.run(0, n);
      return;
    }
    Pool p = pool;
    if (p == null
        || Thread.currentThread() instanceof Worker
        || !p.busy.compareAndSet(false, true)) {
      // One thread, a nested section, or the pool is serving another caller: run here.
      Job job = new Job(n, tasks, body);
      job.work();
      job.rethrow();
      return;
    }
    try {
      p.run(new Job(n, tasks, body));
    } finally {
      p.busy.set(false);
    }
  }

  /**
   * One step of a busy wait: a CPU pause for the first {@link #PURE_SPINS} steps, then a yield, so
   * that a thread waiting for work does not keep a descheduled worker (or the program's other
   * threads) off a busy machine's cores.
   */
  private static void pause(int spins) {
    if (spins < PURE_SPINS) {
      Thread.onSpinWait();
    } else {
      Thread.yield();
    }
  }

  private static int from(int n, int tasks, int t) {
    return (int) ((long) n * t / tasks);
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

  /**
   * Numbers the sections, so that a worker remembers which it has seen without keeping it alive.
   */
  private static final AtomicLong SECTIONS = new AtomicLong();

  /** One parallel section: ranges are claimed one at a time by whoever is free. */
  private static final class Job {
    final int n;
    final int tasks;
    final RangeBody body;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger done = new AtomicInteger();
    final Thread caller = Thread.currentThread();
    final long id = SECTIONS.incrementAndGet();
    volatile boolean callerParked;
    volatile Throwable failure;

    Job(int n, int tasks, RangeBody body) {
      this.n = n;
      this.tasks = tasks;
      this.body = body;
    }

    /** Claims and runs ranges until none is left. */
    void work() {
      int t;
      while ((t = next.getAndIncrement()) < tasks) {
        try {
          body.run(from(n, tasks, t), from(n, tasks, t + 1));
        } catch (Throwable e) {
          synchronized (this) {
            if (failure == null) {
              failure = e;
            }
          }
        }
        if (done.incrementAndGet() == tasks && callerParked) {
          LockSupport.unpark(caller);
        }
      }
    }

    /** Waits until every range has finished: spins (yielding the core) first, then parks. */
    void awaitDone() {
      long start = System.nanoTime();
      for (int spins = 0; done.get() < tasks; spins++) {
        if (System.nanoTime() - start < SPIN_NANOS) {
          pause(spins);
        } else {
          callerParked = true;
          if (done.get() < tasks) {
            LockSupport.parkNanos(this, SPIN_NANOS);
          }
          callerParked = false;
        }
      }
    }

    void rethrow() {
      Throwable e = failure;
      if (e instanceof RuntimeException r) {
        throw r;
      }
      if (e instanceof Error r) {
        throw r;
      }
      if (e != null) {
        throw new IllegalStateException("parallel section failed", e);
      }
    }
  }

  /** The workers (one fewer than the thread count: the caller is the last one). */
  private static final class Pool {
    final Worker[] workers;
    final AtomicBoolean busy = new AtomicBoolean();
    volatile Job current;
    volatile boolean shutdown;

    private Pool(int threads) {
      workers = new Worker[threads - 1];
    }

    static Pool create(int threads) {
      if (threads <= 1) {
        return null;
      }
      Pool p = new Pool(threads);
      for (int i = 0; i < p.workers.length; i++) {
        p.workers[i] = new Worker(p, i);
        p.workers[i].start();
      }
      return p;
    }

    void run(Job job) {
      current = job;
      for (Worker w : workers) {
        if (w.parked) {
          LockSupport.unpark(w);
        }
      }
      job.work();
      job.awaitDone();
      // Drop the reference so a finished section's data can be collected.
      current = null;
      job.rethrow();
    }

    void shutdown() {
      shutdown = true;
      for (Worker w : workers) {
        LockSupport.unpark(w);
      }
    }
  }

  /** A compute thread: runs the current section's ranges, spins a while, then parks. */
  private static final class Worker extends Thread {
    private final Pool pool;
    volatile boolean parked;

    Worker(Pool pool, int index) {
      super("flows4j-compute-" + (index + 1));
      this.pool = pool;
      setDaemon(true);
    }

    @Override
    public void run() {
      long last = 0;
      long idleSince = System.nanoTime();
      int spins = 0;
      while (!pool.shutdown) {
        Job job = pool.current;
        if (job != null && job.id != last) {
          last = job.id;
          job.work();
          idleSince = System.nanoTime();
          spins = 0;
        } else if (System.nanoTime() - idleSince < SPIN_NANOS) {
          pause(spins++);
        } else {
          parked = true;
          Job again = pool.current;
          if ((again == null || again.id == last) && !pool.shutdown) {
            LockSupport.park(this);
          }
          parked = false;
          idleSince = System.nanoTime();
          spins = 0;
        }
      }
    }
  }
}
