package io.flows4j.bijectors.residual;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.autodiff.Tape;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.ConditionalContextTest;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * How a conditional residual block uses its context, and that it stays invertible in {@code x} at
 * contexts far from the training range (the context term is not constrained).
 */
class ConditionalResidualBlockContextTest extends ConditionalContextTest {
  /** Round-trip tolerance at large contexts (the contract test's, for inputs of size ~10). */
  private static final double ROUND_TRIP_TOL = 2e-3;

  @Override
  protected ConditionalBijector create(long seed) {
    return ConditionalResidualBlockTest.block(seed);
  }

  @Override
  protected Bijector createUnconditional(long seed) {
    return InvertibleResidualBlock.builder(3).hidden(8, 8).seed(seed).build();
  }

  @Override
  protected int features() {
    return 3;
  }

  @Override
  protected int context() {
    return ConditionalResidualBlockTest.CONTEXT;
  }

  @Test
  @DisplayName("the inverse recovers x at contexts 20 standard deviations out (seed 20261123)")
  void invertibleAtLargeContexts() {
    ConditionalBijector b = create(SEED);
    Tensor x = input(SEED + 11, ROWS);
    Tensor c = normal(SEED + 12, ROWS, context());
    for (int i = 0; i < c.size(); i++) {
      c.setFlat(i, 20f * c.getFlat(i));
    }
    try (Tape t = Tape.noGrad()) {
      Tensor z = b.forward(t.input(x), t.input(c)).value().value();
      Tensor back = b.inverse(t.input(z), t.input(c)).value().value();
      for (int i = 0; i < x.size(); i++) {
        assertThat((double) back.getFlat(i))
            .as("element %d", i)
            .isCloseTo(x.getFlat(i), org.assertj.core.data.Offset.offset(ROUND_TRIP_TOL));
      }
    }
  }
}
