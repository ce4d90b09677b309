package io.flows4j.bench;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.autoregressive.MaskedAffineAutoregressive;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.nn.MADE;
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
 * Five MAF layers at the sizes of BENCHMARKS.md, one thread: {@code w1} = MADE 2 x 64 on 2-D data,
 * batch 256 (23,060 parameters); {@code w3} = MADE 2 x 256 on 32-D data, batch 512. The order is
 * reversed between consecutive layers (through the MADE's input order, no permutation op).
 *
 * <ul>
 *   <li>{@code forwardBackward}: zero the gradients, {@code -mean log p(x)} under a standard normal
 *       base, backward (a training step without the optimizer);
 *   <li>{@code step}: the same plus an Adam update (the whole step but drawing the batch);
 *   <li>{@code madeOnly}: forward and backward of the five MADEs alone with the loss {@code
 *       sum(h)}, so that {@code forwardBackward - madeOnly} is the cost of the fused affine op, the
 *       base density and the loss;
 *   <li>{@code sample}: the inverse of the chain without recording ({@code D} MADE passes per
 *       layer).
 * </ul>
 *
 * <p>Sample-time mode, so JMH reports the median ({@code p0.50}) of single calls. Run from the
 * repository root:
 *
 * <pre>{@code
 * JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn -q -B -ntp -pl flows4j-bench -am package \
 *     dependency:build-classpath -DskipTests -Dspotless.check.skip=true \
 *     -Dmdep.outputFile=target/classpath.txt
 * /usr/lib/jvm/temurin-25-jdk-amd64/bin/java --add-modules jdk.incubator.vector \
 *     -cp flows4j-bench/target/classes:$(cat flows4j-bench/target/classpath.txt) \
 *     org.openjdk.jmh.Main MafBenchmark -p size=w1
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dflows4j.threads=1"})
public class MafBenchmark {
  /** Number of MAF layers. */
  static final int LAYERS = 5;

  /** Workload size: {@code w1} (D 2, MADE 64 x 64, batch 256) or {@code w3} (32, 256, 512). */
  @Param({"w1", "w3"})
  public String size;

  private Flow flow;
  private List<MADE> mades;
  private Adam adam;
  private Tensor x;
  private Tensor z;

  /** Builds the flow (seeded, random output layers so values are not trivial) and a batch. */
  @Setup
  public void setUp() {
    int features;
    int hidden;
    int batch;
    switch (size) {
      case "w1" -> {
        features = 2;
        hidden = 64;
        batch = 256;
      }
      case "w3" -> {
        features = 32;
        hidden = 256;
        batch = 512;
      }
      default -> throw new IllegalArgumentException("size must be w1 or w3, but was " + size);
    }
    List<Bijector> layers = new ArrayList<>();
    mades = new ArrayList<>();
    for (int i = 0; i < LAYERS; i++) {
      MaskedAffineAutoregressive.Builder b =
          MaskedAffineAutoregressive.builder(features)
              .hidden(hidden, hidden)
              .seed(i)
              .identityInit(false);
      MaskedAffineAutoregressive layer = (i % 2 == 0 ? b : b.reversedOrder()).build();
      layers.add(layer);
      mades.add(layer.made());
    }
    flow = new Flow(Bijectors.chain(layers), new StandardNormal(features));
    adam = new Adam(flow.parameters(), AdamConfig.of(1e-3));
    Rng rng = new Rng(0);
    x = rng.fillNormal(Tensor.zeros(batch, features), 0, 1);
    z = rng.fillNormal(Tensor.zeros(batch, features), 0, 1);
  }

  /** Forward and backward of {@code -mean log p(x)}. */
  @Benchmark
  public float forwardBackward() {
    flow.zeroGrad();
    try (Tape tape = Tape.record()) {
      Var loss = ArithmeticOps.neg(Reductions.mean(flow.logProb(tape.input(x))));
      tape.backward(loss);
      return loss.item();
    }
  }

  /** Forward, backward and an Adam update. */
  @Benchmark
  public float step() {
    float loss = forwardBackward();
    adam.step();
    return loss;
  }

  /** Forward and backward of the five MADEs alone, loss {@code sum(h)}. */
  @Benchmark
  public float madeOnly() {
    flow.zeroGrad();
    try (Tape tape = Tape.record()) {
      Var in = tape.input(x);
      Var total = null;
      for (MADE m : mades) {
        Var s = Reductions.sum(m.forward(in));
        total = total == null ? s : ArithmeticOps.add(total, s);
      }
      tape.backward(total);
      return total.item();
    }
  }

  /** The inverse of the chain (sampling from given latents), without recording. */
  @Benchmark
  public Tensor sample() {
    return flow.decode(z);
  }
}
