package io.flows4j.bench;

import io.flows4j.autodiff.Parameter;
import io.flows4j.optim.Adam;
import io.flows4j.optim.AdamConfig;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Gemm;
import io.flows4j.tensor.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

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
 * <p>This version computes the forward and backward passes with explicit calls to the start-up
 * SGEMM ({@link Kernels#gemm()}); it is the engine's own baseline until the autodiff ops and {@code
 * io.flows4j.nn.MLP} land, when the step is to be written with them.
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

  /** The 8 MLPs, their data, buffers and optimizer. */
  static final class Trainer {
    private final int batch;
    private final int[] widths;
    private final Gemm gemm = Kernels.gemm();
    private final Parameter[][] weight = new Parameter[MLPS][3];
    private final Parameter[][] bias = new Parameter[MLPS][3];
    private final float[][] input = new float[MLPS][];
    private final float[][] target = new float[MLPS][];
    // acts[l]: input of layer l (acts[0] = x) and, for l = 3, the output.
    private final float[][] acts = new float[4][];
    private final float[][] grads = new float[4][];
    private final Adam adam;
    double lastLoss = Double.NaN;

    Trainer(Size size, long seed) {
      this.batch = size.batch;
      this.widths = size.widths();
      Random rng = new Random(seed);
      List<Parameter> all = new ArrayList<>();
      for (int k = 0; k < MLPS; k++) {
        for (int l = 0; l < 3; l++) {
          int fanIn = widths[l];
          int fanOut = widths[l + 1];
          // PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for W and b.
          float bound = (float) (1 / Math.sqrt(fanIn));
          weight[k][l] =
              new Parameter("mlp" + k + "." + l + ".weight", uniform(rng, bound, fanOut, fanIn));
          bias[k][l] = new Parameter("mlp" + k + "." + l + ".bias", uniform(rng, bound, fanOut));
          all.add(weight[k][l]);
          all.add(bias[k][l]);
        }
        input[k] = gaussian(rng, batch * widths[0]);
        target[k] = gaussian(rng, batch * widths[3]);
      }
      for (int l = 1; l < 4; l++) {
        acts[l] = new float[batch * widths[l]];
        grads[l] = new float[batch * widths[l]];
      }
      adam = new Adam(all, AdamConfig.of(1e-3));
    }

    /** One training step of all MLPs; records the loss. */
    void step() {
      adam.zeroGrad();
      double loss = 0;
      for (int k = 0; k < MLPS; k++) {
        loss += forwardBackward(k);
      }
      adam.step();
      lastLoss = loss;
    }

    private double forwardBackward(int k) {
      acts[0] = input[k];
      for (int l = 0; l < 3; l++) {
        int in = widths[l];
        int out = widths[l + 1];
        float[] y = acts[l + 1];
        Tensor w = weight[k][l].value();
        Tensor b = bias[k][l].value();
        // y = x W^T + b: fill with the bias, then beta = 1 accumulates the product onto it.
        for (int r = 0; r < batch; r++) {
          System.arraycopy(b.data(), b.offset(), y, r * out, out);
        }
        gemm.sgemm(
            false,
            true,
            batch,
            out,
            in,
            1f,
            acts[l],
            0,
            in,
            w.data(),
            w.offset(),
            in,
            1f,
            y,
            0,
            out);
        if (l < 2) {
          for (int i = 0; i < y.length; i++) {
            y[i] = Math.max(y[i], 0f);
          }
        }
      }
      // loss = mean((y - t)^2); dy = 2 (y - t) / (batch * out)
      float[] y = acts[3];
      float[] dy = grads[3];
      float[] t = target[k];
      double sum = 0;
      float scale = 2f / y.length;
      for (int i = 0; i < y.length; i++) {
        float d = y[i] - t[i];
        sum += (double) d * d;
        dy[i] = scale * d;
      }
      for (int l = 2; l >= 0; l--) {
        int in = widths[l];
        int out = widths[l + 1];
        float[] dz = grads[l + 1];
        Tensor gw = weight[k][l].grad();
        Tensor gb = bias[k][l].grad();
        // dW += dZ^T X, db += column sums of dZ
        gemm.sgemm(
            true,
            false,
            out,
            in,
            batch,
            1f,
            dz,
            0,
            out,
            acts[l],
            0,
            in,
            1f,
            gw.data(),
            gw.offset(),
            in);
        for (int r = 0; r < batch; r++) {
          for (int j = 0; j < out; j++) {
            gb.data()[gb.offset() + j] += dz[r * out + j];
          }
        }
        if (l > 0) {
          // dX = dZ W, then through the ReLU of the layer below: zero where its output was 0.
          Tensor w = weight[k][l].value();
          float[] dx = grads[l];
          gemm.sgemm(
              false,
              false,
              batch,
              in,
              out,
              1f,
              dz,
              0,
              out,
              w.data(),
              w.offset(),
              in,
              0f,
              dx,
              0,
              in);
          float[] h = acts[l];
          for (int i = 0; i < dx.length; i++) {
            if (h[i] <= 0f) {
              dx[i] = 0f;
            }
          }
        }
      }
      return sum / y.length;
    }

    private static Tensor uniform(Random rng, float bound, int... dims) {
      Tensor t = Tensor.zeros(dims);
      for (int i = 0; i < t.size(); i++) {
        t.setFlat(i, (2 * rng.nextFloat() - 1) * bound);
      }
      return t;
    }

    private static float[] gaussian(Random rng, int n) {
      float[] x = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = (float) rng.nextGaussian();
      }
      return x;
    }
  }
}
