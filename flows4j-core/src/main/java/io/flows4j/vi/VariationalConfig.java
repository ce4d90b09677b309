package io.flows4j.vi;

import io.flows4j.tensor.Checks;
import io.flows4j.training.TrainingConfig.OptimizerKind;

/**
 * How a flow is fitted to a target by {@link VariationalTrainer}: length, samples per step,
 * optimizer, gradient clipping, the inverse-temperature schedule and the seed. Validated on
 * construction; build one with {@link #builder()} (defaults below) or take {@link #w2} (the
 * protocol of BENCHMARKS.md, workload W2).
 *
 * @param steps optimizer steps, {@code >= 1}
 * @param batchSize samples of the flow per step, {@code >= 1}
 * @param learningRate finite and {@code > 0}; constant
 * @param optimizer {@link OptimizerKind#ADAM} (weight decay as an L2 term {@code wd * p} added to
 *     the gradient, as {@code torch.optim.Adam(weight_decay=...)}) or {@link OptimizerKind#ADAMW}
 *     (decoupled decay)
 * @param weightDecay finite and {@code >= 0}
 * @param maxGradNorm the largest total gradient norm before an update (larger gradients are scaled
 *     down to it), or 0 for no clipping; finite and {@code >= 0}
 * @param annealing the inverse temperature {@code beta_t} of the target
 * @param historyInterval steps per point of the learning curve kept in the result, {@code >= 1}
 * @param seed the seed of the flow's samples (not of its initial weights, which the code that
 *     builds the flow chooses)
 */
public record VariationalConfig(
    int steps,
    int batchSize,
    double learningRate,
    OptimizerKind optimizer,
    double weightDecay,
    double maxGradNorm,
    Annealing annealing,
    int historyInterval,
    long seed) {

  /** Default number of steps. */
  public static final int DEFAULT_STEPS = 5000;

  /** Default samples per step. */
  public static final int DEFAULT_BATCH_SIZE = 256;

  /** Default learning rate. */
  public static final double DEFAULT_LEARNING_RATE = 1e-3;

  /** Default steps per point of the learning curve. */
  public static final int DEFAULT_HISTORY_INTERVAL = 100;

  /** Steps of W2 in BENCHMARKS.md. */
  public static final int W2_STEPS = 10_000;

  /** Samples per step of W2. */
  public static final int W2_BATCH_SIZE = 256;

  /** Learning rate of W2. */
  public static final double W2_LEARNING_RATE = 1e-3;

  /** Weight decay of W2 (an L2 term, as the peer's {@code torch.optim.Adam}). */
  public static final double W2_WEIGHT_DECAY = 1e-3;

  /**
   * Validates every field.
   *
   * @throws IllegalArgumentException naming the first field outside its range
   */
  public VariationalConfig {
    String op = "VariationalConfig";
    Checks.requirePositive(steps, op, "steps");
    Checks.requirePositive(batchSize, op, "batch size");
    Checks.requireArgument(
        learningRate > 0 && Double.isFinite(learningRate),
        "%s: learning rate must be finite and > 0, but was %s",
        op,
        learningRate);
    Checks.requireArgument(optimizer != null, "%s: optimizer must not be null", op);
    Checks.requireArgument(
        weightDecay >= 0 && Double.isFinite(weightDecay),
        "%s: weight decay must be finite and >= 0, but was %s",
        op,
        weightDecay);
    Checks.requireArgument(
        maxGradNorm >= 0 && Double.isFinite(maxGradNorm),
        "%s: max gradient norm must be finite and >= 0 (0 for no clipping), but was %s",
        op,
        maxGradNorm);
    Checks.requireArgument(annealing != null, "%s: annealing must not be null", op);
    Checks.requirePositive(historyInterval, op, "history interval");
  }

  /**
   * The protocol of BENCHMARKS.md, workload W2: 10,000 steps of 256 samples, Adam at a constant
   * 1e-3 with weight decay 1e-3 as an L2 term (PyTorch's {@code torch.optim.Adam(lr=1e-3,
   * weight_decay=1e-3)}, which the peer uses), no clipping, seed 0, and the given schedule ({@link
   * Annealing#w2()} for U1, {@link Annealing#none()} for U2 to U4).
   */
  public static VariationalConfig w2(Annealing annealing) {
    return builder()
        .steps(W2_STEPS)
        .batchSize(W2_BATCH_SIZE)
        .learningRate(W2_LEARNING_RATE)
        .optimizer(OptimizerKind.ADAM, W2_WEIGHT_DECAY)
        .maxGradNorm(0)
        .annealing(annealing)
        .seed(0)
        .build();
  }

  /**
   * A builder with the defaults: {@value #DEFAULT_STEPS} steps of {@value #DEFAULT_BATCH_SIZE}
   * samples, Adam at a constant {@value #DEFAULT_LEARNING_RATE} without weight decay or clipping,
   * {@code beta = 1}, a history point every {@value #DEFAULT_HISTORY_INTERVAL} steps, seed 0.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.steps = steps;
    b.batchSize = batchSize;
    b.learningRate = learningRate;
    b.optimizer = optimizer;
    b.weightDecay = weightDecay;
    b.maxGradNorm = maxGradNorm;
    b.annealing = annealing;
    b.historyInterval = historyInterval;
    b.seed = seed;
    return b;
  }

  /** Builds a {@link VariationalConfig}; {@link #build()} validates. */
  public static final class Builder {
    private int steps = DEFAULT_STEPS;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private double learningRate = DEFAULT_LEARNING_RATE;
    private OptimizerKind optimizer = OptimizerKind.ADAM;
    private double weightDecay;
    private double maxGradNorm;
    private Annealing annealing = Annealing.none();
    private int historyInterval = DEFAULT_HISTORY_INTERVAL;
    private long seed;

    private Builder() {}

    /** Optimizer steps. */
    public Builder steps(int steps) {
      this.steps = steps;
      return this;
    }

    /** Samples per step. */
    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** The constant learning rate. */
    public Builder learningRate(double learningRate) {
      this.learningRate = learningRate;
      return this;
    }

    /** The optimizer and its weight decay. */
    public Builder optimizer(OptimizerKind optimizer, double weightDecay) {
      this.optimizer = optimizer;
      this.weightDecay = weightDecay;
      return this;
    }

    /** The gradient-norm bound, 0 for no clipping. */
    public Builder maxGradNorm(double maxGradNorm) {
      this.maxGradNorm = maxGradNorm;
      return this;
    }

    /** The inverse-temperature schedule. */
    public Builder annealing(Annealing annealing) {
      this.annealing = annealing;
      return this;
    }

    /** Steps per point of the learning curve. */
    public Builder historyInterval(int historyInterval) {
      this.historyInterval = historyInterval;
      return this;
    }

    /** The seed of the flow's samples. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /**
     * The configuration.
     *
     * @throws IllegalArgumentException naming the first field outside its range
     */
    public VariationalConfig build() {
      return new VariationalConfig(
          steps,
          batchSize,
          learningRate,
          optimizer,
          weightDecay,
          maxGradNorm,
          annealing,
          historyInterval,
          seed);
    }
  }
}
