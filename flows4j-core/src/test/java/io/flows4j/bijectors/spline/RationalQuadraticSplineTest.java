package io.flows4j.bijectors.spline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The fused spline op on batches: gradients of both outputs with respect to the input and the raw
 * parameters against {@link GradCheck} (inside bins and in the tails, both directions, with
 * parameter groups other than the features), the float32 round trip on a dense grid, and finite
 * values and gradients for inputs far outside the bound. {@link RationalQuadraticSplineScalarTest}
 * runs the same tests on the scalar path.
 */
class RationalQuadraticSplineTest {
  static final long SEED = 99L;
  static final int BINS = 8;
  static final double BOUND = 3.0;

  /** Round trip tolerance in float32 (absolute), as for the kernel. */
  static final double ROUND_TRIP_TOL = 1e-5;

  /** Magnitude of the raw parameters of the GradCheck tests (uniform in [-RAW, RAW]). */
  static final double RAW = 0.6;

  /**
   * Distance of the GradCheck points from the nearest knot, as a share of their bin. With raw
   * parameters in [-0.6, 0.6] every bin is at least 0.25 wide and high, and the spline varies on
   * that scale, so GradCheck's steps of 1e-2 (input and parameters; a parameter step moves a knot
   * by less than 1.5e-2) neither cross a knot from 30%-70% of a bin nor meet much curvature. The
   * kernel's derivatives for steeper splines and next to knots are checked in double by {@link
   * SplineKernelTest}.
   */
  static final double MIN_SHARE = 0.3;

  private final RationalQuadraticSpline spline = create();
  private final SplineKernel kernel = spline.kernel();

  /**
   * The spline under test: the default path (the vector forward where the Vector API is usable).
   */
  RationalQuadraticSpline create() {
    return new RationalQuadraticSpline(BINS, BOUND);
  }

  /** Raw parameters {@code [rows, groups * P]} uniform in {@code [-RAW, RAW]}. */
  private Tensor params(long seed, int rows, int groups) {
    return GradCheck.uniform(seed, -RAW, RAW, rows, groups * kernel.paramsPerElement);
  }

  /**
   * Inputs for the transform of {@code features[t]} with group {@code groups[t]}: inside the bound
   * at 30%-70% of a bin of the knots of the row's parameters ({@code heights} for the inverse),
   * except every third element, which lies in a tail at 3.5 to 8 in magnitude.
   */
  private Tensor inputs(
      long seed, Tensor params, int rows, int d, int[] features, int[] groups, boolean heights) {
    SplittableRandom r = new SplittableRandom(seed);
    Tensor x = Tensor.zeros(rows, d);
    int p = kernel.paramsPerElement;
    for (int row = 0; row < rows; row++) {
      for (int f = 0; f < d; f++) {
        x.set((float) (r.nextDouble() * 4 - 2), row, f);
      }
      for (int t = 0; t < features.length; t++) {
        float v;
        if ((row + t) % 3 == 2) {
          v = (float) ((r.nextBoolean() ? 1 : -1) * (3.5 + 4.5 * r.nextDouble()));
        } else {
          SplineKernel.Scratch sc = kernel.newScratch();
          for (int i = 0; i < p; i++) {
            sc.raw[i] = params.get(row, groups[t] * p + i);
          }
          kernel.forward(0, sc);
          double[] knots = heights ? sc.ys : sc.xs;
          int k = r.nextInt(BINS);
          double share = MIN_SHARE + (1 - 2 * MIN_SHARE) * r.nextDouble();
          v = (float) (knots[k] + share * (knots[k + 1] - knots[k]));
        }
        x.set(v, row, features[t]);
      }
    }
    return x;
  }

  /** Both outputs as one tensor {@code [rows, D + 1]}: the value, then the log-determinant. */
  private static Var both(Transformed t) {
    int rows = t.value().shape().dim(0);
    return ShapeOps.concat(1, t.value(), ShapeOps.reshape(t.logAbsDet(), rows, 1));
  }

