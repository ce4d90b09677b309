package io.flows4j.bench;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.ActNorm;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.image.ImageLayers;
import io.flows4j.bijectors.image.ImageMask;
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
 * Glow's steps of flow (ActNorm, invertible 1x1 convolution, affine coupling with a channel mask
 * and a conv 3x3 - 1x1 - 3x3 conditioner of 128 hidden channels) at the two level shapes of W4
 * (BENCHMARKS.md: Glow L=2, K=8, batch 64 on Fashion-MNIST): level 1 on {@code [64, 4, 14, 14]},
 * level 2 on {@code [64, 8, 7, 7]}, one thread. A W4 training step is about 8 steps of each level
 * plus squeezes, splits, the base and Adam, so {@code 8 (level1 + level2)} is its floor.
 *
 * <ul>
 *   <li>{@code forwardBackward}: zero the gradients, {@code loss = -mean(logProb(x))} through
 *       {@code steps} steps of flow under a standard normal, backward;
 *   <li>{@code step}: the same plus an Adam update;
 *   <li>{@code logProb}: the forward pass alone without recording.
 * </ul>
 *
 * <p>ActNorm is initialised from the batch and every parameter gets N(0, 0.05^2) noise, so the
 * coupling is not the identity (the arithmetic is the same either way).
 *
 * <p>Run: {@code scripts/jmh.sh GlowStepBenchmark} (sample mode: {@code p0.50} is the median), or
 * e.g. {@code scripts/jmh.sh GlowStepBenchmark.forwardBackward -p level=1 -p steps=8}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dflows4j.threads=1"})
public class GlowStepBenchmark {
  /** Hidden channels of the coupling networks (W4). */
  public static final int HIDDEN = 128;

  /** The W4 level: 1 ({@code [64, 4, 14, 14]}) or 2 ({@code [64, 8, 7, 7]}). */
  @Param({"1", "2"})
  public int level;

  /** Steps of flow in the chain (1, or 8 for a whole level). */
  @Param({"1"})
  public int steps;

  /** Images per batch. */
  @Param({"64"})
  public int batch;

  private Flow flow;
  private Adam adam;
  private Tensor x;

  /** Builds the chain, initialises ActNorm, perturbs the weights, draws the batch (seed 0). */
  @Setup
  public void setUp() {
    int channels = level == 1 ? 4 : 8;
    int size = level == 1 ? 14 : 7;
    Rng rng = new Rng(0);
    x = rng.fillNormal(Tensor.zeros(batch, channels, size, size), 0.5, 0.3);
    List<Bijector> layers = new ArrayList<>();
    for (int k = 0; k < steps; k++) {
      ActNorm norm = new ActNorm(channels);
      norm.initialize(x);
      layers.add(norm);
      layers.add(ImageLayers.invertibleConv1x1(channels, k));
      layers.add(ImageLayers.affineCoupling(channels, HIDDEN, ImageMask.CHANNEL, k % 2, k));
    }
    flow = new Flow(Bijectors.chain(layers), new StandardNormal(channels, size, size));
    for (Parameter p : flow.parameters()) {
      Tensor v = p.value();
      for (int i = 0; i < v.size(); i++) {
        v.setFlat(i, v.getFlat(i) + (float) (0.05 * rng.nextGaussian()));
      }
    }
    adam = new Adam(flow.namedParameters(), AdamConfig.of(1e-3));
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
