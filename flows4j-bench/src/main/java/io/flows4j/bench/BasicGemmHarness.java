package io.flows4j.bench;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Gemm;
import io.flows4j.tensor.kernels.Kernels;
import java.util.Random;

/**
 * Times the start-up SGEMM ({@link Kernels#gemm()}) on random {@code n x n} matrices with {@code
 * beta = 0}: 2 n^3 FLOP per run. Full runs use {@link GemmBench}'s timing; quick runs a few calls.
 */
final class BasicGemmHarness implements GemmHarness {

  @Override
  public JsonLine run(int n, int threads, boolean quick) {
    Checks.requirePositive(n, "bench gemm", "n");
    Checks.requirePositive(threads, "bench gemm", "threads");
    Random rng = new Random(0);
    float[] a = random(rng, n * n);
    float[] b = random(rng, n * n);
    float[] c = new float[n * n];
    Gemm gemm = Kernels.gemm();
    int saved = Threads.count();
    Timing.Result t;
    try {
      Threads.setCount(threads);
      if (quick) {
        Runnable work = () -> gemm.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        t = Timing.median(work, 0.02, 1, 0.05, 3, 1000);
      } else {
        // The full measurement is GemmBench's: warm-up, then the median of 5-15 timed calls.
        t =
            new Timing.Result(
                GemmBench.medianSeconds(gemm, false, false, n, n, n), GemmBench.MIN_SAMPLES);
      }
    } finally {
      Threads.setCount(saved);
    }
    double flop = 2.0 * n * n * n;
    return new JsonLine()
        .put("bench", "gemm")
        .put("n", n)
        .put("threads", threads)
        .put("kernel", gemm.name())
        .put("ms", t.medianSeconds() * 1e3)
        .put("gflops", flop / t.medianSeconds() * 1e-9)
        .put("efficiency", Machine.efficiency(flop, t.medianSeconds(), threads));
  }

  private static float[] random(Random rng, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    return x;
  }
}
