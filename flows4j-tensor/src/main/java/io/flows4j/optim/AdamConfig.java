package io.flows4j.optim;

import io.flows4j.tensor.Checks;

/**
 * Hyperparameters of {@link Adam} and {@link AdamW}, validated on construction.
 *
 * @param learningRate step size {@code lr}, finite and {@code > 0}
 * @param beta1 decay of the first-moment average, in {@code [0, 1)}
 * @param beta2 decay of the second-moment average, in {@code [0, 1)}
 * @param eps added to the denominator, finite and {@code >= 0}
 * @param weightDecay finite and {@code >= 0}: an L2 term {@code wd * p} added to the gradient by
 *     {@link Adam}, a decoupled decay {@code p *= 1 - lr * wd} by {@link AdamW}
 */
public record AdamConfig(
    double learningRate, double beta1, double beta2, double eps, double weightDecay) {

  /**
   * Validates the hyperparameters.
   *
   * @throws IllegalArgumentException if a value is outside its range (see the record components)
   */
  public AdamConfig {
    Checks.requireArgument(
        learningRate > 0 && !Double.isInfinite(learningRate),
        "Adam: learning rate must be finite and > 0, but was %s",
        learningRate);
    Checks.requireArgument(
        beta1 >= 0 && beta1 < 1, "Adam: beta1 must be in [0, 1), but was %s", beta1);
    Checks.requireArgument(
        beta2 >= 0 && beta2 < 1, "Adam: beta2 must be in [0, 1), but was %s", beta2);
    Checks.requireArgument(
        eps >= 0 && !Double.isInfinite(eps), "Adam: eps must be finite and >= 0, but was %s", eps);
    Checks.requireArgument(
        weightDecay >= 0 && !Double.isInfinite(weightDecay),
        "Adam: weight decay must be finite and >= 0, but was %s",
        weightDecay);
  }

  /** PyTorch's defaults with the given learning rate: betas (0.9, 0.999), eps 1e-8, no decay. */
  public static AdamConfig of(double learningRate) {
    return new AdamConfig(learningRate, 0.9, 0.999, 1e-8, 0);
  }

  /** This configuration with other betas. */
  public AdamConfig withBetas(double beta1, double beta2) {
    return new AdamConfig(learningRate, beta1, beta2, eps, weightDecay);
  }

  /** This configuration with another eps. */
  public AdamConfig withEps(double eps) {
    return new AdamConfig(learningRate, beta1, beta2, eps, weightDecay);
  }

  /** This configuration with another weight decay. */
  public AdamConfig withWeightDecay(double weightDecay) {
    return new AdamConfig(learningRate, beta1, beta2, eps, weightDecay);
  }
}
