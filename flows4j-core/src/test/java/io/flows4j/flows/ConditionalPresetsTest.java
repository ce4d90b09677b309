package io.flows4j.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.distributions.Distribution;
import io.flows4j.io.Json;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every conditional preset builds, depends on its context, round-trips and saves. */
class ConditionalPresetsTest {
  private static final long SEED = 20261123L;
  private static final int D = 3;
  private static final int C = 2;
  private static final int N = 6;

  /** Agreement of the two log-density paths (float32, 3 layers). */
  private static final double AGREE_TOL = 2e-3;

  static java.util.List<String> names() {
    return Presets.CONDITIONAL_NAMES;
  }

  private static ConditionalFlow perturbed(String name) {
    ConditionalFlow f = Presets.conditionalFlow(name, D, C, 3, new int[] {8, 8}, SEED);
    Rng rng = new Rng(SEED);
    for (Parameter p : f.parameters()) {
      for (int i = 0; i < p.value().size(); i++) {
        p.value().setFlat(i, p.value().getFlat(i) + (float) (0.1 * rng.nextGaussian()));
      }
    }
    return f;
  }

  @ParameterizedTest(name = "{0} (seed 20261123)")
  @MethodSource("names")
  @DisplayName("depends on the context; sampleWithLogProb agrees with logProb; spec rebuilds it")
  void preset(String name) {
    ConditionalFlow f = perturbed(name);
    if (name.equals("residual")) {
      // The exact log-determinant in evaluation; the estimator is random.
      f.eval();
    }
    Tensor x = new Rng(SEED + 1).fillNormal(Tensor.zeros(N, D), 0, 1);
    Tensor c1 = new Rng(SEED + 2).fillNormal(Tensor.zeros(N, C), 0, 1);
    Tensor c2 = new Rng(SEED + 3).fillNormal(Tensor.zeros(1, C), 0, 1);
    Tensor a = f.logProb(x, c1);
    assertThat(a.toArray()).isNotEqualTo(f.logProb(x, c2).toArray());
    Tensor xs;
    Tensor lp;
    try (Tape t = Tape.noGrad()) {
      Distribution.Sampled s = f.sampleWithLogProb(N, t.input(c2), new Rng(SEED + 4));
      xs = s.value().value();
      lp = s.logProb().value();
    }
    Tensor again = f.logProb(xs, c2);
    for (int i = 0; i < N; i++) {
      assertThat((double) lp.getFlat(i)).isCloseTo(again.getFlat(i), within(AGREE_TOL));
    }
    ConditionalFlow g = ConditionalFlow.fromSpec((Json.Obj) Json.parse(f.spec().write()));
    g.loadStateDict(f.stateDict());
    g.eval();
    f.eval();
    assertThat(g.logProb(x, c1).toArray()).containsExactly(f.logProb(x, c1).toArray());
  }

  @Test
  @DisplayName("a preset without a conditional version is refused with the list")
  void unknown() {
    assertThatThrownBy(() -> Presets.conditionalFlow("planar", D, C, 2, new int[] {8}, SEED))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[realnvp, maf, nsf, nsf-ar, nice, residual]");
  }
}
