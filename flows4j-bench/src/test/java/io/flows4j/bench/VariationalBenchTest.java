package io.flows4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.flows.Flow;
import io.flows4j.training.TrainingConfig.OptimizerKind;
import io.flows4j.vi.Annealing;
import io.flows4j.vi.VariationalConfig;
import io.flows4j.vi.VariationalFlows;
import io.flows4j.vi.VariationalListener;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class VariationalBenchTest {
  @Test
  @DisplayName("the protocol: 10,000 steps of 256, Adam 1e-3 with L2 decay 1e-3, U1 annealed only")
  void protocol() {
    VariationalConfig u1 = VariationalBench.config("U1", 10_000);
    assertThat(u1.steps()).isEqualTo(10_000);
    assertThat(u1.batchSize()).isEqualTo(256);
    assertThat(u1.learningRate()).isEqualTo(1e-3);
    assertThat(u1.optimizer()).isEqualTo(OptimizerKind.ADAM);
    assertThat(u1.weightDecay()).isEqualTo(1e-3);
    assertThat(u1.maxGradNorm()).isZero();
    assertThat(u1.seed()).isZero();
    assertThat(u1.annealing()).isEqualTo(Annealing.linear(0.01, 5000));
    for (String u : new String[] {"U2", "U3", "U4"}) {
      assertThat(VariationalBench.config(u, 10_000).annealing()).isEqualTo(Annealing.none());
    }
    assertThat(VariationalBench.layers("planar")).isEqualTo(32);
    assertThat(VariationalBench.layers("radial")).isEqualTo(32);
  }

  @Test
  @DisplayName("names: energies and models are checked with one-line messages")
  void names() {
    assertThat(VariationalBench.dataset("u3")).isEqualTo("U3");
    assertThatThrownBy(() -> VariationalBench.dataset("moons"))
        .hasMessage("--dataset for W2 must be one of U1, U2, U3, U4, but was 'moons'");
    assertThat(VariationalBench.model("RealNVP")).isEqualTo("realnvp");
    assertThatThrownBy(() -> VariationalBench.model("glow"))
        .hasMessageStartingWith("--model for W2 must be one of planar, radial");
  }

  @Test
  @DisplayName("a short run on U1 reports the W2 fields (realnvp stand-in, seed 0)")
  void shortRun() {
    Flow f = VariationalFlows.flow("realnvp", 2, 2, new int[] {8, 8}, VariationalBench.SEED);
    VariationalConfig c = VariationalBench.config("U1", 20);
    int[] steps = {0};
    VariationalBench.Result r =
        VariationalBench.run(
            f,
            io.flows4j.vi.Targets.u1(),
            c,
            5000,
            new VariationalListener() {
              @Override
              public void onStep(Progress p) {
                steps[0] = p.step();
              }
            });
    assertThat(steps[0]).isEqualTo(20);
    assertThat(r.nonfiniteSteps()).isZero();
    String line = VariationalBench.line("realnvp", "U1", f.parameterCount(), 1, c, r).toString();
    assertThat(line)
        .startsWith("{\"workload\":\"W2\",\"model\":\"realnvp\",\"dataset\":\"U1\",\"dim\":2,")
        .contains("\"steps\":20,", "\"batch\":256,", "\"lr\":0.001,", "\"weight_decay\":0.001,")
        .contains(
            "\"kl_nats\":", "\"kl_stderr\":", "\"frac_outside_box\":", "\"eval_samples\":5000");
    assertThat(r.report().kl()).isFinite();
  }
}
