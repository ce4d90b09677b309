package io.flows4j.bijectors.residual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.StableMath;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The ops of residual flows: values against double formulas, gradients against GradCheck. */
class ResidualOpsTest {
  /** Agreement of a float32 op with its double-precision formula. */
  private static final double VALUE_TOL = 1e-5;

  private static Tensor unit(long seed, int n) {
    Tensor t = GradCheck.uniform(seed, -1, 1, n);
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += t.getFlat(i) * t.getFlat(i);
    }
    for (int i = 0; i < n; i++) {
      t.setFlat(i, (float) (t.getFlat(i) / Math.sqrt(s)));
    }
    return t;
  }

  @Test
  @DisplayName("spectralNormalize: gradient when the weight is scaled down (seed 1)")
  void spectralNormalizeScaledGradient() {
    Tensor w = GradCheck.uniform(1, -2, 2, 4, 3);
    Tensor u = unit(2, 4);
    Tensor v = unit(3, 3);
    // sigma = u^T W v must exceed c for the scaled branch
    assertThat(Math.abs(ResidualOps.bilinear(u, w, v))).isGreaterThan(0.3);
    double c = Math.abs(ResidualOps.bilinear(u, w, v)) * 0.5;
    if (ResidualOps.bilinear(u, w, v) < 0) {
      for (int i = 0; i < u.size(); i++) {
        u.setFlat(i, -u.getFlat(i));
      }
    }
    GradCheck.check(x -> ResidualOps.spectralNormalize(x[0], u, v, c), 4, w);
  }

  @Test
  @DisplayName("spectralNormalize: identity below the coefficient, W / (sigma / c) above")
  void spectralNormalizeValues() {
    Tensor w = GradCheck.uniform(5, -1, 1, 3, 2);
    Tensor u = unit(6, 3);
    Tensor v = unit(7, 2);
    double sigma = ResidualOps.bilinear(u, w, v);
    try (Tape t = Tape.noGrad()) {
      Tensor same =
          ResidualOps.spectralNormalize(t.input(w), u, v, Math.abs(sigma) * 2 + 1).value();
      assertThat(same.toArray()).containsExactly(w.toArray());
      double c = Math.abs(sigma) / 4;
      Tensor scaled = ResidualOps.spectralNormalize(t.input(w), u, v, c).value();
      double f = Math.max(1, sigma / c);
      for (int i = 0; i < w.size(); i++) {
        assertThat((double) scaled.getFlat(i)).isCloseTo(w.getFlat(i) / f, within(VALUE_TOL));
      }
    }
  }

  @Test
  @DisplayName("spectralNormalize: gradient below the coefficient (seed 8)")
  void spectralNormalizeUnscaledGradient() {
    Tensor w = GradCheck.uniform(8, -0.1, 0.1, 3, 3);
    GradCheck.check(x -> ResidualOps.spectralNormalize(x[0], unit(9, 3), unit(10, 3), 0.97), 11, w);
  }

  private static Var lipSwish(Var a, Var beta) {
    return ResidualOps.lipSwish(
        a, beta, ResidualOps.sigmoidScaled(a.value(), ResidualOps.beta(beta)));
  }

  @Test
  @DisplayName("lipSwish: value equals x sigmoid(softplus(b) x) / 1.1 (seed 12)")
  void lipSwishValue() {
    Tensor a = GradCheck.uniform(12, -6, 6, 4, 5);
    Tensor raw = Tensor.of(new float[] {-0.7f}, 1);
    double beta = StableMath.softplus(-0.7);
    try (Tape t = Tape.noGrad()) {
      Tensor y = lipSwish(t.input(a), t.input(raw)).value();
      for (int i = 0; i < a.size(); i++) {
        double x = a.getFlat(i);
        assertThat((double) y.getFlat(i))
            .isCloseTo(x * StableMath.sigmoid(beta * x) / 1.1, within(VALUE_TOL));
      }
    }
  }

  @Test
  @DisplayName("lipSwish: gradients in the input and the slope (seed 13)")
  void lipSwishGradient() {
    Tensor a = GradCheck.uniform(13, -4, 4, 3, 4);
    Tensor raw = Tensor.of(new float[] {0.3f}, 1);
    GradCheck.check(x -> lipSwish(x[0], x[1]), 14, a, raw);
  }

  private static Var tangent(Var a, Var beta, Var t, int per) {
    return ResidualOps.lipSwishTangent(
        a, beta, ResidualOps.sigmoidScaled(a.value(), ResidualOps.beta(beta)), t, per);
  }

  @Test
  @DisplayName("lipSwishTangent: value is the central difference of lipSwish (seed 15)")
  void tangentValue() {
    Tensor a = GradCheck.uniform(15, -4, 4, 2, 3);
    Tensor raw = Tensor.of(new float[] {0.5f}, 1);
    Tensor t = GradCheck.uniform(16, -1, 1, 4, 3);
    double beta = StableMath.softplus(0.5);
    double h = 1e-4;
    try (Tape tape = Tape.noGrad()) {
      Tensor y = tangent(tape.input(a), tape.input(raw), tape.input(t), 2).value();
      for (int r = 0; r < 4; r++) {
        for (int c = 0; c < 3; c++) {
          double x = a.get(r / 2, c);
          double slope =
              ((x + h) * StableMath.sigmoid(beta * (x + h))
                      - (x - h) * StableMath.sigmoid(beta * (x - h)))
                  / (2 * h * 1.1);
          assertThat((double) y.get(r, c)).isCloseTo(slope * t.get(r, c), within(VALUE_TOL));
        }
      }
    }
  }

  @Test
  @DisplayName("lipSwishTangent: gradients in pre-activation, slope and tangents (seed 17)")
  void tangentGradient() {
    Tensor a = GradCheck.uniform(17, -4, 4, 3, 4);
    Tensor raw = Tensor.of(new float[] {-0.2f}, 1);
    Tensor t = GradCheck.uniform(18, -1, 1, 6, 4);
    GradCheck.check(x -> tangent(x[0], x[1], x[2], 2), 19, a, raw, t);
  }

  @Test
  @DisplayName("logAbsDetIdentityPlus: value by LU equals the 3x3 cofactor formula (seed 20)")
  void logDetValue() {
    Tensor m = GradCheck.uniform(20, -0.5, 0.5, 6, 3);
    try (Tape t = Tape.noGrad()) {
      Tensor ld = ResidualOps.logAbsDetIdentityPlus(t.input(m), 3).value();
      for (int r = 0; r < 2; r++) {
        double[][] a = new double[3][3];
        for (int i = 0; i < 3; i++) {
          for (int j = 0; j < 3; j++) {
            a[i][j] = m.get(r * 3 + i, j) + (i == j ? 1 : 0);
          }
        }
        double det =
            a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1])
                - a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0])
                + a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
        assertThat((double) ld.getFlat(r)).isCloseTo(Math.log(Math.abs(det)), within(VALUE_TOL));
      }
    }
  }

  @Test
  @DisplayName("logAbsDetIdentityPlus: gradient (inverse transpose) for D = 2 and 4 (seed 21)")
  void logDetGradient() {
    GradCheck.check(
        x -> ResidualOps.logAbsDetIdentityPlus(x[0], 2),
        22,
        GradCheck.uniform(21, -0.6, 0.6, 6, 2));
    GradCheck.check(
        x -> ResidualOps.logAbsDetIdentityPlus(x[0], 4),
        23,
        GradCheck.uniform(24, -0.4, 0.4, 8, 4));
  }

  @Test
  @DisplayName("surrogateGradient: reports the estimate, differentiates w^T jv (seed 25)")
  void surrogate() {
    Tensor estimate = Tensor.of(new float[] {1.5f, -2f}, 2);
    Tensor w = GradCheck.uniform(25, -1, 1, 2, 3);
    Tensor jv = GradCheck.uniform(26, -1, 1, 2, 3);
    try (Tape tape = Tape.record()) {
      Var j = tape.tracked(jv);
      Var out = ResidualOps.surrogateGradient(estimate, j, w);
      assertThat(out.value().toArray()).containsExactly(1.5f, -2f);
      tape.backward(io.flows4j.autodiff.Reductions.sum(out));
      assertThat(j.grad().toArray()).containsExactly(w.toArray());
    }
    assertThat(Shape.of(2)).isEqualTo(estimate.shape());
  }
}
