package io.flows4j.speech.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.speech.Fixtures;
import io.flows4j.tensor.NonFiniteException;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MelInversionTest {
  private static final double SOLVE_TOLERANCE = 1e-12;

  /** The kit: NNLS leaves a mean |Δ log-mel| of 0.0005–0.0008 on the fixtures. */
  private static final double FIXTURE_RESIDUAL = 0.001;

  /** The pseudo-inverse route: M·(Mᵀ(MMᵀ)⁻¹·v) = v for any v (M has full row rank). */
  @Test
  void pseudoInverseIsARightInverseSeed4() {
    Random r = new Random(4);
    double[] v = new double[80];
    for (int i = 0; i < 80; i++) {
      v[i] = r.nextGaussian();
    }
    double[] u = v.clone();
    MelFilterbank bank = MelFilterbank.get();
    MelInversion.choleskySolve(MelInversion.cholesky(bank.gram()), u);
    double[] s = new double[513];
    bank.applyTransposed(u, 0, s, 0);
    double[] back = new double[80];
    bank.apply(s, 0, back, 0);
    for (int i = 0; i < 80; i++) {
      assertThat(back[i]).isCloseTo(v[i], within(SOLVE_TOLERANCE));
    }
  }

  @Test
  void sparseProductsMatchTheDenseMatrix() {
    MelFilterbank bank = MelFilterbank.get();
    double[] s = RealFftTest.random(513, 9);
    double[] mel = new double[80];
    bank.apply(s, 0, mel, 0);
    for (int m = 0; m < 80; m++) {
      double want = 0;
      for (int k = 0; k < 513; k++) {
        want += bank.weight(m, k) * s[k];
      }
      assertThat(mel[m]).isCloseTo(want, within(SOLVE_TOLERANCE));
    }
  }

  @Test
  void reanalysisOfTheNnlsMagnitudeGivesBackTheLogMel() {
    Tensor logMel = Tensor.of(Fixtures.npy("kjv00106.logmel.npy"));
    Tensor s = MelInversion.toLinear(logMel);
    Tensor again = LogMel.fromMagnitude(s);
    double sum = 0;
    for (int i = 0; i < logMel.size(); i++) {
      sum += Math.abs(again.getFlat(i) - logMel.getFlat(i));
      assertThat(s.getFlat(i)).isGreaterThanOrEqualTo(0f);
    }
    assertThat(sum / logMel.size()).isLessThan(FIXTURE_RESIDUAL);
  }

  @Test
  void refusesBadInput() {
    assertThatThrownBy(() -> MelInversion.toLinear(Tensor.zeros(81, 3)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "MelInversion.toLinear: log-mel must have shape [80, T] with T >= 1, but was [81, 3]");
    Tensor inf = Tensor.zeros(80, 3);
    inf.set(Float.POSITIVE_INFINITY, 5, 1);
    assertThatThrownBy(() -> MelInversion.toLinear(inf))
        .isInstanceOf(NonFiniteException.class)
        .hasMessage(
            "MelInversion.toLinear: log-mel must be finite, but element [5, 1] was Infinity");
    assertThatThrownBy(() -> MelInversion.toLinear(Tensor.zeros(80, 3), -1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
