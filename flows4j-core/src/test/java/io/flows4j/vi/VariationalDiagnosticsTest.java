package io.flows4j.vi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.ElementwiseAffine;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.tensor.Tensor;
import java.util.OptionalDouble;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The diagnostics on cases with known answers. */
class VariationalDiagnosticsTest {
  /** Samples of the Monte-Carlo checks. */
  private static final int N = 100_000;

  /** How many standard errors a Monte-Carlo figure may be off. */
  private static final double STDERRS = 4;

  /** float32 log-densities of the same Gaussian computed two ways, in nats. */
  private static final double FLOAT_TOLERANCE = 1e-5;

  /**
   * A fixed flow whose density is N(mean, diag(std^2)): ElementwiseAffine maps data to latent by
   * {@code z = x exp(s) + t}, so {@code s = -log std} and {@code t = -mean / std}.
   */
  static Flow gaussianFlow(double[] mean, double[] std) {
    ElementwiseAffine a = new ElementwiseAffine(mean.length);
    Tensor logScale = a.namedParameters().get("logScale").value();
    Tensor shift = a.namedParameters().get("shift").value();
    for (int j = 0; j < mean.length; j++) {
      logScale.setFlat(j, (float) -Math.log(std[j]));
      shift.setFlat(j, (float) (-mean[j] / std[j]));
    }
    return new Flow(Bijectors.chain(a), new StandardNormal(mean.length));
  }

  @Test
  @DisplayName("q equal to the target: KL 0, ESS = N, log Z exact, no spread (seed 3)")
  void exactFit() {
    double[] mean = {1, -2};
    double[] std = {0.5, 2};
    Target t = Targets.gaussian(mean, std);
    VariationalDiagnostics.Report r =
        VariationalDiagnostics.evaluate(gaussianFlow(mean, std), t, 20_000, 3, 6);
    double logZ = t.logNormalizer().orElseThrow();
    assertThat(r.samples()).isEqualTo(20_000);
    assertThat(r.kl()).isCloseTo(0, within(FLOAT_TOLERANCE));
    assertThat(r.klStderr()).isLessThan(FLOAT_TOLERANCE);
    assertThat(r.elbo()).isCloseTo(logZ, within(FLOAT_TOLERANCE));
    assertThat(r.logZ()).isCloseTo(logZ, within(FLOAT_TOLERANCE));
    assertThat(r.logZStderr()).isLessThan(FLOAT_TOLERANCE);
    assertThat(r.essFraction()).isCloseTo(1, within(1e-6));
    assertThat(r.trueLogZ()).isEqualTo(logZ);
    assertThat(r.nonFiniteSamples()).isZero();
  }

  @Test
  @DisplayName(
      "q = N(0, I), target N((0.6, -0.3), I): KL = |mu|^2/2, ESS/N = exp(-|mu|^2) (seed 4)")
  void shiftedGaussian() {
    double[] mu = {0.6, -0.3};
    double m2 = mu[0] * mu[0] + mu[1] * mu[1];
    Target t = Targets.gaussian(mu, new double[] {1, 1});
    VariationalDiagnostics.Report r =
        VariationalDiagnostics.evaluate(
            gaussianFlow(new double[] {0, 0}, new double[] {1, 1}), t, N, 4, 6);
    // w = mu.x - |mu|^2/2 with x ~ N(0, I): sd(w) = |mu|, so the ELBO's stderr is |mu| / sqrt(N).
    assertThat(r.klStderr()).isCloseTo(Math.sqrt(m2 / N), within(0.02 * Math.sqrt(m2 / N)));
    assertThat(r.kl()).isCloseTo(m2 / 2, within(STDERRS * r.klStderr()));
    assertThat(r.logZ())
        .isCloseTo(t.logNormalizer().orElseThrow(), within(STDERRS * r.logZStderr()));
    // E[W^2] / E[W]^2 = exp(|mu|^2), so se(log Z^) = sqrt((exp(|mu|^2) - 1) / N).
    assertThat(r.logZStderr())
        .isCloseTo(Math.sqrt((Math.exp(m2) - 1) / N), within(0.1 * r.logZStderr()));
    assertThat(r.essFraction()).isCloseTo(Math.exp(-m2), within(0.01));
  }

  @Test
  @DisplayName("q = N(0, I): the fraction outside [-1, 1]^2 is 1 - P(|x| <= 1)^2 (seed 5)")
  void fractionOutsideTheBox() {
    VariationalDiagnostics.Report r =
        VariationalDiagnostics.evaluate(
            gaussianFlow(new double[] {0, 0}, new double[] {1, 1}), Targets.u1(), N, 5, 1);
    double inside = 0.6826894921370859; // P(|x| <= 1) for x ~ N(0, 1)
    double p = 1 - inside * inside;
    assertThat(r.fractionOutsideBox()).isCloseTo(p, within(STDERRS * Math.sqrt(p * (1 - p) / N)));
    assertThat(r.boxHalfWidth()).isEqualTo(1);
  }

  @Test
  @DisplayName("the formulas on two weights: W = (1, 3) gives ESS 1.6, log Z^ = log 2, se 0.5")
  void formulasOnTwoWeights() {
    VariationalDiagnostics.Report r =
        VariationalDiagnostics.summarize(
            new double[] {0, Math.log(3)}, new double[] {0, 0}, 1, OptionalDouble.of(1), 6);
    assertThat(r.ess()).isCloseTo(1.6, within(1e-12));
    assertThat(r.essFraction()).isCloseTo(0.8, within(1e-12));
    assertThat(r.logZ()).isCloseTo(Math.log(2), within(1e-12));
    // Delta method: sd(W) / (sqrt(N) mean(W)) = sqrt(2) / (sqrt(2) * 2).
    assertThat(r.logZStderr()).isCloseTo(0.5, within(1e-12));
    assertThat(r.elbo()).isCloseTo(Math.log(3) / 2, within(1e-12));
    assertThat(r.elboStderr()).isCloseTo(Math.log(3) / 2, within(1e-12));
    assertThat(r.kl()).isCloseTo(1 - Math.log(3) / 2, within(1e-12));
    assertThat(r.fractionOutsideBox()).isEqualTo(0.5);
  }

  @Test
  @DisplayName("without log Z the KL is NaN; weights of 1e300 do not overflow")
  void unknownLogZAndHugeWeights() {
    VariationalDiagnostics.Report r =
        VariationalDiagnostics.summarize(
            new double[] {700, 700 + Math.log(3)},
            new double[] {0, 0},
            0,
            OptionalDouble.empty(),
            6);
    assertThat(r.kl()).isNaN();
    assertThat(r.klStderr()).isNaN();
    assertThat(r.logZ()).isCloseTo(700 + Math.log(2), within(1e-9));
    assertThat(r.ess()).isCloseTo(1.6, within(1e-12));
  }

  @Test
  @DisplayName("bad arguments are refused with one-line messages")
  void argumentChecks() {
    Flow q = gaussianFlow(new double[] {0, 0}, new double[] {1, 1});
    assertThatThrownBy(() -> VariationalDiagnostics.evaluate(q, Targets.u1(), 1, 0, 6))
        .hasMessage("VariationalDiagnostics: samples must be >= 2, but was 1");
    assertThatThrownBy(() -> VariationalDiagnostics.evaluate(q, Targets.funnel(3), 10, 0, 6))
        .hasMessageStartingWith("VariationalDiagnostics: the flow does not fit target funnel3");
  }
}