  @Test
  @DisplayName("forward gradients of value and log-det match finite differences (seed 99)")
  void forwardGradients() {
    int[] features = {0, 2, 3};
    int[] groups = {0, 1, 2};
    Tensor h = params(SEED, 6, 3);
    Tensor x = inputs(SEED + 1, h, 6, 4, features, groups, false);
    GradCheck.check(v -> both(spline.apply(v[0], v[1], features, groups, false)), SEED, x, h);
  }

  @Test
  @DisplayName("inverse gradients of value and log-det match finite differences (seed 99)")
  void inverseGradients() {
    int[] features = {1, 3};
    int[] groups = {0, 1};
    Tensor h = params(SEED + 2, 6, 2);
    Tensor z = inputs(SEED + 3, h, 6, 4, features, groups, true);
    GradCheck.check(v -> both(spline.apply(v[0], v[1], features, groups, true)), SEED, z, h);
  }

  @Test
  @DisplayName("parameter groups apart from the features (grouped by feature, one feature)")
  void groupsOtherThanFeatures() {
    int[] features = {2};
    int[] groups = {2};
    Tensor h = params(SEED + 4, 6, 4);
    for (boolean inverse : new boolean[] {false, true}) {
      Tensor x = inputs(SEED + 5, h, 6, 4, features, groups, inverse);
      GradCheck.check(v -> both(spline.apply(v[0], v[1], features, groups, inverse)), SEED, x, h);
    }
  }

  @Test
  @DisplayName("gradients when the loss uses only the log-det, or only the value")
  void singleOutputGradients() {
    int[] features = {0, 1};
    int[] groups = {1, 0};
    Tensor h = params(SEED + 6, 6, 2);
    for (boolean inverse : new boolean[] {false, true}) {
      Tensor x = inputs(SEED + 7, h, 6, 3, features, groups, inverse);
      GradCheck.check(
          v -> spline.apply(v[0], v[1], features, groups, inverse).logAbsDet(), SEED, x, h);
      GradCheck.check(v -> spline.apply(v[0], v[1], features, groups, inverse).value(), SEED, x, h);
    }
  }

  @Test
  @DisplayName("float32 round trip to 1e-5 on a dense grid with the knots and +-B")
  void roundTripInFloat() {
    int n = 2 * 2801 + 2 * (BINS + 1);
    Tensor raw = params(SEED + 8, 1, 1);
    Tensor h = Tensor.zeros(n, kernel.paramsPerElement);
    for (int row = 0; row < n; row++) {
      for (int i = 0; i < kernel.paramsPerElement; i++) {
        h.set(2.5f * raw.getFlat(i), row, i);
      }
    }
    SplineKernel.Scratch sc = kernel.newScratch();
    for (int i = 0; i < kernel.paramsPerElement; i++) {
      sc.raw[i] = h.getFlat(i);
    }
    kernel.forward(0, sc);
    Tensor x = Tensor.zeros(n, 1);
    int row = 0;
    for (int i = 0; i <= 5600; i++) {
      x.setFlat(row++, (float) (-3.5 + i * 7.0 / 5600));
    }
    for (int k = 0; k <= BINS; k++) {
      x.setFlat(row++, (float) sc.xs[k]);
      x.setFlat(row++, (float) sc.ys[k]);
    }
    while (row < n) {
      x.setFlat(row++, (float) BOUND);
    }
    try (Tape t = Tape.noGrad()) {
      Var xv = t.input(x);
      Var hv = t.input(h);
      Transformed f = spline.apply(xv, hv, false);
      Transformed g = spline.apply(f.value(), hv, true);
      for (int i = 0; i < n; i++) {
        assertThat((double) g.value().value().getFlat(i))
            .as("round trip of x = %s", x.getFlat(i))
            .isCloseTo(x.getFlat(i), within(ROUND_TRIP_TOL));
      }
    }
  }

