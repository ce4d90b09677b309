package io.flows4j.bijectors.spline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Properties of the rational-quadratic spline kernel, checked in double precision against
 * independent computations (central differences, direct comparisons on dense grids).
 */
class SplineKernelTest {
  static final long SEED = 4711L;
  static final int BINS = 8;
  static final double BOUND = 3.0;

  /** Round trip tolerance of the brief (absolute, on a grid reaching |x| = 4). */
  static final double ROUND_TRIP_TOL = 1e-5;

  /** Points per unit length of the dense grids. */
  static final int GRID_DENSITY = 400;

  /**
   * Relative tolerance of the sixth-order differences in double: their truncation error is {@code
   * O(h^6)} with steps of at most 1e-5 of a bin, their rounding error about {@code eps64 |L| / h},
   * below 1e-8 for the steps used.
   */
  static final double FD_TOL = 1e-6;

  /** How far a point is put from a knot in the near-knot checks, bigger than the FD step. */
  static final double NEAR = 1e-5;

  /** Magnitude of the extreme raw parameters. */
  static final double EXTREME_RAW = 1e4;

  private final SplineKernel kernel = new RationalQuadraticSpline(BINS, BOUND).kernel();

  /** Random raw parameters, standard deviation {@code sd}. */
  private double[] randomRaw(long seed, double sd) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] raw = new double[kernel.paramsPerElement];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = sd * gaussian(r);
    }
    return raw;
  }

  private static double gaussian(SplittableRandom r) {
    double u = 1 - r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
  }

  private SplineKernel.Scratch scratch(double[] raw) {
    SplineKernel.Scratch sc = kernel.newScratch();
    System.arraycopy(raw, 0, sc.raw, 0, raw.length);
    return sc;
  }

  private double fwd(double x, double[] raw) {
    SplineKernel.Scratch sc = scratch(raw);
    kernel.forward(x, sc);
    return sc.value;
  }

  private double fwdLogDet(double x, double[] raw) {
    SplineKernel.Scratch sc = scratch(raw);
    kernel.forward(x, sc);
    return sc.logDet;
  }

  private double inv(double y, double[] raw) {
    SplineKernel.Scratch sc = scratch(raw);
    kernel.inverse(y, sc);
    return sc.value;
  }

  private double invLogDet(double y, double[] raw) {
    SplineKernel.Scratch sc = scratch(raw);
    kernel.inverse(y, sc);
    return sc.logDet;
  }

  /** The knots {x_k} (or {y_k} when {@code heights}) of the spline given by {@code raw}. */
  private double[] knots(double[] raw, boolean heights) {
    SplineKernel.Scratch sc = scratch(raw);
    kernel.forward(0.0, sc);
    return (heights ? sc.ys : sc.xs).clone();
  }

  /** A dense grid over [-B - 1, B + 1] plus every x knot. */
  private double[] grid(double[] raw) {
    int n = (int) (2 * (BOUND + 1) * GRID_DENSITY) + 1;
    double[] xs = knots(raw, false);
    double[] g = new double[n + xs.length];
    for (int i = 0; i < n; i++) {
      g[i] = -(BOUND + 1) + i / (double) GRID_DENSITY;
    }
    System.arraycopy(xs, 0, g, n, xs.length);
    java.util.Arrays.sort(g);
    return g;
  }

  @Test
  @DisplayName("zero raw parameters give the identity (uniform bins, unit derivatives)")
  void zeroRawIsIdentity() {
    double[] raw = new double[kernel.paramsPerElement];
    for (double x : grid(raw)) {
      assertThat(fwd(x, raw)).as("f(%s)", x).isCloseTo(x, within(1e-12));
      assertThat(fwdLogDet(x, raw)).as("log f'(%s)", x).isCloseTo(0.0, within(1e-12));
    }
  }

  @Test
  @DisplayName("strictly increasing on a dense grid (seeds 4711.., moderate and extreme params)")
  void monotone() {
    for (int s = 0; s < 6; s++) {
      double[] raw = s < 3 ? randomRaw(SEED + s, 1.5) : extremeRaw(SEED + s);
      double[] g = grid(raw);
      double prev = Double.NEGATIVE_INFINITY;
      double prevX = Double.NEGATIVE_INFINITY;
      for (double x : g) {
        if (x == prevX) {
          continue;
        }
        double y = fwd(x, raw);
        assertThat(y)
            .as("seed %d: f(%s) after f(%s) = %s", SEED + s, x, prevX, prev)
            .isGreaterThan(prev);
        prev = y;
        prevX = x;
      }
    }
  }

  @Test
  @DisplayName("value and derivative are continuous at every knot and at the bound")
  void continuousAtKnots() {
    double eps = 1e-10;
    for (int s = 0; s < 4; s++) {
      double[] raw = randomRaw(SEED + 10 + s, 1.5);
      double[] xs = knots(raw, false);
      double[] ys = knots(raw, true);
      for (int k = 0; k <= BINS; k++) {
        double x = xs[k];
        assertThat(fwd(x, raw)).as("f(x_%d) = y_%d", k, k).isCloseTo(ys[k], within(1e-12));
        double left = fwd(x - eps, raw);
        double right = fwd(x + eps, raw);
        assertThat(right - left).as("jump at knot %d", k).isBetween(0.0, 2e3 * eps);
        double dl = Math.exp(fwdLogDet(x - eps, raw));
        double dr = Math.exp(fwdLogDet(x + eps, raw));
        assertThat(dr).as("f' on both sides of knot %d", k).isCloseTo(dl, within(1e-6 * (1 + dl)));
      }
    }
  }

  @Test
  @DisplayName("identity with log-derivative 0 outside [-B, B]; end knots exactly +-B")
  void identityInTails() {
    double[] raw = randomRaw(SEED + 20, 2.0);
    double[] ys = knots(raw, true);
    double[] xs = knots(raw, false);
    assertThat(xs[0]).isEqualTo(-BOUND);
    assertThat(xs[BINS]).isEqualTo(BOUND);
    assertThat(ys[0]).isEqualTo(-BOUND);
    assertThat(ys[BINS]).isEqualTo(BOUND);
    assertThat(fwd(BOUND, raw)).isEqualTo(BOUND);
    assertThat(fwd(-BOUND, raw)).isEqualTo(-BOUND);
    assertThat(fwdLogDet(BOUND, raw))
        .as("log f'(B): boundary derivative 1")
        .isCloseTo(0.0, within(1e-12));
    assertThat(fwdLogDet(-BOUND, raw)).isCloseTo(0.0, within(1e-12));
    for (double x : new double[] {-1e30, -1e3, -3.0000001, 3.0000001, 4, 1e3, 1e30}) {
      assertThat(fwd(x, raw)).isEqualTo(x);
      assertThat(fwdLogDet(x, raw)).isZero();
      assertThat(inv(x, raw)).isEqualTo(x);
      assertThat(invLogDet(x, raw)).isZero();
    }
  }

  @Test
  @DisplayName("inverse(forward(x)) = x to 1e-5 on a dense grid with knots and the bound")
  void roundTrip() {
    for (int s = 0; s < 6; s++) {
      double[] raw = s < 4 ? randomRaw(SEED + 30 + s, 1.5) : extremeRaw(SEED + 30 + s);
      for (double x : grid(raw)) {
        double y = fwd(x, raw);
        assertThat(inv(y, raw))
            .as("seed %d, x = %s", SEED + 30 + s, x)
            .isCloseTo(x, within(ROUND_TRIP_TOL));
        if (s < 4) {
          // With +-1e4 parameters f' falls to 1e-9 inside some bins, where log f' moves by
          // f''/f' times the round trip's error; the cancellation is checked on moderate ones.
          assertThat(fwdLogDet(x, raw) + invLogDet(y, raw))
              .as("log-dets cancel at x = %s", x)
              .isCloseTo(0.0, within(1e-9));
        }
      }
      for (double y : knots(raw, true)) {
        assertThat(fwd(inv(y, raw), raw)).as("f(f^-1(y_k))").isCloseTo(y, within(ROUND_TRIP_TOL));
      }
    }
  }

  @Test
  @DisplayName("forward and inverse log-derivatives equal finite differences of the values")
  void logDetMatchesFiniteDifferences() {
    for (int s = 0; s < 4; s++) {
      double[] raw = randomRaw(SEED + 40 + s, 1.5);
      for (boolean inverse : new boolean[] {false, true}) {
        double[] knots = knots(raw, inverse);
        for (double v : interiorPoints(knots)) {
          double h = inputStep(knots, v);
          double fd = derivative(u -> inverse ? inv(u, raw) : fwd(u, raw), v, h);
          double ld = inverse ? invLogDet(v, raw) : fwdLogDet(v, raw);
          assertThat(Math.exp(ld))
              .as("%s: derivative at %s", inverse ? "inverse" : "forward", v)
              .isCloseTo(fd, within(FD_TOL * (1 + fd)));
        }
      }
    }
  }

  @Test
  @DisplayName("minimum bin width, height and derivative hold for raw parameters of +-1e4")
  void minimumsHoldForExtremeParameters() {
    double minWidth = 2 * BOUND * RationalQuadraticSpline.DEFAULT_MIN_BIN_WIDTH;
    double minHeight = 2 * BOUND * RationalQuadraticSpline.DEFAULT_MIN_BIN_HEIGHT;
    for (int s = 0; s < 20; s++) {
      double[] raw = extremeRaw(SEED + 50 + s);
      double[] xs = knots(raw, false);
      double[] ys = knots(raw, true);
      for (int k = 0; k < BINS; k++) {
        assertThat(xs[k + 1] - xs[k])
            .as("width of bin %d", k)
            .isGreaterThanOrEqualTo(minWidth * (1 - 1e-9));
        assertThat(ys[k + 1] - ys[k])
            .as("height of bin %d", k)
            .isGreaterThanOrEqualTo(minHeight * (1 - 1e-9));
      }
      for (int k = 0; k <= BINS; k++) {
        // At a knot xi = 0 and f' is the knot's derivative exactly.
        double d = Math.exp(fwdLogDet(xs[k], raw));
        assertThat(d)
            .as("derivative at knot %d", k)
            .isGreaterThanOrEqualTo(RationalQuadraticSpline.DEFAULT_MIN_DERIVATIVE * (1 - 1e-9))
            .isFinite();
      }
      for (double x : grid(raw)) {
        assertThat(fwd(x, raw)).isFinite();
        assertThat(fwdLogDet(x, raw)).isFinite();
        assertThat(inv(x, raw)).isFinite();
        assertThat(invLogDet(x, raw)).isFinite();
      }
    }
  }

  @Test
  @DisplayName("backward of forward matches central differences, incl. next to knots and the bound")
  void forwardBackwardMatchesFiniteDifferences() {
    for (int s = 0; s < 4; s++) {
      double[] raw = randomRaw(SEED + 60 + s, 1.5);
      for (double x : interiorPoints(knots(raw, false))) {
        checkBackward(raw, x, false, 0.7, -1.3);
        checkBackward(raw, x, false, 0.0, 1.0);
        checkBackward(raw, x, false, 1.0, 0.0);
      }
    }
  }

  @Test
  @DisplayName("backward of inverse matches central differences, incl. next to knots and the bound")
  void inverseBackwardMatchesFiniteDifferences() {
    for (int s = 0; s < 4; s++) {
      double[] raw = randomRaw(SEED + 70 + s, 1.5);
      for (double y : interiorPoints(knots(raw, true))) {
        checkBackward(raw, y, true, -0.4, 0.9);
        checkBackward(raw, y, true, 0.0, 1.0);
        checkBackward(raw, y, true, 1.0, 0.0);
      }
    }
  }

  @Test
  @DisplayName("backward in the tails: the input gradient passes through, parameters get none")
  void tailBackward() {
    double[] raw = randomRaw(SEED + 80, 1.5);
    for (double v : new double[] {-1e30, -1e3, -3.5, 3.5, 1e3, 1e30}) {
      for (boolean inverse : new boolean[] {false, true}) {
        SplineKernel.Scratch sc = scratch(raw);
        boolean wrote =
            inverse
                ? kernel.backwardInverse(v, 0.25, 2.0, sc)
                : kernel.backwardForward(v, 0.25, 2.0, sc);
        assertThat(wrote).isFalse();
        assertThat(sc.gradIn).isEqualTo(0.25);
      }
    }
  }

  /**
   * Points inside the bound: mid-bin points and points {@link #NEAR} inside each bin from both of
   * its knots (the end knots are {@code +-B}).
   */
  private static double[] interiorPoints(double[] knots) {
    double[] p = new double[3 * BINS];
    for (int k = 0; k < BINS; k++) {
      p[3 * k] = knots[k] + NEAR;
      p[3 * k + 1] = 0.5 * (knots[k] + knots[k + 1]);
      p[3 * k + 2] = knots[k + 1] - NEAR;
    }
    return p;
  }

  /** Bins per unit length of the mean bin, {@code K / 2B}. */
  static final double K_OVER_SPAN = BINS / (2 * BOUND);

  /** The size of the bin containing {@code v}. */
  private static double binSize(double[] knots, double v) {
    int k = 0;
    while (k < BINS - 1 && v >= knots[k + 1]) {
      k++;
    }
    return knots[k + 1] - knots[k];
  }

  /** Distance from {@code v} to the nearest knot. */
  private static double knotDistance(double[] knots, double v) {
    int k = 0;
    while (k < BINS - 1 && v >= knots[k + 1]) {
      k++;
    }
    return Math.min(v - knots[k], knots[k + 1] - v);
  }

  /**
   * A difference step for the input at {@code v}: small beside its bin (the scale on which the
   * spline varies) and beside the distance to the nearest knot, so no stencil point crosses one.
   */
  private static double inputStep(double[] knots, double v) {
    return Math.min(1e-5 * binSize(knots, v), knotDistance(knots, v) / 100);
  }

  /**
   * A sixth-order difference: the fourth-order central difference {@code D(h) = (-f(v+2h) + 8
   * f(v+h) - 8 f(v-h) + f(v-2h)) / 12h} extrapolated as {@code (16 D(h/2) - D(h)) / 15}
   * (Richardson), so the truncation error {@code O(h^6)} stays far below the tolerance even where
   * the spline is steep, while the step stays large enough for rounding not to matter.
   */
  private static double derivative(DoubleUnaryOperator f, double v, double h) {
    return (16 * central(f, v, h / 2) - central(f, v, h)) / 15;
  }

  private static double central(DoubleUnaryOperator f, double v, double h) {
    return (-f.applyAsDouble(v + 2 * h)
            + 8 * f.applyAsDouble(v + h)
            - 8 * f.applyAsDouble(v - h)
            + f.applyAsDouble(v - 2 * h))
        / (12 * h);
  }

  /**
   * Compares the kernel's backward with finite differences of {@code L = gOut * out + gL * logDet}
   * with respect to the input and every raw parameter.
   */
  private void checkBackward(double[] raw, double v, boolean inverse, double gOut, double gL) {
    SplineKernel.Scratch sc = scratch(raw);
    boolean wrote =
        inverse ? kernel.backwardInverse(v, gOut, gL, sc) : kernel.backwardForward(v, gOut, gL, sc);
    assertThat(wrote).isTrue();
    double gradIn = sc.gradIn;
    double[] gradRaw = sc.gradRaw.clone();
    double[] knots = knots(raw, inverse);
    double h = inputStep(knots, v);
    double fdIn = derivative(u -> loss(raw, u, inverse, gOut, gL), v, h);
    assertThat(gradIn)
        .as("%s: dL/dinput at %s", inverse ? "inverse" : "forward", v)
        .isCloseTo(fdIn, within(FD_TOL * (1 + Math.abs(fdIn))));
    // A raw step moves a knot by at most 2B p (1 - p) <= 1.5 times the step, so with twice the
    // step below the knot distance no stencil point changes bins. Where the bin is narrow beside
    // the mean bin 2B / K, the spline is steep and varies faster with the parameters: the step
    // shrinks with the bin, but stays near 1e-4 elsewhere so that rounding does not dominate.
    double binShare = K_OVER_SPAN * binSize(knots, v);
    double rawStep = Math.min(1e-4 * Math.min(1, binShare), knotDistance(knots, v) / 4);
    for (int i = 0; i < raw.length; i++) {
      int idx = i;
      double saved = raw[i];
      double fd =
          derivative(
              u -> {
                raw[idx] = u;
                double l = loss(raw, v, inverse, gOut, gL);
                raw[idx] = saved;
                return l;
              },
              saved,
              rawStep);
      assertThat(gradRaw[i])
          .as("%s: dL/draw[%d] at %s", inverse ? "inverse" : "forward", i, v)
          .isCloseTo(fd, within(FD_TOL * (1 + Math.abs(fd))));
    }
  }

  private double loss(double[] raw, double v, boolean inverse, double gOut, double gL) {
    SplineKernel.Scratch sc = scratch(raw);
    if (inverse) {
      kernel.inverse(v, sc);
    } else {
      kernel.forward(v, sc);
    }
    return gOut * sc.value + gL * sc.logDet;
  }

  /** Raw parameters of +-1e4 with random signs. */
  private double[] extremeRaw(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[] raw = new double[kernel.paramsPerElement];
    for (int i = 0; i < raw.length; i++) {
      raw[i] = r.nextBoolean() ? EXTREME_RAW : -EXTREME_RAW;
    }
    return raw;
  }
}
