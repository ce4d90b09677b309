package io.flows4j.bijectors.autoregressive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AffineAutoregressiveOpsTest {
  private static final int ROWS = 4;
  private static final int FEATURES = 3;
  private static final float BOUND = (float) MaskedAffineAutoregressive.DEFAULT_LOG_SCALE_BOUND;

  /** Relative tolerance of float results against the double reference (a few float ulps). */
  private static final double REL_TOL = 1e-6;

  /** Conditioner outputs wide enough that some log-scales sit deep in the soft clip. */
  private static Tensor conditioner(long seed) {
    return GradCheck.uniform(seed, -12, 12, ROWS, 2 * FEATURES);
  }

  private static double clip(double a) {
    return a / (1 + Math.abs(a) / BOUND);
  }

  /** The op's value and log-det side by side, {@code [rows, D + 1]}, for GradCheck. */
  private static Var both(Transformed t) {
    return ShapeOps.concat(1, t.value(), ShapeOps.reshape(t.logAbsDet(), ROWS, 1));
  }

  @Test
  @DisplayName("forward matches a double reference (seed 11)")
  void forwardMatchesReference() {
    Tensor x = GradCheck.uniform(11, -3, 3, ROWS, FEATURES);
    Tensor h = conditioner(12);
    Transformed t;
    try (Tape tape = Tape.noGrad()) {
      t = AffineAutoregressiveOps.forward(tape.input(x), tape.input(h), BOUND);
    }
    for (int r = 0; r < ROWS; r++) {
      double ld = 0;
      for (int j = 0; j < FEATURES; j++) {
        double mu = h.get(r, 2 * j);
        double s = clip(h.get(r, 2 * j + 1));
        double z = (x.get(r, j) - mu) * Math.exp(-s);
        ld -= s;
        assertThat((double) t.value().value().get(r, j))
            .isCloseTo(z, Offset.offset(REL_TOL * (1 + Math.abs(z))));
      }
      assertThat((double) t.logAbsDet().value().getFlat(r))
          .isCloseTo(ld, Offset.offset(REL_TOL * (1 + Math.abs(ld))));
    }
  }

  @Test
  @DisplayName("inverse matches a double reference and undoes forward (seed 13)")
  void inverseMatchesReference() {
    Tensor z = GradCheck.uniform(13, -3, 3, ROWS, FEATURES);
    Tensor h = conditioner(14);
    Transformed t;
    Transformed back;
    try (Tape tape = Tape.noGrad()) {
      t = AffineAutoregressiveOps.inverse(tape.input(z), tape.input(h), BOUND);
      back = AffineAutoregressiveOps.forward(t.value(), tape.input(h), BOUND);
    }
    for (int r = 0; r < ROWS; r++) {
      double ld = 0;
      for (int j = 0; j < FEATURES; j++) {
        double mu = h.get(r, 2 * j);
        double s = clip(h.get(r, 2 * j + 1));
        double x = z.get(r, j) * Math.exp(s) + mu;
        ld += s;
        assertThat((double) t.value().value().get(r, j))
            .isCloseTo(x, Offset.offset(REL_TOL * (1 + Math.abs(x))));
        assertThat((double) back.value().value().get(r, j))
            .isCloseTo(z.get(r, j), Offset.offset(1e-3 * (1 + Math.abs(z.get(r, j)))));
      }
      assertThat((double) t.logAbsDet().value().getFlat(r))
          .isCloseTo(ld, Offset.offset(REL_TOL * (1 + Math.abs(ld))));
      assertThat((double) back.logAbsDet().value().getFlat(r))
          .isCloseTo(-ld, Offset.offset(REL_TOL * (1 + Math.abs(ld))));
    }
  }

  @Test
  @DisplayName("log-scales of +-1e30 stay inside the bound: finite values and log-dets")
  void logScaleIsBounded() {
    Tensor x = Tensor.full(io.flows4j.tensor.Shape.of(1, 2), 1f);
    Tensor h = Tensor.of(new float[] {0f, 1e30f, 0f, -1e30f}, 1, 4);
    try (Tape tape = Tape.noGrad()) {
      Transformed f = AffineAutoregressiveOps.forward(tape.input(x), tape.input(h), BOUND);
      Transformed g = AffineAutoregressiveOps.inverse(tape.input(x), tape.input(h), BOUND);
      for (Transformed t : new Transformed[] {f, g}) {
        for (float v : t.value().value().toArray()) {
          assertThat(Float.isFinite(v)).as("value %s", v).isTrue();
        }
        assertThat(Math.abs(t.logAbsDet().value().getFlat(0))).isLessThanOrEqualTo(2 * BOUND);
      }
      assertThat((double) f.value().value().getFlat(0))
          .isCloseTo(Math.exp(-BOUND), Offset.offset(1e-6));
    }
  }

  @Test
  @DisplayName("forward backward rules (value and log-det) match finite differences (seed 21)")
  void forwardGradients() {
    Tensor x = GradCheck.uniform(21, -2, 2, ROWS, FEATURES);
    Tensor h = GradCheck.uniform(22, -4, 4, ROWS, 2 * FEATURES);
    GradCheck.check(v -> both(AffineAutoregressiveOps.forward(v[0], v[1], BOUND)), 23, x, h);
  }

  @Test
  @DisplayName("forward log-det alone propagates its gradient (seed 24)")
  void forwardLogDetAloneGradients() {
    Tensor x = GradCheck.uniform(24, -2, 2, ROWS, FEATURES);
    Tensor h = GradCheck.uniform(25, -4, 4, ROWS, 2 * FEATURES);
    GradCheck.check(v -> AffineAutoregressiveOps.forward(v[0], v[1], BOUND).logAbsDet(), 26, x, h);
  }

  @Test
  @DisplayName("inverse backward rules (value and log-det) match finite differences (seed 31)")
  void inverseGradients() {
    Tensor z = GradCheck.uniform(31, -2, 2, ROWS, FEATURES);
    Tensor h = GradCheck.uniform(32, -4, 4, ROWS, 2 * FEATURES);
    GradCheck.check(v -> both(AffineAutoregressiveOps.inverse(v[0], v[1], BOUND)), 33, z, h);
  }

  @Test
  @DisplayName("the conditioner output must be [batch, 2 D]")
  void rejectsMismatchedConditioner() {
    try (Tape tape = Tape.noGrad()) {
      Var x = tape.input(Tensor.zeros(2, 3));
      Var h = tape.input(Tensor.zeros(2, 5));
      assertThatThrownBy(() -> AffineAutoregressiveOps.forward(x, h, BOUND))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage(
              "MaskedAffineAutoregressive.forward: conditioner output must have shape [2, 6],"
                  + " but was [2, 5] (input [2, 3])");
    }
  }
}
