package io.flows4j.bench;

import io.flows4j.autodiff.Parameter;
import io.flows4j.optim.Adam;
import io.flows4j.optim.AdamConfig;
import io.flows4j.optim.AdamW;
import io.flows4j.optim.GradientClipping;
import io.flows4j.optim.Optimizer;
import io.flows4j.optim.Sgd;
import io.flows4j.optim.SgdConfig;
import io.flows4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
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
 * One optimizer step over the parameters of 8 MLPs {@code 1 -> h -> h -> 23} (the W1 NSF
 * conditioners of BENCHMARKS.md; 46,264 parameters at {@code h = 64}), and the gradient norm over
 * the same parameters. Gradients are fixed random values.
 *
 * <p>Run it from the repository root ({@code scripts/jmh.sh} compiles the module and starts JMH on
 * its class path):
 *
 * <pre>
 * scripts/jmh.sh AdamBenchmark -p hidden=64 -p optimizer=adam
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dflows4j.threads=1"})
public class AdamBenchmark {
  /** Hidden width of each MLP. */
  @Param({"64", "256"})
  public int hidden;

  /** Which optimizer to step. */
  @Param({"adam", "adamw", "sgd"})
  public String optimizer;

  private List<Parameter> params;
  private Optimizer opt;

  /** Builds the parameters with random values and gradients (seed 0). */
  @Setup
  public void setUp() {
    Random rng = new Random(0);
    int[] sizes = {1, hidden, hidden, 23};
    params = new ArrayList<>();
    for (int mlp = 0; mlp < 8; mlp++) {
      for (int layer = 0; layer + 1 < sizes.length; layer++) {
        String prefix = "mlp" + mlp + "." + layer;
        params.add(random(prefix + ".weight", rng, sizes[layer + 1], sizes[layer]));
        params.add(random(prefix + ".bias", rng, sizes[layer + 1]));
      }
    }
    opt =
        switch (optimizer) {
          case "adam" -> new Adam(params, AdamConfig.of(1e-3));
          case "adamw" -> new AdamW(params, AdamConfig.of(1e-3).withWeightDecay(1e-2));
          case "sgd" -> new Sgd(params, SgdConfig.of(1e-3).withMomentum(0.9));
          default -> throw new IllegalArgumentException("unknown optimizer " + optimizer);
        };
  }

  private static Parameter random(String name, Random rng, int... dims) {
    Parameter p = new Parameter(name, Tensor.zeros(dims));
    for (int i = 0; i < p.size(); i++) {
      p.value().setFlat(i, (float) rng.nextGaussian() * 0.1f);
      p.grad().setFlat(i, (float) rng.nextGaussian() * 0.01f);
    }
    return p;
  }

  /** One update of every parameter. */
  @Benchmark
  public void step() {
    opt.step();
  }

  /** The total gradient norm (clipping with an infinite bound only measures). */
  @Benchmark
  public double gradNorm() {
    return GradientClipping.clipGradNorm(params, Double.POSITIVE_INFINITY);
  }
}
