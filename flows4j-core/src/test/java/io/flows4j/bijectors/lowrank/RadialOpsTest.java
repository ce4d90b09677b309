package io.flows4j.bijectors.lowrank;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.StableMath;
import io.flows4j.tensor.Tensor;
import java.math.BigDecimal;
import java.math.MathContext;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RadialOpsTest {
  private static final int ROWS = 6;
  private static final int D = 3;

  /** Float rounding of results computed in double, relative. */
  private static final double FLOAT_TOL = 1e-6;

  /** Relative accuracy of the radius against a 50-digit reference: a few double ulps. */
  private static final double RADIUS_TOL = 1e-14;

  private static final MathContext DIGITS = new MathContext(800);

  private static Var both(Transformed t) {
    int rows = t.value().shape().dim(0);
    return ShapeOps.concat(1, t.value(), ShapeOps.reshape(t.logAbsDet(), rows, 1));
  }

  /**
   * The positive root of {@code r^2 + (gamma - ry) r - alpha ry = 0} in 800-digit arithmetic
   * (enough for r_y = 1e-300 next to gamma = 1e12).
   */
  private static double referenceRadius(double alpha, double gamma, double ry) {
    BigDecimal a = new BigDecimal(alpha);
    BigDecimal b = new BigDecimal(gamma).subtract(new BigDecimal(ry));
    BigDecimal c = a.multiply(new BigDecimal(ry)).multiply(BigDecimal.valueOf(4));
    BigDecimal root = b.multiply(b).add(c).sqrt(DIGITS);
    return root.subtract(b).divide(BigDecimal.valueOf(2), DIGITS).doubleValue();
  }

  @Test
  @DisplayName("the radius of the inverse is exact to a few ulps from r_y = 0 to 1e38, any alpha")
  void quadraticAtExtremes() {
    double[] alphas = {1e-12, 1e-3, 1, 1e3, 1e12};
    double[] gammaFactors = {LowRankMath.MIN_SLOPE, 0.5, 1, 2, 1e6};
    double[] radii = {0, 1e-300, 1e-30, 1e-8, 0.1, 1, 7, 1e4, 1e8, 1e20, 1e38};
    for (double alpha : alphas) {
      for (double f : gammaFactors) {
        double gamma = f * alpha;
        for (double ry : radii) {
          double r = RadialOps.solveRadius(alpha, gamma, ry);
          double ref = referenceRadius(alpha, gamma, ry);
          assertThat(r)
              .as("alpha %s gamma %s r_y %s", alpha, gamma, ry)
              .isCloseTo(ref, Offset.offset(RADIUS_TOL * ref));
          // and it maps back onto r_y
          double back = r * ((gamma + r) / (alpha + r));
          assertThat(back).isCloseTo(ry, Offset.offset(4 * RADIUS_TOL * ry));
        }
      }
    }
  }

  @Test
  @DisplayName("the textbook root formula loses every digit where the chosen one keeps them")
  void naiveFormulaWouldCancel() {
    // B = gamma - r_y > 0 and 4 alpha r_y << B^2: -B + sqrt(B^2 + 4 alpha r_y) cancels.
    double alpha = 1;
    double gamma = 1e4;
    double ry = 1e-9;
    double b = gamma - ry;
    double naive = 0.5 * (-b + Math.sqrt(b * b + 4 * alpha * ry));
    double ref = referenceRadius(alpha, gamma, ry);
    assertThat(Math.abs(naive - ref) / ref).isGreaterThan(1e-3);
    assertThat(RadialOps.solveRadius(alpha, gamma, ry))
        .isCloseTo(ref, Offset.offset(RADIUS_TOL * ref));
  }

  @Test
  @DisplayName("closed form and inverse match a double reference, including y = x0 (seed 21)")
  void closedAndInverseMatchReference() {
    Tensor x = GradCheck.uniform(21, -3, 3, ROWS, D);
    Tensor x0 = GradCheck.uniform(22, -1, 1, D);
    x.setFlat(0, x0.getFlat(0));
    x.setFlat(1, x0.getFlat(1));
    x.setFlat(2, x0.getFlat(2));
    Tensor ar = Tensor.of(new float[] {0.4f}, 1);
    Tensor br = Tensor.of(new float[] {-1.5f}, 1);
    Transformed y;
    Transformed back;
    try (Tape t = Tape.noGrad()) {
      y = RadialOps.closed("test", t.input(x), t.input(x0), t.input(ar), t.input(br));
      back = RadialOps.solve("test", y.value(), t.input(x0), t.input(ar), t.input(br));
    }
    double alpha = StableMath.softplus(0.4f);
    double beta = -(1 - LowRankMath.MIN_SLOPE) * alpha + StableMath.softplus(-1.5f);
    for (int r = 0; r < ROWS; r++) {
      double rad = 0;
      for (int j = 0; j < D; j++) {
        double dj = x.get(r, j) - x0.getFlat(j);
        rad += dj * dj;
      }
      rad = Math.sqrt(rad);
      double h = 1 / (alpha + rad);
      double hPrime = -h * h;
      for (int j = 0; j < D; j++) {
        double ref = x.get(r, j) + beta * h * (x.get(r, j) - x0.getFlat(j));
        assertThat((double) y.value().value().get(r, j))
            .isCloseTo(ref, Offset.offset(FLOAT_TOL * (1 + Math.abs(ref))));
        assertThat((double) back.value().value().get(r, j))
            .isCloseTo(x.get(r, j), Offset.offset(FLOAT_TOL * (1 + Math.abs(x.get(r, j)))));
      }
      double ld = (D - 1) * Math.log(1 + beta * h) + Math.log(1 + beta * h + beta * hPrime * rad);
      assertThat((double) y.logAbsDet().value().getFlat(r))
          .isCloseTo(ld, Offset.offset(FLOAT_TOL * (1 + Math.abs(ld))));
      assertThat((double) back.logAbsDet().value().getFlat(r))
          .isCloseTo(-ld, Offset.offset(FLOAT_TOL * (1 + Math.abs(ld))));
    }
  }

  @Test
  @DisplayName("closed-form gradients match finite differences (seed 31)")
  void closedGradients() {
    GradCheck.check(
        v -> both(RadialOps.closed("test", v[0], v[1], v[2], v[3])),
        31,
        GradCheck.uniform(32, -2, 2, ROWS, D),
        GradCheck.uniform(33, -0.5, 0.5, D),
        GradCheck.uniform(34, -1, 1, 1),
        GradCheck.uniform(35, -1, 1, 1));
  }

  @Test
  @DisplayName("implicit gradients of the inverse match finite differences (seed 41)")
  void inverseGradients() {
    GradCheck.check(
        v -> both(RadialOps.solve("test", v[0], v[1], v[2], v[3])),
        41,
        GradCheck.uniform(42, -2, 2, ROWS, D),
        GradCheck.uniform(43, -0.5, 0.5, D),
        GradCheck.uniform(44, -1, 1, 1),
        GradCheck.uniform(45, -1, 1, 1));
  }

  @Test
  @DisplayName("beta at its floor (softplus(b') underflows): log-dets finite, >= D log delta")
  void constraintAtItsFloor() {
    // x0 = 0 keeps y - x0 at full float precision: near x0 the map compresses by ~delta, so any
    // other x0 would measure the float rounding of y, not the constraint.
    Tensor x0 = Tensor.zeros(D);
    Tensor x = Tensor.zeros(ROWS, D);
    for (int r = 0; r < ROWS; r++) {
      for (int j = 0; j < D; j++) {
        x.setFlat(r * D + j, x0.getFlat(j) + (float) (r * 1e-3));
      }
    }
    Tensor ar = Tensor.of(new float[] {30f}, 1);
    Tensor br = Tensor.of(new float[] {-1000f}, 1);
    Transformed y;
    Transformed back;
    try (Tape t = Tape.noGrad()) {
      y = RadialOps.closed("test", t.input(x), t.input(x0), t.input(ar), t.input(br));
      back = RadialOps.solve("test", y.value(), t.input(x0), t.input(ar), t.input(br));
    }
    for (int r = 0; r < ROWS; r++) {
      float ld = y.logAbsDet().value().getFlat(r);
      assertThat(Float.isFinite(ld)).isTrue();
      assertThat((double) ld).isGreaterThanOrEqualTo(D * Math.log(LowRankMath.MIN_SLOPE) - 1e-4);
      assertThat((double) ld + back.logAbsDet().value().getFlat(r))
          .isCloseTo(0, Offset.offset(1e-4));
    }
  }
}
