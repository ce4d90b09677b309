package io.flows4j.optim;

import static io.flows4j.optim.OptimTesting.randomGradient;
import static io.flows4j.optim.OptimTesting.randomParameter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Parameter;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GradientClippingTest {
  /** Norms are accumulated in double; only the order of the additions differs. */
  private static final double NORM_TOL = 1e-12;

  /** Scaled float gradients: each element is rounded once to float (relative 6e-8). */
  private static final double SCALED_TOL = 1e-6;

  private static List<Parameter> params(long seed) {
    Random rng = new Random(seed);
    Parameter a = randomParameter("a", rng, 9, 7);
    Parameter b = randomParameter("b", rng, 5);
    randomGradient(a, rng);
    randomGradient(b, rng);
    return List.of(a, b);
  }

  private static double referenceNorm(List<Parameter> ps) {
    double s = 0;
    for (Parameter p : ps) {
      for (float g : p.grad().toArray()) {
        s += (double) g * g;
      }
    }
    return Math.sqrt(s);
  }

  @Test
  @DisplayName("total norm of all gradients (seed 31)")
  void totalNorm() {
    List<Parameter> ps = params(31);
    assertThat(GradientClipping.totalNorm(ps)).isCloseTo(referenceNorm(ps), within(NORM_TOL));
  }

  @Test
  @DisplayName("clipping scales every gradient by the same factor down to maxNorm (seed 32)")
  void clipsToMaxNorm() {
    List<Parameter> ps = params(32);
    double before = referenceNorm(ps);
    float[] a0 = ps.get(0).grad().toArray();
    double maxNorm = before / 4;
    assertThat(GradientClipping.clipGradNorm(ps, maxNorm)).isCloseTo(before, within(NORM_TOL));
    assertThat(referenceNorm(ps)).isCloseTo(maxNorm, within(SCALED_TOL));
    double factor = maxNorm / (before + GradientClipping.CLIP_EPS);
    for (int i = 0; i < a0.length; i++) {
      assertThat((double) ps.get(0).grad().getFlat(i))
          .isCloseTo(a0[i] * factor, within(SCALED_TOL));
    }
  }

  @Test
  @DisplayName("gradients under maxNorm are left alone (seed 33)")
  void leavesSmallGradientsAlone() {
    List<Parameter> ps = params(33);
    float[] a0 = ps.get(0).grad().toArray();
    double norm = referenceNorm(ps);
    assertThat(GradientClipping.clipGradNorm(ps, norm * 2)).isCloseTo(norm, within(NORM_TOL));
    assertThat(ps.get(0).grad().toArray()).containsExactly(a0);
  }

  @Test
  @DisplayName("a non-finite norm is reported and nothing is scaled (seed 34)")
  void nonFiniteNormIsReportedNotApplied() {
    List<Parameter> ps = params(34);
    ps.get(1).grad().setFlat(2, Float.POSITIVE_INFINITY);
    float[] a0 = ps.get(0).grad().toArray();
    assertThat(GradientClipping.clipGradNorm(ps, 1e-3)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(ps.get(0).grad().toArray()).containsExactly(a0);

    ps.get(0).grad().setFlat(5, Float.NaN);
    assertThat(GradientClipping.clipGradNorm(ps, 1e-3)).isNaN();
  }

  @Test
  void refusesANonPositiveMaxNorm() {
    assertThatThrownBy(() -> GradientClipping.clipGradNorm(params(36), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("GradientClipping.clipGradNorm: maxNorm must be > 0, but was 0.0");
    assertThatThrownBy(() -> GradientClipping.clipGradNorm(params(36), Double.NaN))
        .hasMessage("GradientClipping.clipGradNorm: maxNorm must be > 0, but was NaN");
  }

  @Test
  @DisplayName("value clipping clamps each element to [-clip, clip] and returns max |g| (seed 33)")
  void clipsValues() {
    List<Parameter> ps = params(33);
    float[][] before = {ps.get(0).grad().toArray(), ps.get(1).grad().toArray()};
    double largest = 0;
    for (float[] g : before) {
      for (float v : g) {
        largest = Math.max(largest, Math.abs(v));
      }
    }
    double clip = largest / 3;
    assertThat(GradientClipping.clipGradValue(ps, clip)).isEqualTo((double) (float) largest);
    for (int k = 0; k < 2; k++) {
      for (int i = 0; i < before[k].length; i++) {
        float expected = (float) Math.max(-clip, Math.min(clip, before[k][i]));
        assertThat(ps.get(k).grad().getFlat(i)).isEqualTo(expected);
      }
    }
  }

  @Test
  @DisplayName("value clipping reports NaN and infinity, keeps NaN, refuses a bad clip")
  void valueClippingNonFinite() {
    List<Parameter> ps = params(34);
    ps.get(1).grad().setFlat(2, Float.NaN);
    assertThat(GradientClipping.clipGradValue(ps, 1)).isNaN();
    assertThat(ps.get(1).grad().getFlat(2)).isNaN();
    List<Parameter> qs = params(35);
    qs.get(0).grad().setFlat(0, Float.NEGATIVE_INFINITY);
    assertThat(GradientClipping.clipGradValue(qs, 1)).isInfinite();
    assertThat(qs.get(0).grad().getFlat(0)).isEqualTo(-1f);
    assertThatThrownBy(() -> GradientClipping.clipGradValue(qs, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("GradientClipping.clipGradValue: clip must be finite and > 0, but was 0.0");
  }
}
