package io.flows4j.bench;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import io.flows4j.tensor.kernels.Elementwise;
import io.flows4j.tensor.kernels.ElementwiseKernels;
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
 * The scalar and Vector-API elementwise kernels raced on the same arrays: in particular whether
 * {@code lanewise(EXP)} and {@code lanewise(TANH)} beat loops of {@link Math#exp} and {@link
 * Math#tanh} on this JDK. 16,384 floats per array (64 KiB) keep the data in L2, so the figures are
 * about arithmetic, not memory.
 *
 * <p>Run from the repository root (see {@link ConvBenchmark} for the build command):
 *
 * <pre>{@code
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector \
 *     -cp flows4j-bench/target/classes:$(cat flows4j-bench/target/classpath.txt) \
 *     org.openjdk.jmh.Main ElementwiseBenchmark
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
public class ElementwiseBenchmark {
  /** Elements per array. */
  public static final int N = 16_384;

  /** {@code scalar} or {@code vector}. */
  @Param({"scalar", "vector"})
  public String provider;

  private Elementwise k;
  private float[] x;
  private float[] y;
  private float[] g;
  private float[] gi;

  /** Chooses the provider and fills the arrays with values in [-8, 8). */
  @Setup
  public void setUp() {
    k = provider.equals("scalar") ? ElementwiseKernels.scalar() : ElementwiseKernels.vectorOrNull();
    if (k == null) {
      throw new IllegalStateException("the Vector API is absent: add jdk.incubator.vector");
    }
    Rng rng = new Rng(1);
    x = rng.fillUniform(Tensor.zeros(N), -8, 8).data();
    y = new float[N];
    g = rng.fillUniform(Tensor.zeros(N), -1, 1).data();
    gi = new float[N];
  }

  /** {@code y = exp(x)}. */
  @Benchmark
  public float[] exp() {
    k.exp(x, 0, y, 0, N);
    return y;
  }

  /** {@code y = tanh(x)}. */
  @Benchmark
  public float[] tanh() {
    k.activation(Activation.TANH, x, 0, y, 0, N);
    return y;
  }

  /** {@code y = sigmoid(x)}. */
  @Benchmark
  public float[] sigmoid() {
    k.activation(Activation.SIGMOID, x, 0, y, 0, N);
    return y;
  }

  /** {@code y = softplus(x)}. */
  @Benchmark
  public float[] softplus() {
    k.activation(Activation.SOFTPLUS, x, 0, y, 0, N);
    return y;
  }

  /** {@code y = LipSwish(x)}. */
  @Benchmark
  public float[] lipSwish() {
    k.activation(Activation.LIPSWISH, x, 0, y, 0, N);
    return y;
  }

  /** {@code y = relu(x)}. */
  @Benchmark
  public float[] relu() {
    k.activation(Activation.RELU, x, 0, y, 0, N);
    return y;
  }

  /** {@code y = leakyRelu(x)}. */
  @Benchmark
  public float[] leakyRelu() {
    k.activation(Activation.LEAKY_RELU, x, 0, y, 0, N);
    return y;
  }

  /** {@code gi += g * relu'(x)}. */
  @Benchmark
  public float[] reluBackward() {
    k.activationBackward(Activation.RELU, x, 0, y, 0, g, 0, gi, 0, N);
    return gi;
  }

  /** {@code y = x + g}. */
  @Benchmark
  public float[] add() {
    k.add(x, 0, g, 0, y, 0, N);
    return y;
  }

  /** {@code gi += x * g}. */
  @Benchmark
  public float[] mulAdd() {
    k.mulAdd(x, 0, g, 0, gi, 0, N);
    return gi;
  }
}
