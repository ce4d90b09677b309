package io.flows4j.bench;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Gemm;
import io.flows4j.tensor.kernels.Kernels;
import java.util.Random;

/**
 * Times the start-up SGEMM ({@link Kernels#gemm()}) on random {@code n x n} matrices with {@code
 * beta = 0}: 2 n^3 FLOP per run, median over runs after a warm-up.
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
      Runnable work = () -> gemm.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
      t =
          quick
              ? Timing.median(work, 0.02, 1, 0.05, 3, 1000)
              : Timing.median(work, 1, 3, 2, 5, 100_000);
    } finally {
      Threads.setCount(saved);
    }
    double flop = 2.0 * n * n * n;
    return new JsonLine()
        .put("bench", "gemm")
        .put("n", n)
        .put("threads", threads)
        .put("kernel", gemm.name())
        .put("runs", t.runs())
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
