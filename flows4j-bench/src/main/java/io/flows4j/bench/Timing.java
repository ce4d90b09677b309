package io.flows4j.bench;

import java.util.Arrays;

/** Runs a piece of work repeatedly and reports the median wall time of one run. */
final class Timing {
  private Timing() {}

  /** The timed result: median and count of the timed runs. */
  record Result(double medianSeconds, int runs) {}

  /**
   * Runs {@code work} for about {@code warmupSeconds} (at least {@code minWarmup} times) to let the
   * JIT compile it, then times single runs until {@code measureSeconds} have passed and at least
   * {@code minRuns} were timed (at most {@code maxRuns}), and returns their median.
   */
  static Result median(
      Runnable work,
      double warmupSeconds,
      int minWarmup,
      double measureSeconds,
      int minRuns,
      int maxRuns) {
    long end = System.nanoTime() + (long) (warmupSeconds * 1e9);
    for (int i = 0; i < minWarmup || System.nanoTime() < end; i++) {
      work.run();
    }
    double[] times = new double[maxRuns];
    int n = 0;
    end = System.nanoTime() + (long) (measureSeconds * 1e9);
    while (n < maxRuns && (n < minRuns || System.nanoTime() < end)) {
      long t0 = System.nanoTime();
      work.run();
      times[n++] = (System.nanoTime() - t0) * 1e-9;
    }
    double[] sorted = Arrays.copyOf(times, n);
    Arrays.sort(sorted);
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    return new Result(median, n);
  }
}
