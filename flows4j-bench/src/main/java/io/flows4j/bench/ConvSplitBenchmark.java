package io.flows4j.bench;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Conv1d;
import io.flows4j.tensor.kernels.Conv1dSpec;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Where splitting a convolution's batch over threads starts to pay: 16 sequences of length 128,
 * kernel 3, with the channel count setting the work per sample ({@code 2 C^2 3 128} FLOPs: 197 k at
 * C = 16, 786 k at 32, 3.1 M at 64, 12.6 M at 128). {@code oneTask} runs the whole batch on the
 * caller; {@code taskPerSample} hands each sample to the pool as its own task (every sample a
 * one-sample call, so the kernel's own threshold does not interfere). Compare the two at {@code
 * threads=2}.
 *
 * <p>Run from the repository root (see {@link ConvBenchmark} for the build command):
 *
 * <pre>{@code
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector \
 *     -cp flows4j-bench/target/classes:$(cat flows4j-bench/target/classpath.txt) \
 *     org.openjdk.jmh.Main ConvSplitBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class ConvSplitBenchmark {
  /** Input and output channels. */
  @Param({"16", "32", "64", "128"})
  public int channels;

  private static final int BATCH = 16;
  private static final int LENGTH = 128;
  private final Conv1dSpec spec = Conv1dSpec.same(3, 1, 1);
  private Tensor x;
  private Tensor w;
  private Tensor y;

  /** Allocates the tensors and uses two threads. */
  @Setup
  public void setUp() {
    Threads.setCount(2);
    Rng rng = new Rng(3);
    x = rng.fillNormal(Tensor.zeros(BATCH, channels, LENGTH), 0, 1);
    w = rng.fillNormal(Tensor.zeros(channels, channels, 3), 0, 0.1);
    y = Tensor.zeros(BATCH, channels, LENGTH);
  }

  /** Every sample on the calling thread. */
  @Benchmark
  public Tensor oneTask() {
    for (int b = 0; b < BATCH; b++) {
      Conv1d.forward(x.rows(b, b + 1), w, null, null, spec, y.rows(b, b + 1));
    }
    return y;
  }

  /** The batch split over the pool, one sample per call. */
  @Benchmark
  public Tensor taskPerSample() {
    Threads.parallelRange(
        BATCH,
        1,
        (from, to) -> {
          for (int b = from; b < to; b++) {
            Conv1d.forward(x.rows(b, b + 1), w, null, null, spec, y.rows(b, b + 1));
          }
        });
    return y;
  }
}
