package io.flows4j.bijectors.residual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.bijectors.NonConvergenceException;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Spectral normalisation and when its singular-vector buffers change; evaluation with the
 * estimator; the error of an inverse that cannot converge.
 */
class SpectralNormTest {
  /** Relative accuracy of the converged singular-value estimate. */
  private static final double SIGMA_TOL = 1e-5;

  private static InvertibleResidualBlock block(long seed) {
    InvertibleResidualBlock b = InvertibleResidualBlock.builder(2).hidden(8).seed(seed).build();
    Rng rng = new Rng(seed);
    for (Parameter p : b.parameters()) {
      rng.fillNormal(p.value(), 0, 1);
    }
    b.refreshSpectralNorm();
    return b;
  }

  /** The largest singular value of a {@code [n, 2]} matrix, from the 2x2 matrix W^T W. */
  private static double sigmaMax(Tensor w) {
    double a = 0;
    double b = 0;
    double d = 0;
    for (int r = 0; r < w.dim(0); r++) {
      double x = w.get(r, 0);
      double y = w.get(r, 1);
      a += x * x;
      b += x * y;
      d += y * y;
    }
    double tr = a + d;
    double det = a * d - b * b;
    return Math.sqrt(tr / 2 + Math.sqrt(tr * tr / 4 - det));
  }

  @Test
  @DisplayName("converged estimate equals the largest singular value; W_eff has norm c (seed 61)")
  void estimateIsTheLargestSingularValue() {
    InvertibleResidualBlock b = block(61);
    LipschitzLayer first = (LipschitzLayer) b.children().get("layer0");
    Tensor w = first.weight().value();
    double exact = sigmaMax(w);
    assertThat(exact).isGreaterThan(1.0);
    assertThat(Math.abs(first.sigma())).isCloseTo(exact, within(SIGMA_TOL * exact));
    try (Tape t = Tape.noGrad()) {
      Tensor eff = first.effectiveWeight(0.97).value();
      assertThat(sigmaMax(eff)).isCloseTo(0.97, within(SIGMA_TOL));
    }
  }

  @Test
  @DisplayName("singular vectors change on training calls only, one power iteration each")
  void buffersChangeOnlyWhenTraining() {
    InvertibleResidualBlock b = block(62);
    Flow flow = new Flow(b, new StandardNormal(2));
    Tensor x = new Rng(63).fillNormal(Tensor.zeros(4, 2), 0, 1);
    // move the weights so that the converged vectors are no longer a fixed point
    for (Parameter p : b.parameters()) {
      p.value().setFlat(0, p.value().getFlat(0) + 0.5f);
    }
    Map<String, Tensor> before = b.stateDict();
    flow.logProb(x);
    try (Tape t = Tape.noGrad()) {
      flow.logProb(t.input(x));
    }
    flow.eval();
    try (Tape t = Tape.record()) {
      t.backward(Reductions.sum(flow.logProb(t.input(x))));
    }
    assertThat(b.stateDict().get("layer0.u").toArray())
        .containsExactly(before.get("layer0.u").toArray());
    flow.train();
    try (Tape t = Tape.record()) {
      t.backward(Reductions.sum(flow.logProb(t.input(x))));
    }
    assertThat(b.stateDict().get("layer0.u").toArray())
        .isNotEqualTo(before.get("layer0.u").toArray());
  }

  @Test
  @DisplayName("evaluation with the estimator is deterministic; useExactLogDet switches to exact")
  void estimatedEvaluation() {
    InvertibleResidualBlock b = block(64);
    b.setLogDet(LogDetMethod.ESTIMATOR, LogDetMethod.ESTIMATOR);
    Flow flow = new Flow(b, new StandardNormal(2));
    Tensor x = new Rng(65).fillNormal(Tensor.zeros(6, 2), 0, 1);
    float[] once = flow.logProb(x).toArray();
    assertThat(flow.logProb(x).toArray()).containsExactly(once);
    b.useExactLogDet();
    assertThat(b.spec().write()).contains("\"evaluationLogDet\":\"exact\"");
    float[] exact = flow.logProb(x).toArray();
    assertThat(exact).isNotEqualTo(once);
    b.setLogDet(LogDetMethod.EXACT, LogDetMethod.EXACT);
    assertThat(flow.logProb(x).toArray()).containsExactly(exact);
  }

  @Test
  @DisplayName("an inverse that cannot reach its tolerance names the block, change and iterations")
  void nonConvergence() {
    InvertibleResidualBlock b =
        InvertibleResidualBlock.builder(2).hidden(8).maxIterations(2).seed(66).build();
    Rng rng = new Rng(66);
    for (Parameter p : b.parameters()) {
      rng.fillNormal(p.value(), 0, 1);
    }
    b.refreshSpectralNorm();
    Tensor z = new Rng(67).fillNormal(Tensor.zeros(3, 2), 0, 3);
    assertThatThrownBy(
            () -> {
              try (Tape t = Tape.noGrad()) {
                b.inverse(t.input(z));
              }
            })
        .isInstanceOf(NonConvergenceException.class)
        .hasMessageContaining("InvertibleResidualBlock 2 -> 8 -> 2")
        .hasMessageContaining("did not converge in 2 iterations")
        .hasMessageContaining("largest change")
        .satisfies(e -> assertThat(((NonConvergenceException) e).iterations()).isEqualTo(2));
  }

  @Test
  @DisplayName("settings out of range are refused with the expected range")
  void invalidSettings() {
    assertThatThrownBy(() -> InvertibleResidualBlock.builder(2).coefficient(1.0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("coefficient must be in (0, 1), but was 1.0");
    assertThatThrownBy(() -> LogDetMethod.of("brute"))
        .hasMessageContaining("must be 'exact' or 'estimator', but was 'brute'");
  }
}
