package io.flows4j.vi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every built-in target against an independent double-precision formula, its gradient against
 * finite differences, and its {@code log Z} against numerical integration on a grid.
 */
class TargetsTest {
  /** float32 log-density against the double formula: absolute plus relative to |U|. */
  private static final double VALUE_ABS_TOLERANCE = 2e-5;

  private static final double VALUE_REL_TOLERANCE = 2e-6;

  /**
   * log Z of U1-U4 from a 1000 x 1000 midpoint grid against the 4000 x 4000 reference (README: the
   * grids agree to about 1e-14).
   */
  private static final double GRID_LOG_Z_TOLERANCE = 1e-9;

  /** log Z of banana, funnel and mixture by grid integration against the exact formula. */
  private static final double EXACT_LOG_Z_TOLERANCE = 1e-6;

  static double sigmoid(double t) {
    return 1 / (1 + Math.exp(-t));
  }

  static double logAddExp(double a, double b) {
    double m = Math.max(a, b);
    return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
  }

  static double w1(double z1) {
    return Math.sin(2 * Math.PI * z1 / 4);
  }

  /** -U of each built-in 2-D target, written from the formulas of shared/data/vi/README.md. */
  static double reference(String name, double z1, double z2) {
    switch (name) {
      case "U1" -> {
        double r = Math.sqrt(z1 * z1 + z2 * z2);
        double u =
            0.5 * Math.pow((r - 2) / 0.4, 2)
                - logAddExp(-0.5 * Math.pow((z1 - 2) / 0.6, 2), -0.5 * Math.pow((z1 + 2) / 0.6, 2));
        return -u;
      }
      case "U2" -> {
        return -0.5 * Math.pow((z2 - w1(z1)) / 0.4, 2);
      }
      case "U3" -> {
        double w2 = 3 * Math.exp(-0.5 * Math.pow((z1 - 1) / 0.6, 2));
        return logAddExp(
            -0.5 * Math.pow((z2 - w1(z1)) / 0.35, 2),
            -0.5 * Math.pow((z2 - w1(z1) + w2) / 0.35, 2));
      }
      case "U4" -> {
        double w3 = 3 * sigmoid((z1 - 1) / 0.3);
        return logAddExp(
            -0.5 * Math.pow((z2 - w1(z1)) / 0.4, 2), -0.5 * Math.pow((z2 - w1(z1) + w3) / 0.35, 2));
      }
      case "banana" -> {
        return -(z1 * z1 / 8 + 0.5 * Math.pow(z2 - z1 * z1 / 4 + 1, 2));
      }
      case "funnel" -> {
        return -(z1 * z1 / 18 + 0.5 * z2 * z2 * Math.exp(-z1) + 0.5 * z1);
      }
      case "mixture" -> {
        double[][] mu = {{-2, -2}, {2, -2}, {-2, 2}, {2, 2}};
        double[] w = {0.1, 0.2, 0.3, 0.4};
        double s = 0;
        for (int k = 0; k < 4; k++) {
          double d2 = Math.pow(z1 - mu[k][0], 2) + Math.pow(z2 - mu[k][1], 2);
          s += w[k] * Math.exp(-d2 / (2 * 0.36));
        }
        return Math.log(s);
      }
      default -> throw new IllegalArgumentException(name);
    }
  }

  static Stream<Arguments> names() {
    return Targets.NAMES.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0} matches the double formula (seed 41)")
  @MethodSource("names")
  void logDensityMatchesTheFormula(String name) {
    Target t = Targets.byName(name);
    assertThat(t.dimension()).isEqualTo(2);
    assertThat(t.name()).isEqualTo(name);
    Rng rng = new Rng(41);
    int n = 500;
    // Points where the targets have mass and far out, where the energies are large.
    Tensor x = rng.fillUniform(Tensor.zeros(n, 2), -5, 5);
    try (Tape tape = Tape.noGrad()) {
      Tensor lp = t.logDensity(tape.input(x)).value();
      assertThat(lp.shape().dims()).containsExactly(n);
      for (int i = 0; i < n; i++) {
        double expected = reference(name, x.getFlat(2 * i), x.getFlat(2 * i + 1));
        assertThat((double) lp.getFlat(i))
            .as("%s at (%s, %s)", name, x.getFlat(2 * i), x.getFlat(2 * i + 1))
            .isCloseTo(
                expected, within(VALUE_ABS_TOLERANCE + VALUE_REL_TOLERANCE * Math.abs(expected)));
      }
    }
  }

