package io.flows4j.bijectors.coupling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The fused coupling ops against finite differences ({@link GradCheck}) and against a naive
 * reference computed in double.
 */
class CouplingOpsTest {
  static final long SEED = 31L;
  static final int ROWS = 5;
  static final int D = 5;
  static final float BOUND = 2f;

  /** Tolerance of the comparison with the double reference (float32 rounding of a few ops). */
  static final double REF_TOL = 1e-5;

  /** Transformed features in an order other than increasing, with groups not equal to them. */
  static final int[] FEATURES = {4, 1, 2};

  static final int[] GROUPS = {1, 2, 0};

  private static Var both(Transformed t) {
    return ShapeOps.concat(1, t.value(), ShapeOps.reshape(t.logAbsDet(), ROWS, 1));
  }

  @Test
  @DisplayName("affine: gradients of value and log-det in both directions (seed 31)")
  void affineGradients() {
    Tensor x = GradCheck.uniform(SEED, -2, 2, ROWS, D);
    // Raw log-scales in [-4, 4]: the soft clip at bound 2 is well inside its curved part.
    Tensor h = GradCheck.uniform(SEED + 1, -4, 4, ROWS, 2 * FEATURES.length);
    for (boolean inverse : new boolean[] {false, true}) {
      GradCheck.check(
          v -> both(CouplingOps.affine(v[0], v[1], FEATURES, GROUPS, BOUND, inverse)), SEED, x, h);
      GradCheck.check(
          v -> CouplingOps.affine(v[0], v[1], FEATURES, GROUPS, BOUND, inverse).logAbsDet(),
          SEED + 2,
          x,
          h);
      GradCheck.check(
          v -> CouplingOps.affine(v[0], v[1], FEATURES, GROUPS, BOUND, inverse).value(),
          SEED + 3,
          x,
          h);
    }
  }

  @Test
  @DisplayName("affine: values and log-dets equal a double reference; identity part copied")
  void affineMatchesReference() {
    Tensor x = GradCheck.uniform(SEED + 4, -3, 3, ROWS, D);
    Tensor h = GradCheck.uniform(SEED + 5, -6, 6, ROWS, 2 * FEATURES.length);
    for (boolean inverse : new boolean[] {false, true}) {
      try (Tape t = Tape.noGrad()) {
        Transformed out =
            CouplingOps.affine(t.input(x), t.input(h), FEATURES, GROUPS, BOUND, inverse);
        for (int r = 0; r < ROWS; r++) {
          double ld = 0;
          double[] expected = new double[D];
          for (int f = 0; f < D; f++) {
            expected[f] = x.get(r, f);
          }
          for (int j = 0; j < FEATURES.length; j++) {
            int g = GROUPS[j];
            double shift = h.get(r, 2 * g);
            double u = h.get(r, 2 * g + 1);
            double s = u / (1 + Math.abs(u) / BOUND);
            double v = x.get(r, FEATURES[j]);
            expected[FEATURES[j]] = inverse ? (v - shift) * Math.exp(-s) : v * Math.exp(s) + shift;
            ld += inverse ? -s : s;
          }
          for (int f = 0; f < D; f++) {
            assertThat((double) out.value().value().get(r, f))
                .as("row %d feature %d", r, f)
                .isCloseTo(expected[f], within(REF_TOL * (1 + Math.abs(expected[f]))));
          }
          assertThat(out.value().value().get(r, 0)).isEqualTo(x.get(r, 0));
          assertThat(out.value().value().get(r, 3)).isEqualTo(x.get(r, 3));
          assertThat((double) out.logAbsDet().value().getFlat(r)).isCloseTo(ld, within(REF_TOL));
        }
      }
    }
  }

  @Test
  @DisplayName("additive: gradients in both directions, log-det 0 (seed 31)")
  void additiveGradients() {
    Tensor x = GradCheck.uniform(SEED + 6, -2, 2, ROWS, D);
    Tensor h = GradCheck.uniform(SEED + 7, -2, 2, ROWS, FEATURES.length);
    for (boolean inverse : new boolean[] {false, true}) {
      GradCheck.check(
          v -> CouplingOps.additive(v[0], v[1], FEATURES, GROUPS, inverse).value(), SEED, x, h);
      try (Tape t = Tape.noGrad()) {
        Transformed out = CouplingOps.additive(t.input(x), t.input(h), FEATURES, GROUPS, inverse);
        for (int r = 0; r < ROWS; r++) {
          assertThat(out.logAbsDet().value().getFlat(r)).isZero();
          for (int j = 0; j < FEATURES.length; j++) {
            float expected = x.get(r, FEATURES[j]) + (inverse ? -1 : 1) * h.get(r, GROUPS[j]);
            assertThat(out.value().value().get(r, FEATURES[j])).isEqualTo(expected);
          }
        }
      }
    }
  }

  @Test
  @DisplayName("gatherColumns picks columns and scatters gradients back (seed 31)")
  void gatherColumns() {
    Tensor x = GradCheck.uniform(SEED + 8, -2, 2, ROWS, D);
    int[] cols = {3, 0, 3};
    GradCheck.check(v -> CouplingOps.gatherColumns(v[0], cols), SEED, x);
    try (Tape t = Tape.noGrad()) {
      Tensor y = CouplingOps.gatherColumns(t.input(x), cols).value();
      for (int r = 0; r < ROWS; r++) {
        for (int j = 0; j < cols.length; j++) {
          assertThat(y.get(r, j)).isEqualTo(x.get(r, cols[j]));
        }
      }
    }
  }

  @Test
  @DisplayName("bad shapes and indices are refused with messages naming the op")
  void refusesBadArguments() {
    try (Tape t = Tape.noGrad()) {
      Var x = t.input(Tensor.zeros(4, 3));
      assertThatThrownBy(
              () ->
                  CouplingOps.affine(
                      x, t.input(Tensor.zeros(4, 3)), new int[] {1}, new int[] {0}, 1f, false))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage(
              "AffineCoupling.forward: conditioner output must have shape [4, groups * 2], but"
                  + " was [4, 3] (x is [4, 3])");
      assertThatThrownBy(
              () ->
                  CouplingOps.additive(
                      x, t.input(Tensor.zeros(4, 2)), new int[] {3}, new int[] {0}, true))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "AdditiveCoupling.inverse: features must be distinct indices in [0, 3), but were"
                  + " [3]");
      assertThatThrownBy(
              () ->
                  CouplingOps.additive(
                      x, t.input(Tensor.zeros(4, 2)), new int[] {1}, new int[] {2}, true))
          .hasMessage("AdditiveCoupling.inverse: groups must be in [0, 2), but were [2]");
    }
  }
}
