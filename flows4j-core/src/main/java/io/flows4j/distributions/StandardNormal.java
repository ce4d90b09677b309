package io.flows4j.distributions;

import io.flows4j.autodiff.Losses;
import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The standard normal {@code N(0, I)} over events of a given shape: {@code log p(z) = -|z|^2 / 2 -
 * (D/2) log(2 pi)} with {@code D} the number of elements of one event.
 */
public final class StandardNormal implements Distribution {
  static final String TYPE = "standard-normal";

  private final Shape eventShape;

  /**
   * Creates the distribution over events of the given shape.
   *
   * @param eventDims e.g. {@code 2} for points in the plane, {@code 1, 28, 28} for images
   */
  public StandardNormal(int... eventDims) {
    this.eventShape = Shape.of(eventDims);
    Checks.requireArgument(eventShape.size() > 0, "StandardNormal: event must not be empty");
  }

  @Override
  public Shape eventShape() {
    return eventShape;
  }

  @Override
  public Var logProb(Var z) {
    Distributions.requireEvent("StandardNormal.logProb", z, eventShape);
    return Losses.standardNormalLogProb(z);
  }

  @Override
  public Tensor sample(int n, double temperature, Rng rng) {
    Distributions.requireSampleArgs("StandardNormal.sample", n, temperature);
    return rng.fillNormal(Tensor.zeros(Distributions.batchShape(n, eventShape)), 0, temperature);
  }

  @Override
  public Json.Obj spec() {
    return Json.object(
        java.util.Map.of(
            "type", Json.of(TYPE), "event", Json.array(Distributions.dimsJson(eventShape))));
  }

  static StandardNormal fromSpec(Json.Obj spec) {
    return new StandardNormal(spec.getArray("event").toIntArray());
  }

  @Override
  public String toString() {
    return "StandardNormal" + eventShape;
  }
}
