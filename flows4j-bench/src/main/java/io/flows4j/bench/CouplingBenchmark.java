package io.flows4j.bench;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.coupling.AdditiveCoupling;
import io.flows4j.bijectors.coupling.AffineCoupling;
import io.flows4j.bijectors.coupling.CouplingMask;
import io.flows4j.bijectors.coupling.SplineCoupling;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.optim.Adam;
import io.flows4j.optim.AdamConfig;
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
 * The W1 coupling flows of BENCHMARKS.md on 2-D data, batch 256, one thread: 8 coupling layers with
 * alternating halves and conditioner MLP {@code 1 -> 64 -> 64 -> P} (RealNVP: affine, {@code P =
 * 2}, 35,344 parameters; NSF: rational-quadratic spline with 8 bins and tail bound 3, {@code P =
 * 23}, 46,264 parameters; NICE: additive, {@code P = 1}) under a standard normal base.
 *
 * <ul>
 *   <li>{@code forwardBackward}: zero the gradients, {@code loss = -mean(logProb(x))} on a
 *       recording tape, backward: what a training step costs without the optimizer;
 *   <li>{@code step}: the same plus an Adam update (lr 1e-3), the whole step of BENCHMARKS.md
 *       except drawing the batch;
 *   <li>{@code logProb}: the forward pass alone without recording (evaluation).
 * </ul>
 *
 * <p>The weights are the zero-output initialisation plus N(0, 0.05^2) noise on every parameter, so
 * the layers are not the identity (a spline's bins are not all equal) and the data (two-dimensional
 * normal, standard deviation 1.5) fall partly outside the spline's bound, as on the W1 sets.
 *
 * <p>Run: {@code scripts/jmh.sh CouplingBenchmark} (sample mode: the {@code p0.50} line is the
 * median step), or e.g. {@code scripts/jmh.sh CouplingBenchmark.forwardBackward -p layer=spline}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dflows4j.threads=1"})
public class CouplingBenchmark {
  /** Coupling layers in the flow. */
  public static final int LAYERS = 8;

  /** Which coupling: {@code affine} (RealNVP), {@code spline} (NSF) or {@code additive} (NICE). */
  @Param({"affine", "spline", "additive"})
  public String layer;

  /** Rows per batch. */
  @Param({"256"})
  public int batch;

  private Flow flow;
  private Adam adam;
  private Tensor x;

  /** Builds the flow, perturbs its weights and draws the batch (seed 0). */
  @Setup
  public void setUp() {
    int[] hidden = {64, 64};
    List<Bijector> layers = new ArrayList<>();
    for (int i = 0; i < LAYERS; i++) {
      CouplingMask mask = CouplingMask.alternatingHalves(2, i);
      layers.add(
          switch (layer) {
            case "affine" -> new AffineCoupling(mask, hidden, i);
            case "spline" -> new SplineCoupling(mask, hidden, i);
            case "additive" -> new AdditiveCoupling(mask, hidden, i);
            default -> throw new IllegalArgumentException("unknown layer " + layer);
          });
    }
    flow = new Flow(Bijectors.chain(layers), new StandardNormal(2));
    Rng rng = new Rng(0);
    for (Parameter p : flow.parameters()) {
      Tensor v = p.value();
      for (int i = 0; i < v.size(); i++) {
        v.setFlat(i, v.getFlat(i) + (float) (0.05 * rng.nextGaussian()));
      }
    }
    adam = new Adam(flow.namedParameters(), AdamConfig.of(1e-3));
    x = rng.fillNormal(Tensor.zeros(batch, 2), 0, 1.5);
  }

  /** Zero gradients, negative mean log-likelihood, backward. */
  @Benchmark
  public float forwardBackward() {
    flow.zeroGrad();
    return lossAndBackward();
  }

  /** As {@link #forwardBackward} followed by an Adam update. */
  @Benchmark
  public float step() {
    flow.zeroGrad();
    float loss = lossAndBackward();
    adam.step();
    return loss;
  }

  /** The log-density of the batch without recording. */
  @Benchmark
  public Tensor logProb() {
    return flow.logProb(x);
  }

  private float lossAndBackward() {
    try (Tape tape = Tape.record()) {
      Var loss = ArithmeticOps.neg(Reductions.mean(flow.logProb(tape.input(x))));
      tape.backward(loss);
      return loss.item();
    }
  }
}
