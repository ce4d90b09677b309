package io.flows4j.bench;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.data.Dequantization;
import io.flows4j.data.Images;
import io.flows4j.data.MinibatchSampler;
import io.flows4j.flows.Flow;
import io.flows4j.flows.ImageFlows;
import io.flows4j.optim.Adam;
import io.flows4j.optim.AdamConfig;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.nio.file.Path;

/**
 * W4 of BENCHMARKS.md: Glow on Fashion-MNIST. Multi-scale Glow with {@code L = 2} levels of {@code
 * K = 8} steps (ActNorm, invertible 1x1 convolution with LU, affine coupling with a conv 3x3 - 1x1
 * - 3x3 network of 128 hidden channels), a squeeze per level and a learned diagonal Gaussian base
 * per level ({@link ImageFlows#glow}); input {@code x = (p + u) / 256}, {@code u ~ U[0, 1)} drawn
 * afresh for every minibatch; batch 64, 300 steps of Adam ({@code lr 1e-3}, betas 0.9 and 0.999,
 * eps 1e-8, constant), minibatches drawn with replacement, seed 0; bits per dimension {@code NLL_x
 * / (784 ln 2) + 8} on the first 2,000 test images, each dequantized once with the fixed noise of
 * {@link Dequantization#addFixed}.
 *
 * <p>Run it with {@code ./flows4j bench W4} ({@code --quick} for a smoke test of a few seconds).
 */
public final class ImageBench {
  /** Levels {@code L}. */
  public static final int LEVELS = 2;

  /** Steps per level {@code K}. */
  public static final int STEPS_PER_LEVEL = 8;

  /** Hidden channels of the coupling networks. */
  public static final int HIDDEN = 128;

  /** Images per step. */
  public static final int BATCH = 64;

  /** Training steps. */
  public static final int STEPS = 300;

  /** Test images scored (the first ones of the test file). */
  public static final int TEST_IMAGES = 2000;

  /** The configuration of {@code --quick}: a tiny Glow, a few steps, a few test images. */
  public static final Config QUICK = new Config(2, 2, 16, 16, 20, 200);

  /** The protocol's configuration. */
  public static final Config FULL =
      new Config(LEVELS, STEPS_PER_LEVEL, HIDDEN, BATCH, STEPS, TEST_IMAGES);

  /** Images per chunk when scoring the test images. */
  static final int EVAL_CHUNK = 250;

  private ImageBench() {}

  /**
   * A configuration of the workload.
   *
   * @param levels {@code L}
   * @param stepsPerLevel {@code K}
   * @param hidden hidden channels of the coupling networks
   * @param batch images per step
   * @param steps training steps
   * @param testImages test images scored
   */
  public record Config(
      int levels, int stepsPerLevel, int hidden, int batch, int steps, int testImages) {
    /** Checks that every count is positive. */
    public Config {
      Checks.requirePositive(levels, "ImageBench", "levels");
      Checks.requirePositive(stepsPerLevel, "ImageBench", "stepsPerLevel");
      Checks.requirePositive(hidden, "ImageBench", "hidden");
      Checks.requirePositive(batch, "ImageBench", "batch");
      Checks.requirePositive(steps, "ImageBench", "steps");
      Checks.requirePositive(testImages, "ImageBench", "testImages");
    }

    /** This configuration with another number of steps. */
    public Config withSteps(int n) {
      return new Config(levels, stepsPerLevel, hidden, batch, n, testImages);
    }

    /** A short description, e.g. {@code glow L=2 K=8 hidden=128}. */
    public String model() {
      return "glow L=" + levels + " K=" + stepsPerLevel + " hidden=" + hidden;
    }
  }

  /**
   * What a run measured.
   *
   * @param steps steps run
   * @param trainSeconds wall time of the whole training loop
   * @param secondsPerStepMedian median wall time of one step
   * @param testNllNats mean {@code -log p(x)} of the test images, {@code x} in {@code [0, 1)}
   * @param testBitsPerDim bits per dimension of the test images
   * @param nonfiniteSteps steps whose loss was not finite (skipped)
   */
  public record Result(
      int steps,
      double trainSeconds,
      double secondsPerStepMedian,
      double testNllNats,
      double testBitsPerDim,
      int nonfiniteSteps) {}

  /** Receives the loss after every step. */
  @FunctionalInterface
  public interface StepListener {
    /** Called after step {@code step} (1-based) with its minibatch loss (nats per image of x). */
    void afterStep(int step, double loss);
  }

  /** The workload's flow for images of the given shape. */
  public static Flow flow(Config c, Images like, long seed) {
    return ImageFlows.glow(
        c.levels(),
        c.stepsPerLevel(),
        c.hidden(),
        like.channels(),
        like.height(),
        like.width(),
        seed);
  }

