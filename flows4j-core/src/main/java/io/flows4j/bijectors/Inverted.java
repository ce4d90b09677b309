package io.flows4j.bijectors;

import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;

/**
 * A bijector seen the other way round; see {@link Bijector#inverted()}. A conditional family (with
 * {@code C > 0}) is inverted by {@link Conditional}, which is a conditional family too.
 */
class Inverted extends Module implements Bijector {
  static final String TYPE = "inverted";

  private final Bijector inner;

  Inverted(Bijector inner) {
    this.inner = inner;
    if (inner instanceof Module m) {
      registerModule("inner", m);
    }
  }

  Bijector inner() {
    return inner;
  }

  @Override
  public Transformed forward(Var x) {
    return inner.inverse(x);
  }

  @Override
  public Transformed inverse(Var z) {
    return inner.forward(z);
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).put("inner", inner.spec()).build();
  }

  /**
   * A conditional family seen the other way round, itself conditional on the same context: {@code
   * forward(x, c) = inner.inverse(x, c)} (an IAF layer is a conditional MAF layer inverted).
   */
  static final class Conditional extends Inverted implements ConditionalBijector {
    private final ConditionalBijector family;

    Conditional(Bijector inner) {
      super(inner);
      this.family = (ConditionalBijector) inner;
    }

    @Override
    public Transformed forward(Var x, Var context) {
      return family.inverse(x, context);
    }

    @Override
    public Transformed inverse(Var z, Var context) {
      return family.forward(z, context);
    }

    @Override
    public int contextFeatures() {
      return family.contextFeatures();
    }
  }
}
