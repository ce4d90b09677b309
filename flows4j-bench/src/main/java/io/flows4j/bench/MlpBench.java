package io.flows4j.bench;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.MathOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.nn.MLP;
import io.flows4j.optim.Adam;
import io.flows4j.optim.AdamConfig;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Activation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The MLP training step of BENCHMARKS.md: 8 independent MLPs {@code d_in -> h -> h -> d_out} (ReLU
 * on the hidden layers, identity output), each fed its own fixed random batch; one step is forward,
 * loss, backward and an Adam update (lr 1e-3, betas (0.9, 0.999), eps 1e-8) of all parameters.
 *
 * <p>Loss: the sum over the 8 MLPs of the mean squared error between the output and a fixed random
 * N(0, 1) target of the output's shape. (A target keeps the weights from collapsing to zero over a
 * long run, where subnormal floats would distort the timing.)
 *
 * <p>FLOP per step = {@code 6 * batch * sum of in * out} over every layer (2 forward, 4 backward),
 * as in BENCHMARKS.md; efficiency = that at 116 GFLOP/s per thread over the measured median.
 *
 * <p>The step is what a training loop does: {@link MLP#forward} on a recording {@link Tape} (one
 * fused linear + bias + activation op per layer), the loss from autodiff ops, {@code
 * tape.backward}, then {@link Adam#step()} over all parameters.
 */
public final class MlpBench {
  /** Number of MLPs trained together. */
  public static final int MLPS = 8;

  /** The sizes of BENCHMARKS.md. */
  public enum Size {
    /** 8 -> 64 -> 64 -> 16, batch 256. */
    S(8, 64, 16, 256),
    /** 32 -> 256 -> 256 -> 64, batch 512. */
    M(32, 256, 64, 512),
    /** 64 -> 1024 -> 1024 -> 128, batch 1024. */
    L(64, 1024, 128, 1024);

    /** Input features. */
    public final int in;

    /** Hidden width of both hidden layers. */
    public final int hidden;

    /** Output features. */
    public final int out;

    /** Rows per step. */
    public final int batch;

    Size(int in, int hidden, int out, int batch) {
      this.in = in;
      this.hidden = hidden;
      this.out = out;
      this.batch = batch;
    }

    /** Layer widths {@code [in, hidden, hidden, out]}. */
    public int[] widths() {
      return new int[] {in, hidden, hidden, out};
    }

    /** Sum over all layers of all MLPs of {@code in * out}. */
    public long weights() {
      return (long) MLPS * ((long) in * hidden + (long) hidden * hidden + (long) hidden * out);
    }

    /** Trainable parameters (weights and biases) of all MLPs. */
    public long parameters() {
      return weights() + (long) MLPS * (2L * hidden + out);
    }

    /** FLOP of one training step: {@code 6 * batch * sum of in * out}. */
    public double flopPerStep() {
      return 6.0 * batch * weights();
    }
  }

  private MlpBench() {}

  /**
   * Times training steps of one size and returns its JSON line: {@code bench, size, threads, batch,
   * params, steps, ms_per_step, gflop, gflops, efficiency}.
   *
   * @param threads compute threads, {@code >= 1} (the previous count is restored after)
   * @param quick a short run, for smoke tests
   * @throws IllegalArgumentException if {@code threads < 1}
   */
  public static JsonLine run(Size size, int threads, boolean quick) {
    Checks.requirePositive(threads, "bench mlp", "threads");
    int saved = Threads.count();
    Timing.Result t;
    Trainer trainer;
    try {
      Threads.setCount(threads);
      trainer = new Trainer(size, 0);
      t =
          quick
              ? Timing.median(trainer::step, 0.2, 2, 0.3, 3, 10_000)
              : Timing.median(trainer::step, 3, 3, 10, 10, 100_000);
    } finally {
      Threads.setCount(saved);
    }
    double flop = size.flopPerStep();
    return new JsonLine()
        .put("bench", "mlp")
        .put("size", size.name())
        .put("threads", threads)
        .put("batch", size.batch)
        .put("params", size.parameters())
        .put("steps", t.runs())
        .put("ms_per_step", t.medianSeconds() * 1e3)
        .put("gflop", flop * 1e-9)
        .put("gflops", flop / t.medianSeconds() * 1e-9)
        .put("efficiency", Machine.efficiency(flop, t.medianSeconds(), threads))
        .put("loss", trainer.lastLoss);
  }

  /** The 8 MLPs, their fixed data and the optimizer. */
  static final class Trainer {
    private final List<MLP> mlps = new ArrayList<>();
    private final Tensor[] input = new Tensor[MLPS];
    private final Tensor[] target = new Tensor[MLPS];
    private final Adam adam;
    double lastLoss = Double.NaN;

    Trainer(Size size, long seed) {
      SplittableRandom rng = new SplittableRandom(seed);
      Map<String, Parameter> all = new LinkedHashMap<>();
      for (int k = 0; k < MLPS; k++) {
        MLP mlp = new MLP(size.widths(), Activation.RELU, rng.nextLong());
        mlps.add(mlp);
        for (Map.Entry<String, Parameter> e : mlp.namedParameters().entrySet()) {
          all.put("mlp" + k + "." + e.getKey(), e.getValue());
        }
        input[k] = gaussian(rng, size.batch, size.in);
        target[k] = gaussian(rng, size.batch, size.out);
      }
      adam = new Adam(all, AdamConfig.of(1e-3));
    }

    /** All parameters, keyed {@code mlp<k>.<layer>.weight|bias}. */
    List<Parameter> parameters() {
      return adam.parameters();
    }

    /** One training step of all MLPs; records the loss. */
    void step() {
      adam.zeroGrad();
      try (Tape tape = Tape.record()) {
        Var loss = null;
        for (int k = 0; k < MLPS; k++) {
          Var y = mlps.get(k).forward(tape.input(input[k]));
          Var mse = Reductions.mean(MathOps.square(ArithmeticOps.sub(y, tape.input(target[k]))));
          loss = loss == null ? mse : ArithmeticOps.add(loss, mse);
        }
        tape.backward(loss);
        lastLoss = loss.item();
      }
      adam.step();
    }

    private static Tensor gaussian(SplittableRandom rng, int rows, int cols) {
      Tensor t = Tensor.zeros(rows, cols);
      for (int i = 0; i < t.size(); i++) {
        t.setFlat(i, (float) rng.nextGaussian());
      }
      return t;
    }
  }
}
