package io.flows4j.bijectors;

import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;

/** A bijector seen the other way round; see {@link Bijector#inverted()}. */
final class Inverted extends Module implements Bijector {
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
}