  @ParameterizedTest(name = "{0}: gradient matches finite differences (seed 42)")
  @MethodSource("names")
  void gradientMatchesFiniteDifferences(String name) {
    Target t = Targets.byName(name);
    // Inside the region of mass, where the log-densities are of order 1 to 10 (so that float32
    // finite differences are meaningful); away from the origin, where |z| has a kink.
    Tensor x = new Rng(42).fillUniform(Tensor.zeros(6, 2), 0.3, 2.0);
    GradCheck.check(v -> t.logDensity(v[0]), 43, x);
  }

  /** {@code log sum exp(-U) dA} over the centres of an {@code n x n} grid on a rectangle. */
  static double logGridIntegral(
      ToDoubleFunction<double[]> logDensity, double x0, double x1, double y0, double y1, int n) {
    double hx = (x1 - x0) / n;
    double hy = (y1 - y0) / n;
    double[] values = new double[n * n];
    double max = Double.NEGATIVE_INFINITY;
    double[] p = new double[2];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        p[0] = x0 + (i + 0.5) * hx;
        p[1] = y0 + (j + 0.5) * hy;
        double v = logDensity.applyAsDouble(p);
        values[i * n + j] = v;
        max = Math.max(max, v);
      }
    }
    double s = 0;
    for (double v : values) {
      s += Math.exp(v - max);
    }
    return max + Math.log(s * hx * hy);
  }

  @ParameterizedTest(name = "{0}: log Z on [-6, 6]^2 agrees with a 1000 x 1000 grid")
  @MethodSource("energies")
  void energiesLogZMatchTheGrid(String name) {
    double grid = logGridIntegral(p -> reference(name, p[0], p[1]), -6, 6, -6, 6, 1000);
    assertThat(Targets.byName(name).logNormalizer().orElseThrow())
        .isCloseTo(grid, within(GRID_LOG_Z_TOLERANCE));
  }

  static Stream<Arguments> energies() {
    return Stream.of("U1", "U2", "U3", "U4").map(Arguments::of);
  }

  @Test
  @DisplayName("U2's log Z is log(12 * 0.4 sqrt(2 pi)), as the README says")
  void u2HasTheClosedFormOnTheBox() {
    assertThat(Targets.LOG_Z_U2)
        .isCloseTo(Math.log(12 * 0.4 * Math.sqrt(2 * Math.PI)), within(1e-12));
  }

  @Test
  @DisplayName("banana: exact log Z = log(4 pi) agrees with a grid covering its mass")
  void bananaLogZ() {
    // x1 ~ N(0, 4): [-16, 16] is 8 sd; x2 within 9 sd of x1^2/4 - 1 in [-1, 63].
    double grid = logGridIntegral(p -> reference("banana", p[0], p[1]), -16, 16, -10, 73, 3000);
    assertThat(Targets.banana().logNormalizer().orElseThrow())
        .isCloseTo(Math.log(4 * Math.PI), within(1e-12))
        .isCloseTo(grid, within(EXACT_LOG_Z_TOLERANCE));
  }

  @Test
  @DisplayName("mixture: exact log Z = log(2 pi 0.36) agrees with a grid")
  void mixtureLogZ() {
    double grid = logGridIntegral(p -> reference("mixture", p[0], p[1]), -8, 8, -8, 8, 1600);
    assertThat(Targets.mixture().logNormalizer().orElseThrow())
        .isCloseTo(Math.log(2 * Math.PI * 0.36), within(1e-12))
        .isCloseTo(grid, within(EXACT_LOG_Z_TOLERANCE));
  }

  @Test
  @DisplayName(
      "funnel: exact log Z agrees with integration over v and a grid in x scaled to exp(v/2)")
  void funnelLogZ() {
    // The funnel's neck is too narrow for one grid: integrate x on a grid of +-12 sd at each v
    // (midpoint rule in both), v over +-12 sd of N(0, 9).
    int nv = 4000;
    int nx = 400;
    double v0 = -36;
    double hv = 72.0 / nv;
    double[] logInner = new double[nv];
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < nv; i++) {
      double v = v0 + (i + 0.5) * hv;
      double sd = Math.exp(v / 2);
      double hx = 24 * sd / nx;
      double s = 0;
      for (int j = 0; j < nx; j++) {
        double x = -12 * sd + (j + 0.5) * hx;
        // exp(-U) / exp(-v^2 / 18 - v / 2): the x part only, to keep the sum in range.
        s += Math.exp(-0.5 * x * x * Math.exp(-v));
      }
      logInner[i] = Math.log(s * hx) - v * v / 18 - 0.5 * v;
      max = Math.max(max, logInner[i]);
    }
    double s = 0;
    for (double l : logInner) {
      s += Math.exp(l - max);
    }
    double integral = max + Math.log(s * hv);
    assertThat(Targets.funnel(2).logNormalizer().orElseThrow())
        .isCloseTo(integral, within(EXACT_LOG_Z_TOLERANCE));
    // And the reference formula agrees with the built-in at a few points (D = 2).
    assertThat(reference("funnel", 0.5, 1.0))
        .isCloseTo(-(0.25 / 18 + 0.5 * Math.exp(-0.5) + 0.25), within(1e-12));
  }

  @Test
  @DisplayName(
      "funnel in 5 dimensions: the log-density sums the conditionals; log Z adds log 2pi/2 per x")
  void funnelInFiveDimensions() {
    Target t = Targets.funnel(5);
    assertThat(t.dimension()).isEqualTo(5);
    float[] row = {1.5f, 0.3f, -0.7f, 1.1f, 0.2f};
    double v = row[0];
    double sq = 0;
    for (int j = 1; j < 5; j++) {
      sq += row[j] * row[j];
    }
    double expected = -(v * v / 18 + 0.5 * sq * Math.exp(-v) + 2 * v);
    try (Tape tape = Tape.noGrad()) {
      Var lp = t.logDensity(tape.input(Tensor.of(row, 1, 5)));
      assertThat((double) lp.value().getFlat(0)).isCloseTo(expected, within(1e-5));
    }
    assertThat(t.logNormalizer().orElseThrow())
        .isCloseTo(Math.log(3 * Math.sqrt(2 * Math.PI)) + 2 * Math.log(2 * Math.PI), within(1e-12));
  }

  @Test
  @DisplayName("gaussian: the unnormalized Gaussian and its exact log Z")
  void gaussian() {
    Target t = Targets.gaussian(new double[] {1, -2}, new double[] {0.5, 2});
    try (Tape tape = Tape.noGrad()) {
      Var lp = t.logDensity(tape.input(Tensor.of(new float[] {2f, 0f}, 1, 2)));
      assertThat((double) lp.value().getFlat(0)).isCloseTo(-(2 + 0.5), within(1e-6));
    }
    assertThat(t.logNormalizer().orElseThrow())
        .isCloseTo(Math.log(0.5 * 2 * 2 * Math.PI), within(1e-12));
  }

  @Test
  @DisplayName("the registry ignores case and lists the names when it has none of that name")
  void registry() {
    assertThat(Targets.byName("u3").name()).isEqualTo("U3");
    assertThat(Targets.byName(" Banana ").name()).isEqualTo("banana");
    assertThatThrownBy(() -> Targets.byName("U5"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("target: must be one of U1, U2, U3, U4, banana, funnel, mixture, but was 'U5'");
  }

  @Test
  @DisplayName("a target refuses points of the wrong dimension, naming both shapes")
  void shapeChecks() {
    Target t = Targets.u1();
    try (Tape tape = Tape.noGrad()) {
      Var bad = tape.input(Tensor.zeros(4, 3));
      assertThatThrownBy(() -> t.logDensity(bad))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage("Target U1.logDensity: x must have shape [batch, 2], but was [4, 3]");
    }
    Target wrongOutput = Target.of("bad", 2, x -> x);
    try (Tape tape = Tape.noGrad()) {
      Var x = tape.input(Tensor.zeros(4, 2));
      assertThatThrownBy(() -> wrongOutput.logDensity(x))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage("Target bad.logDensity: the log-density must have shape [4], but was [4, 2]");
    }
  }

  @Test
  @DisplayName("mixture and funnel refuse bad arguments with one-line messages")
  void factoryChecks() {
    assertThatThrownBy(() -> Targets.funnel(1))
        .hasMessage("funnel: dimension must be >= 2, but was 1");
    assertThatThrownBy(
            () -> Targets.gaussianMixture("m", new double[][] {{0, 0}}, new double[] {-1}, 1))
        .hasMessage("gaussianMixture: weights must be finite and > 0, but weight 0 was -1.0");
    assertThatThrownBy(
            () -> Targets.gaussianMixture("m", new double[][] {{0, 0}}, new double[] {1}, 0))
        .hasMessage("gaussianMixture: std must be finite and > 0, but was 0.0");
    assertThatThrownBy(() -> Target.of("x", 0, v -> v))
        .hasMessage("Target x: dimension must be > 0, but was 0");
  }
}
