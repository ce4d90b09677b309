package io.flows4j.bijectors.lowrank;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.NonConvergenceException;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.StableMath;
import io.flows4j.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PlanarOpsTest {
  private static final int ROWS = 6;
  private static final int D = 3;

  /** Float rounding of results computed in double, relative. */
  private static final double FLOAT_TOL = 1e-6;

  /** Round trip through the float closed form and the numerical inverse, relative. */
  private static final double ROUND_TRIP_TOL = 1e-6;

  private static final double LEAKY_SLOPE = 0.3;

  /** Relative rounding of a float, {@code 2^-24}. */
  private static final double FLOAT_EPS = 0x1p-24;

  /** The op's value and log-det side by side, {@code [rows, D + 1]}, for GradCheck. */
  private static Var both(Transformed t) {
    int rows = t.value().shape().dim(0);
    return ShapeOps.concat(1, t.value(), ShapeOps.reshape(t.logAbsDet(), rows, 1));
  }

  private static double slope(PlanarOps.Kind kind) {
    return kind == PlanarOps.Kind.TANH ? 0 : LEAKY_SLOPE;
  }

  /** An independent double-precision planar map: value and log-det of one row. */
  private static double[] reference(
      double[] x, double[] u, double[] w, double b, PlanarOps.Kind kind) {
    double sup = kind == PlanarOps.Kind.TANH ? 1 : Math.max(1, LEAKY_SLOPE);
    double a = 0;
    double n = 0;
    for (int j = 0; j < u.length; j++) {
      a += w[j] * u[j];
      n += w[j] * w[j];
    }
    double m = (-1 + LowRankMath.MIN_SLOPE + StableMath.softplus(a)) / sup;
    double z = b;
    for (int j = 0; j < x.length; j++) {
      z += w[j] * x[j];
    }
    double h;
    double hp;
    if (kind == PlanarOps.Kind.TANH) {
      h = Math.tanh(z);
      hp = 1 / (Math.cosh(z) * Math.cosh(z));
    } else {
      h = z >= 0 ? z : LEAKY_SLOPE * z;
      hp = z >= 0 ? 1 : LEAKY_SLOPE;
    }
    double[] out = new double[x.length + 1];
    for (int j = 0; j < x.length; j++) {
      double uh = u[j] + (m - a) * w[j] / n;
      out[j] = x[j] + uh * h;
    }
    out[x.length] = Math.log(1 + hp * m);
    return out;
  }

  private static double[] row(Tensor t, int r) {
    int d = t.shape().dim(1);
    double[] out = new double[d];
    for (int j = 0; j < d; j++) {
      out[j] = t.getFlat(r * d + j);
    }
    return out;
  }

  private static double[] doubles(Tensor t) {
    double[] out = new double[t.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getFlat(i);
    }
    return out;
  }

  private static Transformed closed(Tensor x, Tensor u, Tensor w, Tensor b, PlanarOps.Kind kind) {
    try (Tape t = Tape.noGrad()) {
      return PlanarOps.closed(
          "test", t.input(x), t.input(u), t.input(w), t.input(b), kind, slope(kind));
    }
  }

  private static Transformed solve(Tensor y, Tensor u, Tensor w, Tensor b, PlanarOps.Kind kind) {
    try (Tape t = Tape.noGrad()) {
      return PlanarOps.solve(
          "test", t.input(y), t.input(u), t.input(w), t.input(b), kind, slope(kind));
    }
  }

  @ParameterizedTest(name = "{0}: closed form matches a double reference (seed 31)")
  @EnumSource(PlanarOps.Kind.class)
  void closedMatchesReference(PlanarOps.Kind kind) {
    Tensor x = GradCheck.uniform(31, -3, 3, ROWS, D);
    Tensor u = GradCheck.uniform(32, -2, 2, D);
    Tensor w = GradCheck.uniform(33, -2, 2, D);
    Tensor b = GradCheck.uniform(34, -1, 1, 1);
    Transformed t = closed(x, u, w, b, kind);
    for (int r = 0; r < ROWS; r++) {
      double[] ref = reference(row(x, r), doubles(u), doubles(w), b.getFlat(0), kind);
      for (int j = 0; j < D; j++) {
        assertThat((double) t.value().value().get(r, j))
            .isCloseTo(ref[j], Offset.offset(FLOAT_TOL * (1 + Math.abs(ref[j]))));
      }
      assertThat((double) t.logAbsDet().value().getFlat(r))
          .isCloseTo(ref[D], Offset.offset(FLOAT_TOL * (1 + Math.abs(ref[D]))));
    }
  }

  @ParameterizedTest(name = "{0}: the numerical inverse solves the double reference (seed 41)")
  @EnumSource(PlanarOps.Kind.class)
  void numericalInverseSolvesReference(PlanarOps.Kind kind) {
    Tensor y = GradCheck.uniform(41, -4, 4, ROWS, D);
    Tensor u = GradCheck.uniform(42, -2, 2, D);
    Tensor w = GradCheck.uniform(43, -2, 2, D);
    Tensor b = GradCheck.uniform(44, -1, 1, 1);
    Transformed t = solve(y, u, w, b, kind);
    for (int r = 0; r < ROWS; r++) {
      double[] ref =
          reference(row(t.value().value(), r), doubles(u), doubles(w), b.getFlat(0), kind);
      for (int j = 0; j < D; j++) {
        double yj = y.get(r, j);
        assertThat(ref[j]).isCloseTo(yj, Offset.offset(ROUND_TRIP_TOL * (1 + Math.abs(yj))));
      }
      assertThat((double) t.logAbsDet().value().getFlat(r))
          .isCloseTo(-ref[D], Offset.offset(FLOAT_TOL * (1 + Math.abs(ref[D]))));
    }
  }

  @ParameterizedTest(name = "{0}: closed-form gradients match finite differences (seed 51)")
  @EnumSource(PlanarOps.Kind.class)
  void closedGradients(PlanarOps.Kind kind) {
    GradCheck.check(
        v -> both(PlanarOps.closed("test", v[0], v[1], v[2], v[3], kind, slope(kind))),
        51,
        GradCheck.uniform(52, -2, 2, ROWS, D),
        GradCheck.uniform(53, -1.5, 1.5, D),
        GradCheck.uniform(54, -1.5, 1.5, D),
        GradCheck.uniform(55, -0.5, 0.5, 1));
  }

  @ParameterizedTest(
      name =
          "{0}: implicit gradients of the numerical inverse match finite"
              + " differences (seed 61)")
  @EnumSource(PlanarOps.Kind.class)
  void numericalInverseGradients(PlanarOps.Kind kind) {
    GradCheck.check(
        v -> both(PlanarOps.solve("test", v[0], v[1], v[2], v[3], kind, slope(kind))),
        61,
        GradCheck.uniform(62, -2, 2, ROWS, D),
        GradCheck.uniform(63, -1.5, 1.5, D),
        GradCheck.uniform(64, -1.5, 1.5, D),
        GradCheck.uniform(65, -0.5, 0.5, 1));
  }

  @Test
  @DisplayName("tanh: w^T u^ sits at its floor (u = -w): log-dets stay finite and >= log delta")
  void constraintAtItsFloor() {
    Tensor w = GradCheck.uniform(71, -3, 3, D);
    Tensor u = w.copy();
    for (int j = 0; j < D; j++) {
      u.setFlat(j, -50 * w.getFlat(j));
    }
    Tensor b = Tensor.zeros(1);
    // rows on the hyperplane w^T x + b = 0, where h' = 1 and the factor 1 + m h' is smallest
    Tensor x = Tensor.zeros(ROWS, D);
    Transformed t = closed(x, u, w, b, PlanarOps.Kind.TANH);
    for (int r = 0; r < ROWS; r++) {
      float ld = t.logAbsDet().value().getFlat(r);
      assertThat(Float.isFinite(ld)).isTrue();
      assertThat((double) ld)
          .isCloseTo(Math.log(LowRankMath.MIN_SLOPE), Offset.offset(FLOAT_TOL * 10));
    }
  }

  @ParameterizedTest(name = "{0}: huge random raw u, w (scale 1e3, seed 81): invertible, finite")
  @EnumSource(PlanarOps.Kind.class)
  void hugeRawParameters(PlanarOps.Kind kind) {
    for (long seed = 81; seed < 91; seed++) {
      Tensor u = GradCheck.uniform(seed, -1e3, 1e3, D);
      Tensor w = GradCheck.uniform(seed + 100, -1e3, 1e3, D);
      Tensor b = GradCheck.uniform(seed + 200, -10, 10, 1);
      Tensor y = GradCheck.uniform(seed + 300, -5, 5, ROWS, D);
      Transformed inv = solve(y, u, w, b, kind);
      Transformed back = closed(inv.value().value(), u, w, b, kind);
      for (int i = 0; i < y.size(); i++) {
        assertThat(Float.isFinite(inv.value().value().getFlat(i))).isTrue();
      }
      for (int r = 0; r < ROWS; r++) {
        float a = inv.logAbsDet().value().getFlat(r);
        float c = back.logAbsDet().value().getFlat(r);
        assertThat(Float.isFinite(a) && Float.isFinite(c)).as("seed %d row %d", seed, r).isTrue();
        assertThat((double) a + c).isCloseTo(0, Offset.offset(1e-4 * (1 + Math.abs(a))));
      }
      // g(x) = y up to the float rounding of x (relative 2^-24 per element) propagated through
      // the layer: |dy_j| <= |dx_j| + |u^_j| h'(z) sum_k |w_k| |dx_k|.
      double[] uh = uHat(doubles(u), doubles(w), kind);
      double wAbs = 0;
      for (int j = 0; j < D; j++) {
        wAbs += Math.abs(w.getFlat(j));
      }
      for (int r = 0; r < ROWS; r++) {
        double[] xr = row(inv.value().value(), r);
        double[] ref = reference(xr, doubles(u), doubles(w), b.getFlat(0), kind);
        double xMax = 0;
        double z = b.getFlat(0);
        for (int j = 0; j < D; j++) {
          xMax = Math.max(xMax, Math.abs(xr[j]));
          z += w.getFlat(j) * xr[j];
        }
        double hp = kind == PlanarOps.Kind.TANH ? 1 - Math.tanh(z) * Math.tanh(z) : 1;
        for (int j = 0; j < D; j++) {
          double yj = y.get(r, j);
          double rounding = FLOAT_EPS * xMax * (1 + Math.abs(uh[j]) * hp * wAbs);
          assertThat(ref[j])
              .as("seed %d row %d", seed, r)
              .isCloseTo(yj, Offset.offset(ROUND_TRIP_TOL * (1 + Math.abs(yj)) + 2 * rounding));
        }
      }
    }
  }

  /** {@code u^} of the double reference. */
  private static double[] uHat(double[] u, double[] w, PlanarOps.Kind kind) {
    double sup = kind == PlanarOps.Kind.TANH ? 1 : Math.max(1, LEAKY_SLOPE);
    double a = 0;
    double n = 0;
    for (int j = 0; j < u.length; j++) {
      a += w[j] * u[j];
      n += w[j] * w[j];
    }
    double m = (-1 + LowRankMath.MIN_SLOPE + StableMath.softplus(a)) / sup;
    double[] out = new double[u.length];
    for (int j = 0; j < u.length; j++) {
      out[j] = u[j] + (m - a) * w[j] / n;
    }
    return out;
  }

  @ParameterizedTest(name = "{0}: inverse of far-out inputs (|y| up to 1e6) is accurate")
  @EnumSource(PlanarOps.Kind.class)
  void farOutInputs(PlanarOps.Kind kind) {
    Tensor u = GradCheck.uniform(92, -2, 2, D);
    Tensor w = GradCheck.uniform(93, -2, 2, D);
    Tensor b = GradCheck.uniform(94, -1, 1, 1);
    Tensor y = GradCheck.uniform(95, -1, 1, ROWS, D);
    for (int r = 0; r < ROWS; r++) {
      double s = Math.pow(10, r);
      for (int j = 0; j < D; j++) {
        y.setFlat(r * D + j, (float) (y.getFlat(r * D + j) * s));
      }
    }
    Transformed inv = solve(y, u, w, b, kind);
    for (int r = 0; r < ROWS; r++) {
      double[] ref =
          reference(row(inv.value().value(), r), doubles(u), doubles(w), b.getFlat(0), kind);
      for (int j = 0; j < D; j++) {
        double yj = y.get(r, j);
        assertThat(ref[j])
            .as("row %d", r)
            .isCloseTo(yj, Offset.offset(ROUND_TRIP_TOL * (1 + Math.abs(yj))));
      }
    }
  }

  @Test
  @DisplayName("the scalar solver meets its stated tolerance, including near-flat slopes")
  void scalarSolverTolerance() {
    double[] ps = {0, 0.5, -0.5, -0.999, 5, 300, -0.99899};
    double[] qs = {1, 1, 2, 1, -3, 0.01, 1.0};
    double[] ts = {0, 1e-9, -1, 3, 1e5, -7, 2e-4};
    for (int i = 0; i < ps.length; i++) {
      for (double c : new double[] {0, 0.3, -2}) {
        double p = ps[i];
        double q = qs[i];
        double t = ts[i];
        if (1 + p * q <= 0) {
          continue;
        }
        double v = LowRankMath.solveTanh("test", t, p, q, c);
        double residual = v + p * Math.tanh(q * v + c) - t;
        assertThat(Math.abs(residual))
            .as("p %s q %s t %s c %s", p, q, t, c)
            .isLessThanOrEqualTo(
                LowRankMath.SOLVE_TOLERANCE * (Math.abs(t) + Math.abs(p) + 1)
                    + 4 * Math.ulp(Math.abs(t) + Math.abs(p)));
      }
    }
  }

  @Test
  @DisplayName("a non-convergence names the layer, the iterations and the residual")
  void nonConvergenceMessage() {
    NonConvergenceException e = new NonConvergenceException("Planar.forward", 200, 0.5, 1e-12);
    assertThat(e).hasMessageContaining("Planar.forward").hasMessageContaining("200");
    assertThat(e.residual()).isEqualTo(0.5);
    assertThat(e.iterations()).isEqualTo(200);
  }

  @Test
  @DisplayName("a wrong input width is refused with both shapes")
  void shapeMismatch() {
    assertThatThrownBy(
            () ->
                closed(
                    Tensor.zeros(2, 4),
                    Tensor.zeros(3),
                    Tensor.zeros(3),
                    Tensor.zeros(1),
                    PlanarOps.Kind.TANH))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageContaining("[2, 4]");
  }
}
