package io.flows4j.bench;

/** Figures of the reference machine of BENCHMARKS.md used to turn times into efficiencies. */
public final class Machine {
  /**
   * Float32 peak of one core of the 2-core Zen 4 reference machine: 32 FLOP per cycle at about 3.6
   * GHz, in GFLOP/s.
   */
  public static final double PEAK_GFLOPS_PER_CORE = 116;

  private Machine() {}

  /**
   * The efficiency of a run: the shortest time the arithmetic allows on {@code threads} cores at
   * peak, divided by the measured time.
   *
   * @param flop floating-point operations of one run
   * @param seconds measured time of one run
   */
  public static double efficiency(double flop, double seconds, int threads) {
    double limit = flop / (PEAK_GFLOPS_PER_CORE * 1e9 * threads);
    return limit / seconds;
  }
}
