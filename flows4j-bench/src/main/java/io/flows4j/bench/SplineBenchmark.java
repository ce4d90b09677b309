package io.flows4j.bench;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.Transformed;
import io.flows4j.bijectors.spline.RationalQuadraticSpline;
import io.flows4j.bijectors.spline.SplineAutoregressive;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.nn.MADE;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
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
 * The rational-quadratic spline (8 bins, tail bound 3), one thread:
 *
 * <ul>
 *   <li>{@code kernelForwardBackward}, {@code kernelInverse}: the fused spline op alone on {@code
 *       [rows, features]} inputs (standard normal times 1.5, so some fall in the tails) with random
 *       raw parameters; forward + backward of {@code sum(z) + sum(logAbsDet)}, and the inverse
 *       without recording. Per element this is the spline's own arithmetic (softmaxes, knots, bin
 *       search, rational function, about 20 exponentials).
 *   <li>{@code w3ForwardBackward}: BENCHMARKS.md W3's NSF: 4 autoregressive spline layers on 32
 *       features with MADE {@code 32 -> 256 -> 256 -> 32 * 23}, orders alternating natural and
 *       reversed, batch 512; {@code -mean(logProb)} and backward, no optimizer.
 * </ul>
 *
 * <p>Run: {@code scripts/jmh.sh SplineBenchmark} (the {@code p0.50} lines are medians), or e.g.
 * {@code scripts/jmh.sh SplineBenchmark.kernel -p features=1}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dflows4j.threads=1"})
public class SplineBenchmark {
  /** Rows of the kernel benchmarks. */
  @Param({"256"})
  public int rows;

  /** Transformed features of the kernel benchmarks (1 = one W1 coupling layer). */
  @Param({"1", "32"})
  public int features;

  private final RationalQuadraticSpline spline = new RationalQuadraticSpline(8, 3.0);
  private Tensor x;
  private Tensor params;
  private Flow w3;
  private Tensor w3x;

  /** Draws the inputs and parameters and builds the W3 flow (seed 0). */
  @Setup
  public void setUp() {
    Rng rng = new Rng(0);
    x = rng.fillNormal(Tensor.zeros(rows, features), 0, 1.5);
    params = rng.fillNormal(Tensor.zeros(rows, features * spline.paramsPerFeature()), 0, 1);
    int d = 32;
    List<Bijector> layers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      int[] order = i % 2 == 0 ? MADE.naturalOrder(d) : MADE.reversedOrder(d);
      layers.add(new SplineAutoregressive(d, order, new int[] {256, 256}, i));
    }
    w3 = new Flow(Bijectors.chain(layers), new StandardNormal(d));
    for (Parameter p : w3.parameters()) {
      Tensor v = p.value();
      for (int i = 0; i < v.size(); i++) {
        v.setFlat(i, v.getFlat(i) + (float) (0.01 * rng.nextGaussian()));
      }
    }
    w3x = rng.fillNormal(Tensor.zeros(512, d), 0, 1);
  }

  /** The spline op forward and backward with respect to input and parameters. */
  @Benchmark
  public float kernelForwardBackward() {
    try (Tape tape = Tape.record()) {
      Var xv = tape.tracked(x);
      Var hv = tape.tracked(params);
      Transformed t = spline.apply(xv, hv, false);
      Var loss = ArithmeticOps.add(Reductions.sum(t.value()), Reductions.sum(t.logAbsDet()));
      tape.backward(loss);
      return loss.item();
    }
  }

  /** The spline op's inverse, not recorded. */
  @Benchmark
  public Tensor kernelInverse() {
    try (Tape tape = Tape.noGrad()) {
      return spline.apply(tape.input(x), tape.input(params), true).value().value();
    }
  }

  /** W3 NSF: negative mean log-likelihood of a batch of 512 and its backward. */
  @Benchmark
  public float w3ForwardBackward() {
    w3.zeroGrad();
    try (Tape tape = Tape.record()) {
      Var loss = ArithmeticOps.neg(Reductions.mean(w3.logProb(tape.input(w3x))));
      tape.backward(loss);
      return loss.item();
    }
  }
}
