package io.flows4j.bijectors.lowrank;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/** The bijector contract for radial layers in both orientations. */
class RadialContractTest {
  /** Spread of the random parameter perturbation: far from the identity. */
  private static final double PERTURBATION = 0.8;

  abstract static class Base extends BijectorContractTest {
    abstract Orientation orientation();

    @Override
    protected Bijector create(long seed) {
      Radial r = new Radial(3, orientation(), seed);
      perturb(r, seed + 1, PERTURBATION);
      return r;
    }

    @Override
    protected Shape eventShape() {
      return Shape.of(3);
    }
  }

  @Nested
  @DisplayName("radial, closed form in the sampling direction")
  class Sampling extends Base {
    @Override
    Orientation orientation() {
      return Orientation.SAMPLING;
    }
  }

  @Nested
  @DisplayName("radial, closed form in the density direction")
  class Density extends Base {
    @Override
    Orientation orientation() {
      return Orientation.DENSITY;
    }
  }
}
