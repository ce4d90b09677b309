package io.flows4j.bench;

import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Gemm;
import io.flows4j.tensor.kernels.Kernels;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH benchmark of square SGEMM {@code C = A B} ({@code n x n}) racing the providers against each
 * other, on one or more threads. GFLOP/s = {@code 2 n^3 / time}.
 *
 * <p>Run it from the repository root with the JDK 25 ({@code compile} generates the JMH glue code;
 * {@code dependency:build-classpath} writes the classpath, sibling modules included, to {@code
 * flows4j-bench/target/cp.txt}):
 *
 * <pre>
 * export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
 * mvn -q -B -pl flows4j-bench -am compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * $JAVA_HOME/bin/java --add-modules jdk.incubator.vector \
 *     -cp flows4j-bench/target/classes:$(cat flows4j-bench/target/cp.txt) \
 *     org.openjdk.jmh.Main GemmBenchmark -p n=256 -p provider=vector -p threads=1
 * </pre>
 *
 * <p>Leave out the {@code -p} options to run every combination (long); {@code -prof gc} shows that
 * a warm call allocates only a few small objects.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class GemmBenchmark {
  /** Matrix size. */
  @Param({"64", "256", "1024", "2048"})
  public int n;

  /** {@code vector} or {@code scalar}. */
  @Param({"vector", "scalar"})
  public String provider;

  /** Compute threads. */
  @Param({"1", "2"})
  public int threads;

  private Gemm gemm;
  private float[] a;
  private float[] b;
  private float[] c;
  private int savedThreads;

  /** Allocates the operands and selects the provider and thread count. */
  @Setup(Level.Trial)
  public void setUp() {
    gemm =
        switch (provider) {
          case "scalar" -> Kernels.scalarGemm();
          case "vector" ->
              Kernels.vectorGemm()
                  .orElseThrow(
                      () -> new IllegalStateException("the vector provider needs the module"));
          default -> throw new IllegalArgumentException("provider: " + provider);
        };
    savedThreads = Threads.count();
    Threads.setCount(threads);
    Random rnd = new Random(42);
    a = new float[n * n];
    b = new float[n * n];
    c = new float[n * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = rnd.nextFloat() * 2 - 1;
      b[i] = rnd.nextFloat() * 2 - 1;
    }
  }

  /** Restores the thread count. */
  @TearDown(Level.Trial)
  public void tearDown() {
    Threads.setCount(savedThreads);
  }

  /** One product; returns C so that the work cannot be eliminated. */
  @Benchmark
  public float[] sgemm() {
    gemm.sgemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
    return c;
  }
}
