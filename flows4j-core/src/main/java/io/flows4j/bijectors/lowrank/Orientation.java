package io.flows4j.bijectors.lowrank;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which direction of a planar, radial or Sylvester layer is the closed-form formula of its paper,
 * {@code y = x + (update of x)}; the other direction is computed numerically (see the package
 * comment). Recorded in the layer's spec, so a model file rebuilds the same orientation.
 */
public enum Orientation {
  /**
   * Closed form in the sampling direction: {@code Bijector.inverse} (latent to data) is the
   * formula, {@code Bijector.forward} (data to latent) is numerical. For variational inference,
   * where training draws latent samples and needs their densities.
   */
  SAMPLING,
  /**
   * Closed form in the density direction: {@code Bijector.forward} (data to latent) is the formula,
   * {@code Bijector.inverse} is numerical. For maximum-likelihood training on data.
   */
  DENSITY;

  /** The name in specs: {@code "sampling"} or {@code "density"}. */
  public String specName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The other orientation. */
  public Orientation opposite() {
    return this == SAMPLING ? DENSITY : SAMPLING;
  }

  /**
   * The orientation written as {@link #specName()}.
   *
   * @throws IllegalArgumentException if {@code name} is neither
   */
  public static Orientation fromSpecName(String name) {
    for (Orientation o : values()) {
      if (o.specName().equals(name)) {
        return o;
      }
    }
    throw new IllegalArgumentException(
        "orientation must be one of "
            + Arrays.stream(values()).map(Orientation::specName).toList()
            + ", but was '"
            + name
            + "'");
  }
}