  @Test
  @DisplayName("inputs of +-1e3 and +-1e30 pass through with finite gradients in both directions")
  void farOutsideTheBound() {
    float[] far = {1e3f, -1e3f, 1e30f, -1e30f, 3.0001f, -3.0001f};
    Tensor x = Tensor.zeros(far.length, 2);
    for (int i = 0; i < far.length; i++) {
      x.set(far[i], i, 0);
      x.set(-far[i], i, 1);
    }
    Tensor h = params(SEED + 9, far.length, 2);
    for (int i = 0; i < h.size(); i++) {
      h.setFlat(i, h.getFlat(i) * 1e4f);
    }
    for (boolean inverse : new boolean[] {false, true}) {
      try (Tape tape = Tape.record()) {
        Var xv = tape.tracked(x);
        Var hv = tape.tracked(h);
        Transformed t = spline.apply(xv, hv, inverse);
        Var loss =
            Reductions.sum(
                ArithmeticOps.add(
                    Reductions.sumRows(ArithmeticOps.scale(t.value(), 1e-30f)), t.logAbsDet()));
        tape.backward(loss);
        for (int i = 0; i < x.size(); i++) {
          assertThat(t.value().value().getFlat(i)).isEqualTo(x.getFlat(i));
          assertThat(xv.grad().getFlat(i)).isEqualTo(1e-30f);
        }
        for (int i = 0; i < far.length; i++) {
          assertThat(t.logAbsDet().value().getFlat(i)).isZero();
        }
        for (int i = 0; i < h.size(); i++) {
          assertThat(hv.grad().getFlat(i)).as("no gradient reaches tail parameters").isZero();
        }
      }
    }
  }

  @Test
  @DisplayName("zero raw parameters make the op the identity")
  void zeroParametersAreIdentity() {
    Tensor x = GradCheck.uniform(SEED + 10, -5, 5, 7, 3);
    Tensor h = Tensor.zeros(7, 3 * kernel.paramsPerElement);
    try (Tape t = Tape.noGrad()) {
      Transformed f = spline.apply(t.input(x), t.input(h), false);
      for (int i = 0; i < x.size(); i++) {
        assertThat((double) f.value().value().getFlat(i)).isCloseTo(x.getFlat(i), within(1e-6));
      }
      for (int i = 0; i < 7; i++) {
        assertThat((double) f.logAbsDet().value().getFlat(i)).isCloseTo(0.0, within(1e-6));
      }
    }
  }

  @Test
  @DisplayName("3K - 1 parameters per feature; settings out of range and bad shapes are refused")
  void settingsAndShapes() {
    assertThat(spline.paramsPerFeature()).isEqualTo(23);
    assertThat(new RationalQuadraticSpline(5, 1.0).paramsPerFeature()).isEqualTo(14);
    assertThatThrownBy(() -> new RationalQuadraticSpline(0, 3.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bins");
    assertThatThrownBy(() -> new RationalQuadraticSpline(8, Double.POSITIVE_INFINITY))
        .hasMessageContaining("tailBound must be > 0 and finite");
    assertThatThrownBy(() -> new RationalQuadraticSpline(8, 3.0, 0.2, 1e-3, 1e-3))
        .hasMessageContaining("minBinWidth must be in [0, 1/bins)");
    assertThatThrownBy(() -> new RationalQuadraticSpline(8, 3.0, 1e-3, 1e-3, 0.0))
        .hasMessageContaining("minDerivative must be in (0, 1)");
    try (Tape t = Tape.noGrad()) {
      Var x = t.input(Tensor.zeros(4, 2));
      assertThatThrownBy(() -> spline.apply(x, t.input(Tensor.zeros(4, 45)), false))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage(
              "RationalQuadraticSpline.forward: params must have shape [4, groups * 23], but was"
                  + " [4, 45] (x is [4, 2])");
      assertThatThrownBy(
              () ->
                  spline.apply(
                      x, t.input(Tensor.zeros(4, 46)), new int[] {1, 1}, new int[] {0, 1}, true))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "RationalQuadraticSpline.inverse: features must be distinct indices in [0, 2), but"
                  + " were [1, 1]");
    }
  }
}