  /**
   * Trains {@code flow} with the protocol and scores the test images.
   *
   * @param flow a flow over dequantized pixel rows ({@link ImageFlows})
   * @param train training images
   * @param test test images (the first {@code config.testImages()} are scored)
   * @param seed seed of the minibatch stream and of the dequantization noise
   */
  public static Result train(
      Flow flow, Images train, Images test, Config config, long seed, StepListener listener) {
    WorkloadBench.resetPeakRss();
    int d = train.dimension();
    // The flow models y = p + u; log p(x) = log p(y) + D ln 256 for x = y / 256.
    double toUnitScale = d * Math.log(Dequantization.LEVELS);
    Adam adam =
        new Adam(
            flow.namedParameters(),
            AdamConfig.of(WorkloadBench.LEARNING_RATE).withBetas(0.9, 0.999).withEps(1e-8));
    MinibatchSampler sampler =
        MinibatchSampler.withReplacement(train.pixels(), config.batch(), seed);
    Rng noise = new Rng(seed ^ 0xD1B54A32D192ED03L);
    Tensor x = Tensor.zeros(config.batch(), d);
    double[] times = new double[config.steps()];
    int nonfinite = 0;
    flow.train();
    long start = System.nanoTime();
    for (int s = 0; s < config.steps(); s++) {
      long t0 = System.nanoTime();
      sampler.next(x);
      Dequantization.addUniform(x, d, noise);
      adam.zeroGrad();
      double loss;
      try (Tape tape = Tape.record()) {
        Var nll = ArithmeticOps.neg(Reductions.mean(flow.logProb(tape.input(x))));
        loss = nll.item() - toUnitScale;
        if (Double.isFinite(loss)) {
          tape.backward(nll);
        }
      }
      if (Double.isFinite(loss)) {
        adam.step();
      } else {
        nonfinite++;
      }
      times[s] = (System.nanoTime() - t0) * 1e-9;
      if (listener != null) {
        listener.afterStep(s + 1, loss);
      }
    }
    double trainSeconds = (System.nanoTime() - start) * 1e-9;
    flow.eval();
    double nllY = meanNll(flow, test.first(config.testImages()));
    double nllX = nllY - toUnitScale;
    return new Result(
        config.steps(),
        trainSeconds,
        WorkloadBench.median(times),
        nllX,
        Dequantization.bitsPerDim(nllX, d),
        nonfinite);
  }

  /**
   * The mean of {@code -log p(y)} over the images, each dequantized with the fixed noise, summed in
   * double in chunks.
   */
  static double meanNll(Flow flow, Images images) {
    int n = images.count();
    int d = images.dimension();
    double sum = 0;
    for (int from = 0; from < n; from += EVAL_CHUNK) {
      int to = Math.min(from + EVAL_CHUNK, n);
      Tensor chunk = images.pixels().copyRows(from, to, Tensor.zeros(to - from, d));
      Dequantization.addFixed(chunk, d);
      Tensor lp = flow.logProb(chunk);
      for (int i = 0; i < lp.size(); i++) {
        sum -= lp.getFlat(i);
      }
    }
    return sum / n;
  }

  /**
   * The arithmetic of one training step, counted as BENCHMARKS.md does for dense layers: {@code 6
   * batch sum(in out k^2 H W)} over the convolutions of the coupling networks (3x3 from half the
   * channels to {@code hidden}, 1x1 {@code hidden} to {@code hidden}, 3x3 {@code hidden} to the
   * channels) and the 1x1 invertible convolutions ({@code C^2 H W}); forward once, backward about
   * twice. ActNorm, the coupling's affine map and the squeezes are elementwise and not counted.
   */
  public static double flopPerStep(Config c, int channels, int height, int width) {
    double macs = 0;
    int ch = channels;
    int h = height;
    int w = width;
    for (int l = 0; l < c.levels(); l++) {
      ch *= 4;
      h /= 2;
      w /= 2;
      double positions = (double) h * w;
      double perStep =
          positions
              * ((ch / 2) * c.hidden() * 9.0
                  + (double) c.hidden() * c.hidden()
                  + c.hidden() * (double) ch * 9.0
                  + (double) ch * ch);
      macs += c.stepsPerLevel() * perStep;
      ch /= 2;
    }
    return 6 * c.batch() * macs;
  }

  /**
   * The JSON line of a run: the fields of BENCHMARKS.md ({@code workload, model, dataset, dim,
   * steps, batch, lr, params, threads, seed, train_sec, sec_per_step_median, test_bpd,
   * nonfinite_steps, peak_rss_mb}), then {@code test_nll_nats} (of {@code x} in {@code [0, 1)}),
   * {@code test_images}, {@code flop_per_step} and {@code efficiency}.
   */
  public static JsonLine line(
      Config c, Images train, long params, int threads, long seed, Result r) {
    double flop = flopPerStep(c, train.channels(), train.height(), train.width());
    return new JsonLine()
        .put("workload", "W4")
        .put("model", c.model())
        .put("dataset", "fashion-mnist")
        .put("dim", train.dimension())
        .put("steps", r.steps())
        .put("batch", c.batch())
        .put("lr", WorkloadBench.LEARNING_RATE)
        .put("params", params)
        .put("threads", threads)
        .put("seed", seed)
        .put("train_sec", r.trainSeconds())
        .put("sec_per_step_median", r.secondsPerStepMedian())
        .put("test_bpd", r.testBitsPerDim())
        .put("nonfinite_steps", r.nonfiniteSteps())
        .put("peak_rss_mb", WorkloadBench.peakRssMegabytes())
        .put("test_nll_nats", r.testNllNats())
        .put("test_images", Math.min(c.testImages(), Integer.MAX_VALUE))
        .put("flop_per_step", flop)
        .put("efficiency", Machine.efficiency(flop, r.secondsPerStepMedian(), threads));
  }

  /** The Fashion-MNIST image file of the training or test split in {@code root/fashion-mnist}. */
  public static Path file(Path root, boolean train) {
    return root.resolve("fashion-mnist")
        .resolve(train ? "train-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte.gz");
  }
}
