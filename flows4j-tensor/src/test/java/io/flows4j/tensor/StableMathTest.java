package io.flows4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

class StableMathTest {
  /** Relative accuracy expected of the stable double formulas: a few double ulps. */
  static final double REL_TOL = 1e-14;

  private static final MathContext MC = new MathContext(60);

  @Test
  void log1mExpIsAccurateNearZeroAndFarOut() {
    // log(1 - exp(-1e-10)) = log(1e-10 - 5e-21 + ...) ~ log(1e-10) - 5e-11
    assertThat(StableMath.log1mExp(-1e-10))
        .isCloseTo(Math.log(1e-10) - 5e-11, within(REL_TOL * 23.1));
    // log(1 - exp(-50)) ~ -exp(-50): the naive form rounds 1 - exp(-50) to 1 and gives 0.
    assertThat(StableMath.log1mExp(-50)).isCloseTo(-Math.exp(-50), within(REL_TOL * 2e-22));
    assertThat(StableMath.log1mExp(-1)).isCloseTo(Math.log(1 - Math.exp(-1)), within(REL_TOL));
    assertThat(StableMath.log1mExp(0)).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(StableMath.log1mExp(0.5)).isNaN();
  }

  @Test
  void logSubExpAndSoftplusInverse() {
    assertThat(StableMath.logSubExp(3, 1))
        .isCloseTo(Math.log(Math.exp(3) - Math.exp(1)), within(REL_TOL * 3));
    assertThat(StableMath.logSubExp(2, 2)).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(StableMath.logSubExp(2, Double.NEGATIVE_INFINITY)).isEqualTo(2);
    for (double y : new double[] {1e-8, 0.3, 1, 20, 800, 1e4}) {
      double x = StableMath.softplusInverse(y);
      assertThat(Double.isFinite(x)).as("softplusInverse(%s) finite", y).isTrue();
      assertThat(StableMath.softplus(x))
          .as("softplus(softplusInverse(%s))", y)
          .isCloseTo(y, within(4 * REL_TOL * y));
    }
  }

  @Test
  void logSumExpOverArrays() {
    float ninf = Float.NEGATIVE_INFINITY;
    assertThat(StableMath.logSumExp(new float[] {9, ninf, 2.5f}, 1, 2)).isEqualTo(2.5);
    assertThat(StableMath.logSumExp(new float[] {ninf, ninf}, 0, 2)).isEqualTo(ninf);
    assertThat(StableMath.logSumExp(new float[] {}, 0, 0)).isEqualTo(ninf);
    assertThat(StableMath.logSumExp(new float[] {1, Float.POSITIVE_INFINITY}, 0, 2))
        .isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(StableMath.logSumExp(new float[] {1, Float.NaN}, 0, 2)).isNaN();
    assertThat(StableMath.logSumExp(new float[] {1000, 1000}, 0, 2))
        .isCloseTo(1000 + Math.log(2), within(REL_TOL * 1000));
    assertThat(StableMath.logSumExp(new float[] {1, 9, 2, 9, 3, 9}, 0, 3, 2))
        .isCloseTo(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), within(REL_TOL * 4));
    assertThat(StableMath.logSumExp(-1e4, -1e4 + Math.log(3)))
        .isCloseTo(-1e4 + Math.log(4), within(REL_TOL * 1e4));
    assertThat(StableMath.logSumExp()).isEqualTo(Double.NEGATIVE_INFINITY);
  }

  /** The roots of a x^2 + b x + c in 60-digit decimal arithmetic, ascending. */
  private static double[] referenceRoots(double a, double b, double c) {
    BigDecimal ba = new BigDecimal(a);
    BigDecimal bb = new BigDecimal(b);
    BigDecimal bc = new BigDecimal(c);
    BigDecimal disc = bb.multiply(bb).subtract(BigDecimal.valueOf(4).multiply(ba).multiply(bc));
    BigDecimal sq = disc.sqrt(MC);
    BigDecimal twoA = ba.multiply(BigDecimal.valueOf(2));
    double r1 = bb.negate().subtract(sq).divide(twoA, MC).doubleValue();
    double r2 = bb.negate().add(sq).divide(twoA, MC).doubleValue();
    return r1 <= r2 ? new double[] {r1, r2} : new double[] {r2, r1};
  }

  @Test
  void solveQuadraticAvoidsCancellation() {
    double[][] cases = {
      {1, -1e8, 1}, // roots 1e-8 and 1e8: the textbook formula loses the small one
      {1, 1e8, 1},
      {2, -3, 1},
      {-3, 2, 5},
      {1e-3, 5, -2},
      // Kahan's example of nearly equal roots, where b^2 - 4ac cancels
      {94906265.625, -189812534.0, 94906268.375},
    };
    for (double[] q : cases) {
      double[] roots = StableMath.solveQuadratic(q[0], q[1], q[2]);
      double[] ref = referenceRoots(q[0], q[1], q[2]);
      assertThat(roots).as("roots of %s", java.util.Arrays.toString(q)).hasSize(2);
      for (int i = 0; i < 2; i++) {
        assertThat(roots[i])
            .as("root %d of %s", i, java.util.Arrays.toString(q))
            .isCloseTo(ref[i], within(4 * REL_TOL * Math.abs(ref[i])));
      }
    }
  }

  @Test
  void solveQuadraticDegenerateCases() {
    assertThat(StableMath.solveQuadratic(1, -2, 1)).containsExactly(1.0);
    assertThat(StableMath.solveQuadratic(1, 0, 1)).isEmpty();
    assertThat(StableMath.solveQuadratic(0, 2, -3)).containsExactly(1.5);
    assertThat(StableMath.solveQuadratic(0, 0, 1)).isEmpty();
    assertThat(StableMath.solveQuadratic(1, 0, 0)).containsExactly(0.0);
    assertThat(StableMath.solveQuadratic(2, 0, -8)).containsExactly(-2.0, 2.0);
  }
}
