package io.flows4j.optim;

import io.flows4j.tensor.Checks;

/**
 * Hyperparameters of {@link Sgd}, validated on construction.
 *
 * @param learningRate step size {@code lr}, finite and {@code > 0}
 * @param momentum {@code mu}, in {@code [0, 1)}; 0 turns momentum off
 * @param weightDecay L2 coefficient added to the gradient as {@code wd * p}, finite and {@code >=
 *     0}
 * @param nesterov use Nesterov momentum (needs {@code momentum > 0})
 */
public record SgdConfig(
    double learningRate, double momentum, double weightDecay, boolean nesterov) {

  /**
   * Validates the hyperparameters.
   *
   * @throws IllegalArgumentException if a value is outside its range, or {@code nesterov} is set
   *     without momentum
   */
  public SgdConfig {
    Checks.requireArgument(
        learningRate > 0 && !Double.isInfinite(learningRate),
        "Sgd: learning rate must be finite and > 0, but was %s",
        learningRate);
    Checks.requireArgument(
        momentum >= 0 && momentum < 1, "Sgd: momentum must be in [0, 1), but was %s", momentum);
    Checks.requireArgument(
        weightDecay >= 0 && !Double.isInfinite(weightDecay),
        "Sgd: weight decay must be finite and >= 0, but was %s",
        weightDecay);
    Checks.requireArgument(
        !nesterov || momentum > 0, "Sgd: nesterov momentum needs momentum > 0, but was 0");
  }

  /** Plain gradient descent with the given learning rate. */
  public static SgdConfig of(double learningRate) {
    return new SgdConfig(learningRate, 0, 0, false);
  }

  /** This configuration with (heavy-ball) momentum {@code mu}. */
  public SgdConfig withMomentum(double momentum) {
    return new SgdConfig(learningRate, momentum, weightDecay, nesterov);
  }

  /** This configuration with Nesterov momentum {@code mu}. */
  public SgdConfig withNesterov(double momentum) {
    return new SgdConfig(learningRate, momentum, weightDecay, true);
  }

  /** This configuration with another weight decay. */
  public SgdConfig withWeightDecay(double weightDecay) {
    return new SgdConfig(learningRate, momentum, weightDecay, nesterov);
  }
}
