package io.flows4j.bench;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Conv1d;
import io.flows4j.tensor.kernels.Conv1dSpec;
import io.flows4j.tensor.kernels.Conv2d;
import io.flows4j.tensor.kernels.Elementwise;
import io.flows4j.tensor.kernels.ElementwiseKernels;
import io.flows4j.tensor.kernels.Gemm;
import io.flows4j.tensor.kernels.Kernels;
import java.util.Arrays;
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
 * Convolutions at the sizes the flows use: the WaveNet-style layers of a speech flow ({@code [16,
 * 192, 400]}, kernel 5, dilation 1 or 4, 192 channels) and the coupling networks of Glow on
 * Fashion-MNIST ({@code [64, 12, 14, 14]} to 128 channels 3x3, {@code [64, 128, 14, 14]} to 128
 * channels 1x1). It races the library's im2col + GEMM kernels ({@code forward}, {@code backward})
 * against a direct loop of vectorized row updates ({@code forwardDirect}) and against the bare
 * GEMMs without im2col ({@code gemmOnly}, the floor of the im2col approach).
 *
 * <p>Run from the repository root (the JMH annotation processor generates the benchmark list at
 * compile time):
 *
 * <pre>{@code
 * JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -q -B -ntp -pl flows4j-bench -am package \
 *     dependency:build-classpath -DskipTests -Dspotless.check.skip=true \
 *     -Dmdep.outputFile=target/classpath.txt
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector \
 *     -cp flows4j-bench/target/classes:$(cat flows4j-bench/target/classpath.txt) \
 *     org.openjdk.jmh.Main ConvBenchmark -p threads=1
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class ConvBenchmark {

  /** Which layer: {@code speech-d1}, {@code speech-d4}, {@code image-3x3}, {@code image-1x1}. */
  @Param({"speech-d1", "speech-d4", "image-3x3", "image-1x1"})
  public String layer;

  /** Threads of the compute pool. */
  @Param({"1", "2"})
  public int threads;

  private boolean oneD;
  private int batch;
  private int cin;
  private int cout;
  private int kernel;
  private int dilation;
  private int pad;
  private int length;
  private Conv1dSpec spec;
  private Tensor x;
  private Tensor w;
  private Tensor bias;
  private Tensor y;
  private Tensor gradOut;
  private Tensor gradX;
  private Tensor gradW;
  private Tensor gradB;
  private float[] columns;

  /** Allocates the tensors of the chosen layer and sets the thread count. */
  @Setup
  public void setUp() {
    Threads.setCount(threads);
    Rng rng = new Rng(42);
    switch (layer) {
      case "speech-d1", "speech-d4" -> {
        oneD = true;
        batch = 16;
        cin = 192;
        cout = 192;
        kernel = 5;
        dilation = layer.endsWith("4") ? 4 : 1;
        length = 400;
        spec = Conv1dSpec.same(kernel, dilation, 1);
        pad = spec.padLeft();
        x = rng.fillNormal(Tensor.zeros(batch, cin, length), 0, 1);
        w = rng.fillNormal(Tensor.zeros(cout, cin, kernel), 0, 0.05);
        y = Tensor.zeros(Conv1d.outputShape(x.shape(), w.shape(), spec));
        columns = new float[cin * kernel * length];
      }
      case "image-3x3", "image-1x1" -> {
        oneD = false;
        batch = 64;
        boolean three = layer.endsWith("3x3");
        cin = three ? 12 : 128;
        cout = 128;
        kernel = three ? 3 : 1;
        pad = three ? 1 : 0;
        length = 14;
        x = rng.fillNormal(Tensor.zeros(batch, cin, length, length), 0, 1);
        w = rng.fillNormal(Tensor.zeros(cout, cin, kernel, kernel), 0, 0.05);
        y = Tensor.zeros(Conv2d.outputShape(x.shape(), w.shape(), pad));
        columns = new float[cin * kernel * kernel * length * length];
      }
      default -> throw new IllegalArgumentException("unknown layer " + layer);
    }
    rng.fillNormal(Tensor.wrap(columns, columns.length), 0, 1);
    bias = rng.fillNormal(Tensor.zeros(cout), 0, 0.1);
    gradOut = rng.fillNormal(Tensor.zeros(y.shape()), 0, 1);
    gradX = Tensor.zeros(x.shape());
    gradW = Tensor.zeros(w.shape());
    gradB = Tensor.zeros(cout);
  }

  /** The library's forward pass (im2col + GEMM, or GEMM alone for 1x1). */
  @Benchmark
  public Tensor forward() {
    if (oneD) {
      Conv1d.forward(x, w, bias, null, spec, y);
    } else {
      Conv2d.forward(x, w, bias, pad, y);
    }
    return y;
  }

  /** The library's backward pass: input, weight and bias gradients. */
  @Benchmark
  public Tensor backward() {
    if (oneD) {
      Conv1d.backward(x, w, null, spec, gradOut, gradX, gradW, gradB);
    } else {
      Conv2d.backward(x, w, pad, gradOut, gradX, gradW, gradB);
    }
    return gradW;
  }

  /** The same GEMMs as {@link #forward} on a ready column matrix: what im2col costs on top. */
  @Benchmark
  public Tensor gemmOnly() {
    Gemm gemm = Kernels.gemm();
    int rows = oneD ? cin * kernel : cin * kernel * kernel;
    int cols = oneD ? length : length * length;
    Threads.parallelRange(
        batch,
        1,
        (from, to) -> {
          for (int b = from; b < to; b++) {
            gemm.sgemm(
                false,
                false,
                cout,
                cols,
                rows,
                1f,
                w.data(),
                0,
                rows,
                columns,
                0,
                cols,
                0f,
                y.data(),
                b * cout * cols,
                cols);
          }
        });
    return y;
  }

  /**
   * A direct convolution: for each output row, one vectorized {@code y += w * x_shifted} per input
   * channel and tap, batch-parallel like the library's kernels.
   */
  @Benchmark
  public Tensor forwardDirect() {
    Elementwise k = ElementwiseKernels.get();
    float[] xd = x.data();
    float[] wd = w.data();
    float[] yd = y.data();
    Threads.parallelRange(
        batch,
        1,
        (from, to) -> {
          for (int b = from; b < to; b++) {
            if (oneD) {
              direct1d(k, xd, wd, yd, b);
            } else {
              direct2d(k, xd, wd, yd, b);
            }
          }
        });
    return y;
  }

  private void direct1d(Elementwise k, float[] xd, float[] wd, float[] yd, int b) {
    for (int o = 0; o < cout; o++) {
      int row = (b * cout + o) * length;
      Arrays.fill(yd, row, row + length, bias.data()[o]);
      for (int c = 0; c < cin; c++) {
        int src = (b * cin + c) * length;
        for (int tap = 0; tap < kernel; tap++) {
          int shift = tap * dilation - pad;
          int t0 = Math.max(0, -shift);
          int t1 = Math.min(length, length - shift);
          k.axpy(wd[(o * cin + c) * kernel + tap], xd, src + t0 + shift, yd, row + t0, t1 - t0);
        }
      }
    }
  }

  private void direct2d(Elementwise k, float[] xd, float[] wd, float[] yd, int b) {
    int plane = length * length;
    for (int o = 0; o < cout; o++) {
      int out = (b * cout + o) * plane;
      Arrays.fill(yd, out, out + plane, bias.data()[o]);
      for (int c = 0; c < cin; c++) {
        int src = (b * cin + c) * plane;
        for (int p = 0; p < kernel; p++) {
          for (int q = 0; q < kernel; q++) {
            float wv = wd[((o * cin + c) * kernel + p) * kernel + q];
            int j0 = Math.max(0, pad - q);
            int j1 = Math.min(length, length + pad - q);
            for (int i = 0; i < length; i++) {
              int ih = i + p - pad;
              if (ih < 0 || ih >= length) {
                continue;
              }
              k.axpy(wv, xd, src + ih * length + j0 + q - pad, yd, out + i * length + j0, j1 - j0);
            }
          }
        }
      }
    }
  }
}
