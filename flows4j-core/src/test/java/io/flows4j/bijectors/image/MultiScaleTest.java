package io.flows4j.bijectors.image;

import io.flows4j.bijectors.ActNorm;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.Nested;

/** The contract on small multi-scale flows built from ActNorm and a test coupling. */
class MultiScaleTest extends BijectorContractTest {
  /** Two levels on 1x4x4 images: [4, 2, 2] after level 0 (half factored out), [8, 1, 1] after 1. */
  static MultiScale twoLevels(long seed) {
    MultiScale m =
        new MultiScale(
            1,
            4,
            4,
            List.of(
                Bijectors.chain(new Squeeze(), new ActNorm(4), new TestCoupling(4, seed)),
                Bijectors.chain(new Squeeze(), new ActNorm(8), new TestCoupling(8, seed + 1))));
    perturb(m, seed, 0.3);
    // Evaluation mode, so that ActNorm keeps the perturbed parameters instead of initialising.
    m.eval();
    return m;
  }

  @Override
  protected Bijector create(long seed) {
    return twoLevels(seed);
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(16);
  }

  /** Three levels on 2x8x8 images, the last without a squeeze. */
  @Nested
  class ThreeLevels extends BijectorContractTest {
    @Override
    protected Bijector create(long seed) {
      MultiScale m =
          new MultiScale(
              2,
              8,
              8,
              List.of(
                  Bijectors.chain(new Squeeze(), new TestCoupling(8, seed)),
                  Bijectors.chain(new Squeeze(), new ActNorm(16), new TestCoupling(16, seed + 1)),
                  Bijectors.chain(new ActNorm(8), new TestCoupling(8, seed + 2))));
      perturb(m, seed, 0.3);
      m.eval();
      return m;
    }

    @Override
    protected Shape eventShape() {
      return Shape.of(128);
    }
  }
}
