package io.flows4j.bijectors;

import io.flows4j.autodiff.Var;
import io.flows4j.data.Standardizer;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;

/**
 * A fixed (not trained) per-feature standardization as a bijector, so that a flow whose chain
 * starts with it gives the exact density of raw, unstandardized data:
 *
 * <pre>
 *   forward (data to latent):  z_j = (x_j - mean_j) / std_j
 *   log|det dz/dx| = -sum_j log std_j        (the same for every row)
 *   inverse:                   x_j = z_j * std_j + mean_j
 * </pre>
 *
 * <p>Place it first in the chain: {@code log p(x) = log q(T(x)) - sum_j log std_j}, where {@code q}
 * is the density the rest of the flow fits to standardized data (the change of variables of {@link
 * Standardizer#logAbsDet()}). The constants are float32 buffers ({@code mean}, {@code std}, shape
 * {@code [features]}), saved with the weights, and also written in the {@link #spec()}, so the
 * architecture alone rebuilds the same map; the log-determinant is computed in double from the
 * buffers' values, so it is exact for the map actually applied. Inputs are {@code [batch,
 * features]} (or {@code [batch, features, ...]}, one constant pair per channel).
 */
public final class Standardization extends Module implements Bijector {
  static final String TYPE = "standardization";

  private final int features;
  private final Tensor mean;
  private final Tensor std;

  /**
   * Creates the map from per-feature means and standard deviations (rounded to float32).
   *
   * @throws IllegalArgumentException if the arrays are empty or differ in length, a mean is not
   *     finite, or a standard deviation is not finite and {@code > 0} after rounding to float32
   */
  public Standardization(double[] mean, double[] std) {
    Checks.requireArgument(
        mean.length > 0 && mean.length == std.length,
        "Standardization: mean and std must be non-empty and of equal length, but had %d and %d",
        mean.length,
        std.length);
    this.features = mean.length;
    this.mean = registerBuffer("mean", Tensor.zeros(features));
    this.std = registerBuffer("std", Tensor.zeros(features));
    for (int j = 0; j < features; j++) {
      float m = (float) mean[j];
      float s = (float) std[j];
      Checks.requireArgument(
          Float.isFinite(m), "Standardization: mean[%d] must be finite, but was %s", j, mean[j]);
      Checks.requireArgument(
          Float.isFinite(s) && s > 0,
          "Standardization: std[%d] must be finite and > 0 in float32, but was %s",
          j,
          std[j]);
      this.mean.setFlat(j, m);
      this.std.setFlat(j, s);
    }
  }

  /** The map of a fitted {@link Standardizer}: its means and standard deviations. */
  public static Standardization of(Standardizer standardizer) {
    return new Standardization(standardizer.mean(), standardizer.std());
  }

  /** The number of features. */
  public int features() {
    return features;
  }

  /** The means as stored (float32 values, as doubles). */
  public double[] mean() {
    return toDoubles(mean);
  }

  /** The standard deviations as stored (float32 values, as doubles). */
  public double[] std() {
    return toDoubles(std);
  }

  /**
   * The log-determinant of the forward map, {@code -sum_j log std_j}, in double, for each row of a
   * {@code [batch, features]} input (times the positions of a {@code [batch, features, ...]}
   * input).
   */
  public double logAbsDet() {
    double s = 0;
    for (int j = 0; j < features; j++) {
      s -= Math.log(std.getFlat(j));
    }
    return s;
  }

  /**
   * {@code z = (x - mean) / std}.
   *
   * @param x of shape {@code [batch, features]} or {@code [batch, features, ...]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} does not have that shape
   */
  @Override
  public Transformed forward(Var x) {
    ChannelLayout l = ChannelLayout.of("Standardization.forward", x.shape(), features);
    return ChannelAffine.forward(x, terms(), l);
  }

  /**
   * {@code x = z * std + mean}.
   *
   * @param z of shape {@code [batch, features]} or {@code [batch, features, ...]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} does not have that shape
   */
  @Override
  public Transformed inverse(Var z) {
    ChannelLayout l = ChannelLayout.of("Standardization.inverse", z.shape(), features);
    return ChannelAffine.inverse(z, terms(), l);
  }

  private ChannelAffine.Terms terms() {
    return new ChannelAffine.Terms(null, mean(), null, inverseStd(), null);
  }

  private double[] inverseStd() {
    double[] f = new double[features];
    for (int j = 0; j < features; j++) {
      f[j] = 1.0 / std.getFlat(j);
    }
    return f;
  }

  private static double[] toDoubles(Tensor t) {
    double[] d = new double[t.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = t.getFlat(i);
    }
    return d;
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).put("mean", mean()).put("std", std()).build();
  }

  static Standardization fromSpec(Json.Obj spec) {
    return new Standardization(
        Spec.doubles(spec, "Standardization", "mean"),
        Spec.doubles(spec, "Standardization", "std"));
  }
}
