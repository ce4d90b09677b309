package io.flows4j.bijectors;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.MathOps;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;

/**
 * A trainable elementwise affine map with a positive scale, {@code z = x * exp(s) + t}, with {@code
 * log|det J| = sum_j s_j} (the same for every row); the inverse is {@code x = (z - t) * exp(-s)}.
 * Starts at the identity ({@code s = t = 0}).
 *
 * <p>Parameters: {@code logScale} and {@code shift}, each of shape {@code [features]}.
 */
public final class ElementwiseAffine extends Module implements Bijector {
  static final String TYPE = "elementwise-affine";

  private final int features;
  private final io.flows4j.autodiff.Parameter logScale;
  private final io.flows4j.autodiff.Parameter shift;

  /**
   * Creates the identity map on {@code features} features.
   *
   * @throws IllegalArgumentException if {@code features < 1}
   */
  public ElementwiseAffine(int features) {
    Checks.requirePositive(features, "ElementwiseAffine", "features");
    this.features = features;
    this.logScale = registerParameter("logScale", Tensor.zeros(features));
    this.shift = registerParameter("shift", Tensor.zeros(features));
  }

  @Override
  public Transformed forward(Var x) {
    requireInput("ElementwiseAffine.forward", x);
    Var s = logScale.var();
    Var z = ArithmeticOps.add(ArithmeticOps.mul(x, MathOps.exp(s)), shift.var());
    return new Transformed(z, perRow(Reductions.sum(s), x.shape().batch()));
  }

  @Override
  public Transformed inverse(Var z) {
    requireInput("ElementwiseAffine.inverse", z);
    Var s = logScale.var();
    Var x = ArithmeticOps.mul(ArithmeticOps.sub(z, shift.var()), MathOps.exp(ArithmeticOps.neg(s)));
    return new Transformed(x, perRow(ArithmeticOps.neg(Reductions.sum(s)), z.shape().batch()));
  }

  /** Repeats a one-element log-determinant for every row: {@code [1] -> [batch]}. */
  static Var perRow(Var total, int batch) {
    return ArithmeticOps.add(Var.constant(Tensor.zeros(batch)), total);
  }

  private void requireInput(String op, Var x) {
    Checks.requireShape(
        x.shape().rank() == 2 && x.shape().dim(1) == features,
        "%s: input must have shape [batch, %d], but was %s",
        op,
        features,
        x.shape());
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).put("features", features).build();
  }

  static ElementwiseAffine fromSpec(Json.Obj spec) {
    return new ElementwiseAffine(spec.getInt("features"));
  }
}
