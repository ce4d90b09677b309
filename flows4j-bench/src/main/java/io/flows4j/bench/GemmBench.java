package io.flows4j.bench;

import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Gemm;
import io.flows4j.tensor.kernels.Kernels;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The SGEMM speed harness behind {@code flows4j bench gemm}: times {@code C = A B} for square
 * matrices (n = 64, 256, 1024, 2048) and prints one JSON line per case,
 *
 * <pre>{"bench":"gemm","n":256,"threads":1,"provider":"vector-512","gflops":93.1,"efficiency":0.80}
 * </pre>
 *
 * where {@code gflops = 2 n^3 / median time} and {@code efficiency = gflops / (}{@value
 * #PEAK_GFLOPS_PER_CORE}{@code * threads)}. Each case is warmed up (so the JIT has compiled the
 * kernels) and then timed over repeated runs; the median is reported, so a busy machine shows as
 * noise rather than as a bias.
 *
 * <p>{@link #runShapes} times the products of linear layers used by flows (batch x features, in the
 * three transpose forms of forward and backward passes) with the same method.
 *
 * <p>From the command line (classpath as in {@link GemmBenchmark}):
 *
 * <pre>
 * $JAVA_HOME/bin/java --add-modules jdk.incubator.vector \
 *     -cp flows4j-bench/target/classes:$(cat flows4j-bench/target/cp.txt) \
 *     io.flows4j.bench.GemmBench [--threads T] [--provider vector|scalar] [--shapes]
 * </pre>
 */
public final class GemmBench {
  /**
   * Single-precision peak of one core of the reference machine in GFLOP/s: Zen 4 retires one
   * 16-lane fused multiply-add per cycle (32 FLOP) at about 3.6 GHz.
   */
  public static final double PEAK_GFLOPS_PER_CORE = 116.0;

  /** The square sizes timed by {@link #run(int, PrintStream)}. */
  public static final int[] SIZES = {64, 256, 1024, 2048};

  /** Layer shapes {@code {m, n, k}} timed by {@link #runShapes}. */
  public static final int[][] SHAPES = {{256, 64, 64}, {512, 256, 256}, {256, 2, 64}, {256, 64, 2}};

  /** Transpose forms of {@link #SHAPES}: forward {@code X W}, {@code X W^T}, weight gradient. */
  public static final String[] FORMS = {"NN", "NT", "TN"};

  /** Minimum warm-up time per case. */
  static final long WARMUP_NANOS = 1_000_000_000L;

  /** Minimum time per timed sample (several calls are batched below it). */
  static final long SAMPLE_NANOS = 20_000_000L;

  /** Minimum and maximum number of timed samples per case. */
  static final int MIN_SAMPLES = 5;

  static final int MAX_SAMPLES = 15;

  /** Minimum total timed duration per case, after which sampling stops. */
  static final long MEASURE_NANOS = 1_500_000_000L;

  private GemmBench() {}

  /**
   * Times the square products with the provider chosen at start-up, printing one JSON line per size
   * to {@code out}.
   *
   * @return the printed lines
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public static List<String> run(int threads, PrintStream out) {
    return run(Kernels.gemm(), threads, SIZES, out::println);
  }

  /** As {@link #run(int, PrintStream)}, printing to a writer (flushed after each line). */
  public static List<String> run(int threads, PrintWriter out) {
    return run(
        Kernels.gemm(),
        threads,
        SIZES,
        line -> {
          out.println(line);
          out.flush();
        });
  }

  /**
   * Times {@code gemm} on square products of the given sizes with {@code threads} threads (the
   * pool's size is restored afterwards), passing each JSON line to {@code out} as soon as it is
   * measured.
   *
   * @return the lines
   * @throws IllegalArgumentException if {@code threads < 1} or a size is {@code < 1}
   */
  public static List<String> run(Gemm gemm, int threads, int[] sizes, Consumer<String> out) {
    List<String> lines = new ArrayList<>();
    withThreads(
        threads,
        () -> {
          for (int n : sizes) {
            if (n < 1) {
              throw new IllegalArgumentException("bench gemm: sizes must be >= 1, but was " + n);
            }
            double seconds = medianSeconds(gemm, false, false, n, n, n);
            String line = line(n, threads, gemm.name(), 2.0 * n * n * n / seconds / 1e9);
            lines.add(line);
            out.accept(line);
          }
        });
    return lines;
  }

  /**
   * Times {@code gemm} on the layer shapes {@link #SHAPES} in each form of {@link #FORMS}: {@code
   * NN} is {@code C[m, n] = A[m, k] B[k, n]}, {@code NT} is {@code A[m, k] B[n, k]^T} and {@code
   * TN} is {@code A[k, m]^T B[k, n]}. Lines look like {@code
   * {"bench":"gemm-shape","m":256,"n":64,"k":64,"form":"NT","threads":1,"provider":"vector-512",
   * "us":20.1,"gflops":104.2,"efficiency":0.90}}.
   *
   * @return the lines
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public static List<String> runShapes(Gemm gemm, int threads, Consumer<String> out) {
    List<String> lines = new ArrayList<>();
    withThreads(
        threads,
        () -> {
          for (int[] s : SHAPES) {
            for (String form : FORMS) {
              double seconds =
                  medianSeconds(
                      gemm, form.charAt(0) == 'T', form.charAt(1) == 'T', s[0], s[1], s[2]);
              double gflops = 2.0 * s[0] * s[1] * s[2] / seconds / 1e9;
              String line =
                  String.format(
                      Locale.ROOT,
                      "{\"bench\":\"gemm-shape\",\"m\":%d,\"n\":%d,\"k\":%d,\"form\":\"%s\","
                          + "\"threads\":%d,\"provider\":\"%s\",\"us\":%.2f,\"gflops\":%.1f,"
                          + "\"efficiency\":%.2f}",
                      s[0],
                      s[1],
                      s[2],
                      form,
                      threads,
                      gemm.name(),
                      seconds * 1e6,
                      gflops,
                      gflops / (PEAK_GFLOPS_PER_CORE * threads));
              lines.add(line);
              out.accept(line);
            }
          }
        });
    return lines;
  }

  /**
   * One result line: {@code {"bench":"gemm","n":N,"threads":T,"provider":"P","gflops":G,
   * "efficiency":E}} with G to one decimal and {@code E = G / (PEAK_GFLOPS_PER_CORE T)} to two.
   */
  static String line(int n, int threads, String provider, double gflops) {
    return String.format(
        Locale.ROOT,
        "{\"bench\":\"gemm\",\"n\":%d,\"threads\":%d,\"provider\":\"%s\",\"gflops\":%.1f,"
            + "\"efficiency\":%.2f}",
        n,
        threads,
        provider,
        gflops,
        gflops / (PEAK_GFLOPS_PER_CORE * threads));
  }

  /** Command line: {@code [--threads T] [--provider vector|scalar] [--shapes]}. */
  public static void main(String[] args) {
    int threads = Threads.count();
    Gemm gemm = Kernels.gemm();
    boolean shapes = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--threads" -> threads = Integer.parseInt(value(args, ++i, "--threads"));
        case "--provider" -> gemm = provider(value(args, ++i, "--provider"));
        case "--shapes" -> shapes = true;
        default ->
            throw new IllegalArgumentException(
                "bench gemm: unknown option '"
                    + args[i]
                    + "'; expected --threads T, --provider vector|scalar or --shapes");
      }
    }
    if (shapes) {
      runShapes(gemm, threads, System.out::println);
    } else {
      run(gemm, threads, SIZES, System.out::println);
    }
  }

  private static String value(String[] args, int i, String option) {
    if (i >= args.length) {
      throw new IllegalArgumentException("bench gemm: " + option + " needs a value");
    }
    return args[i];
  }

  private static Gemm provider(String name) {
    return switch (name) {
      case "scalar" -> Kernels.scalarGemm();
      case "vector" ->
          Kernels.vectorGemm()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "bench gemm: the vector provider needs --add-modules "
                              + Kernels.VECTOR_MODULE));
      default ->
          throw new IllegalArgumentException(
              "bench gemm: --provider must be 'vector' or 'scalar', but was '" + name + "'");
    };
  }

  private static void withThreads(int threads, Runnable body) {
    int saved = Threads.count();
    Threads.setCount(threads);
    try {
      body.run();
    } finally {
      Threads.setCount(saved);
    }
  }

  /** Median time of one product, after warm-up; several calls per sample when they are short. */
  static double medianSeconds(Gemm gemm, boolean transA, boolean transB, int m, int n, int k) {
    Random rnd = new Random(42);
    float[] a = random(rnd, m * k);
    float[] b = random(rnd, k * n);
    float[] c = new float[m * n];
    int lda = Math.max(1, transA ? m : k);
    int ldb = Math.max(1, transB ? k : n);
    Runnable call =
        () -> gemm.sgemm(transA, transB, m, n, k, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
    long start = System.nanoTime();
    int calls = 0;
    long elapsed;
    do {
      call.run();
      calls++;
      elapsed = System.nanoTime() - start;
    } while (elapsed < WARMUP_NANOS || calls < 3);
    int perSample = (int) Math.max(1, Math.min(1_000_000, SAMPLE_NANOS * calls / elapsed));
    double[] samples = new double[MAX_SAMPLES];
    int count = 0;
    long measureStart = System.nanoTime();
    while (count < MAX_SAMPLES
        && (count < MIN_SAMPLES || System.nanoTime() - measureStart < MEASURE_NANOS)) {
      long t0 = System.nanoTime();
      for (int r = 0; r < perSample; r++) {
        call.run();
      }
      samples[count++] = (System.nanoTime() - t0) / 1e9 / perSample;
    }
    double[] sorted = Arrays.copyOf(samples, count);
    Arrays.sort(sorted);
    return count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
  }

  private static float[] random(Random rnd, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = rnd.nextFloat() * 2 - 1;
    }
    return x;
  }
}
