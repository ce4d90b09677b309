package io.flows4j.bijectors;

import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;

/**
 * A conditional bijector at a fixed context; see {@link ConditionalBijector#given}. Its spec holds
 * the family's spec and the context values, so a flow at a fixed context saves and loads like any
 * other (the family's weights are its state, under {@code family.}).
 */
final class BoundContext extends Module implements Bijector {
  /** The type name in specs and model files. */
  static final String TYPE = "given-context";

  private final ConditionalBijector family;
  private final Var context;

  BoundContext(ConditionalBijector family, Var context) {
    Checks.requireShape(
        context.shape().rank() == 2 && context.shape().dim(1) == family.contextFeatures(),
        "ConditionalBijector.given: context must have shape [n, %d], but was %s",
        family.contextFeatures(),
        context.shape());
    this.family = family;
    this.context = context;
    if (family instanceof Module m) {
      registerModule("family", m);
    }
  }

  @Override
  public Transformed forward(Var x) {
    return family.forward(x, context);
  }

  @Override
  public Transformed inverse(Var z) {
    return family.inverse(z, context);
  }

  @Override
  public Json.Obj spec() {
    Tensor c = context.value();
    double[] values = new double[c.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = c.getFlat(i);
    }
    return Spec.of(TYPE)
        .put("family", family.spec())
        .put("rows", c.shape().dim(0))
        .put("context", values)
        .build();
  }

  /**
   * Rebuilds a bound family from its spec.
   *
   * @throws IllegalArgumentException if the family is not conditional or the context does not fit
   */
  static Bijector fromSpec(Json.Obj spec) {
    Bijector built = BijectorRegistry.build(spec.getObject("family"));
    if (!(built instanceof ConditionalBijector family)) {
      throw new IllegalArgumentException(
          "given-context: family must be a conditional bijector, but was '"
              + spec.getObject("family").getString("type")
              + "'");
    }
    int rows = spec.getInt("rows");
    double[] values = Spec.doubles(spec, TYPE, "context");
    int c = family.contextFeatures();
    Checks.requireArgument(
        rows >= 1 && c >= 1 && values.length == (long) rows * c,
        "given-context: context must hold rows x %d = %d values, but holds %d",
        c,
        (long) rows * c,
        values.length);
    Tensor t = Tensor.zeros(rows, c);
    for (int i = 0; i < values.length; i++) {
      t.setFlat(i, (float) values[i]);
    }
    return new BoundContext(family, Var.constant(t));
  }
}
