package io.flows4j.bijectors.lowrank;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;

/** The bijector contract for Sylvester layers: both frames, both orientations, M = D and M < D. */
class SylvesterContractTest {
  /** Spread of the random parameter perturbation: far from the identity. */
  private static final double PERTURBATION = 0.8;

  abstract static class Base extends BijectorContractTest {
    abstract Sylvester.Builder configure(Sylvester.Builder b);

    abstract Orientation orientation();

    int features() {
      return 4;
    }

    @Override
    protected Bijector create(long seed) {
      Sylvester s =
          configure(Sylvester.builder(features())).orientation(orientation()).seed(seed).build();
      perturb(s, seed + 1, PERTURBATION);
      return s;
    }

    @Override
    protected Shape eventShape() {
      return Shape.of(features());
    }
  }

  @Nested
  @DisplayName("Sylvester, Householder (K = 3), M = D = 4, sampling direction closed")
  class HouseholderSampling extends Base {
    @Override
    Sylvester.Builder configure(Sylvester.Builder b) {
      return b.householder(3);
    }

    @Override
    Orientation orientation() {
      return Orientation.SAMPLING;
    }
  }

  @Nested
  @DisplayName("Sylvester, Householder (K = 4), M = 2 < D = 4, density direction closed")
  class HouseholderDensity extends Base {
    @Override
    Sylvester.Builder configure(Sylvester.Builder b) {
      return b.householder(4).rank(2);
    }

    @Override
    Orientation orientation() {
      return Orientation.DENSITY;
    }
  }

  @Nested
  @DisplayName("Sylvester, Cayley frame, M = 3 < D = 4, sampling direction closed")
  class OrthogonalSampling extends Base {
    @Override
    Sylvester.Builder configure(Sylvester.Builder b) {
      return b.orthogonal().rank(3);
    }

    @Override
    Orientation orientation() {
      return Orientation.SAMPLING;
    }
  }

  @Nested
  @DisplayName("Sylvester, Cayley frame, M = D = 4, density direction closed")
  class OrthogonalDensity extends Base {
    @Override
    Sylvester.Builder configure(Sylvester.Builder b) {
      return b.orthogonal();
    }

    @Override
    Orientation orientation() {
      return Orientation.DENSITY;
    }
  }
}
