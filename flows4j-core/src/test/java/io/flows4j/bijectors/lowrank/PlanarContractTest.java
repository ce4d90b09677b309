package io.flows4j.bijectors.lowrank;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.tensor.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/** The bijector contract for planar layers in both orientations and with both activations. */
class PlanarContractTest {
  /** Spread of the random parameter perturbation: far from the identity. */
  private static final double PERTURBATION = 0.8;

  private static Planar planar(
      int d, Planar.Nonlinearity n, Orientation o, long seed, double slope) {
    return Planar.builder(d).nonlinearity(n).negativeSlope(slope).orientation(o).seed(seed).build();
  }

  abstract static class Base extends BijectorContractTest {
    abstract Planar.Nonlinearity nonlinearity();

    abstract Orientation orientation();

    double slope() {
      return Planar.DEFAULT_NEGATIVE_SLOPE;
    }

    @Override
    protected Bijector create(long seed) {
      Planar p = planar(3, nonlinearity(), orientation(), seed, slope());
      perturb(p, seed + 1, PERTURBATION);
      return p;
    }

    @Override
    protected Shape eventShape() {
      return Shape.of(3);
    }
  }

  @Nested
  @DisplayName("planar, tanh, closed form in the sampling direction")
  class TanhSampling extends Base {
    @Override
    Planar.Nonlinearity nonlinearity() {
      return Planar.Nonlinearity.TANH;
    }

    @Override
    Orientation orientation() {
      return Orientation.SAMPLING;
    }
  }

  @Nested
  @DisplayName("planar, tanh, closed form in the density direction")
  class TanhDensity extends Base {
    @Override
    Planar.Nonlinearity nonlinearity() {
      return Planar.Nonlinearity.TANH;
    }

    @Override
    Orientation orientation() {
      return Orientation.DENSITY;
    }
  }

  @Nested
  @DisplayName("planar, leaky ReLU (slope 0.3), closed form in the sampling direction")
  class LeakySampling extends Base {
    @Override
    Planar.Nonlinearity nonlinearity() {
      return Planar.Nonlinearity.LEAKY_RELU;
    }

    @Override
    Orientation orientation() {
      return Orientation.SAMPLING;
    }

    @Override
    double slope() {
      return 0.3;
    }
  }

  @Nested
  @DisplayName("planar, leaky ReLU (slope 2.5), closed form in the density direction")
  class LeakyDensity extends Base {
    @Override
    Planar.Nonlinearity nonlinearity() {
      return Planar.Nonlinearity.LEAKY_RELU;
    }

    @Override
    Orientation orientation() {
      return Orientation.DENSITY;
    }

    @Override
    double slope() {
      return 2.5;
    }
  }

  @Nested
  @DisplayName("planar, inverted view of a sampling layer")
  class InvertedSampling extends BijectorContractTest {
    @Override
    protected Bijector create(long seed) {
      Planar p = Planar.sampling(3, seed);
      perturb(p, seed + 1, PERTURBATION);
      return p.inverted();
    }

    @Override
    protected Shape eventShape() {
      return Shape.of(3);
    }
  }

  @Nested
  @DisplayName("a chain of 8 planar layers (tanh, sampling orientation) in 2-D")
  class ChainOfEight extends BijectorContractTest {
    @Override
    protected Bijector create(long seed) {
      List<Bijector> layers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Planar p = Planar.sampling(2, seed + i);
        perturb(p, seed + 100 + i, PERTURBATION);
        layers.add(p);
      }
      return Bijectors.chain(layers);
    }

    @Override
    protected Shape eventShape() {
      return Shape.of(2);
    }
  }
}
