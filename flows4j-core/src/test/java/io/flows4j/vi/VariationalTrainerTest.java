package io.flows4j.vi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.MathOps;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Var;
import io.flows4j.flows.Flow;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.NonFiniteTrainingException;
import io.flows4j.training.TrainingConfig.OptimizerKind;
import io.flows4j.training.TrainingResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class VariationalTrainerTest {
  /** The KL a small RealNVP must reach on a 2-D Gaussian target. */
  private static final double GAUSSIAN_KL_BOUND = 0.05;

  /** Samples of the final KL estimate. */
  private static final int EVAL_SAMPLES = 20_000;

  static Flow smallRealNvp(long seed) {
    return VariationalFlows.flow("realnvp", 2, 4, new int[] {16, 16}, seed);
  }

  @Test
  @DisplayName(
      "a small RealNVP fits a 2-D axis-aligned Gaussian to KL < 0.05 in 400 steps (seed 11)")
  void fitsAGaussian() {
    Target t = Targets.gaussian(new double[] {1.5, -1}, new double[] {0.5, 1.5});
    Flow q = smallRealNvp(11);
    VariationalConfig c =
        VariationalConfig.builder().steps(400).batchSize(128).learningRate(1e-2).seed(11).build();
    TrainingResult r = VariationalTrainer.train(q, t, c);
    assertThat(r.stepsRun()).isEqualTo(400);
    assertThat(r.stopReason()).isEqualTo(TrainingResult.StopReason.COMPLETED);
    assertThat(r.history()).hasSize(4);
    VariationalDiagnostics.Report d = VariationalDiagnostics.evaluate(q, t, EVAL_SAMPLES, 12, 6);
    assertThat(d.kl()).isLessThan(GAUSSIAN_KL_BOUND);
    // Up to Monte-Carlo error the KL is >= 0.
    assertThat(d.kl()).isGreaterThan(-4 * d.klStderr());
    assertThat(d.essFraction()).isGreaterThan(0.9);
  }

  @Test
  @DisplayName(
      "the listener sees every step with the annealed beta; runs are reproducible (seed 13)")
  void listenerAndReproducibility() {
    Target t = Targets.banana();
    VariationalConfig c =
        VariationalConfig.builder()
            .steps(30)
            .batchSize(32)
            .annealing(Annealing.linear(0.1, 20))
            .historyInterval(7)
            .maxGradNorm(5)
            .optimizer(OptimizerKind.ADAM, 1e-3)
            .seed(13)
            .build();
    List<VariationalListener.Progress> seen = new ArrayList<>();
    Flow a = smallRealNvp(13);
    TrainingResult r =
        VariationalTrainer.train(
            a,
            t,
            c,
            new VariationalListener() {
              @Override
              public void onStep(Progress p) {
                seen.add(p);
              }
            });
    assertThat(seen).hasSize(30);
    assertThat(seen.get(0).beta()).isEqualTo(0.1);
    assertThat(seen.get(10).beta()).isEqualTo(0.6);
    assertThat(seen.get(29).beta()).isEqualTo(1.0);
    // At beta = 1 the loss is the negative ELBO of the batch.
    assertThat(seen.get(29).loss()).isCloseTo(seen.get(29).negativeElbo(), within(1e-4));
    assertThat(r.history())
        .extracting(TrainingResult.HistoryEntry::step)
        .containsExactly(7, 14, 21, 28, 30);

    Flow b = smallRealNvp(13);
    VariationalTrainer.train(b, t, c);
    Map<String, Tensor> sa = a.stateDict();
    Map<String, Tensor> sb = b.stateDict();
    for (String k : sa.keySet()) {
      assertThat(sb.get(k).toArray()).as(k).containsExactly(sa.get(k).toArray());
    }
  }

  @Test
  @DisplayName(
      "a NaN target stops at step 1 naming the first non-finite gradient; weights unchanged")
  void nonFiniteLossStops() {
    Target bad = Target.of("bad", 2, VariationalTrainerTest::nan);
    Flow q = smallRealNvp(17);
    Map<String, Tensor> before = q.stateDict();
    assertThatThrownBy(
            () ->
                VariationalTrainer.train(
                    q, bad, VariationalConfig.builder().steps(5).batchSize(8).build()))
        .isInstanceOf(NonFiniteTrainingException.class)
        .hasMessageStartingWith(
            "VariationalTrainer: step 1 of 5 (target bad, beta 1.0): loss is NaN; first"
                + " non-finite gradient of transform.")
        .hasMessageEndingWith(
            "the parameters were left as they were before training (try a lower learning rate,"
                + " gradient clipping or annealing)")
        .satisfies(
            e -> {
              NonFiniteTrainingException n = (NonFiniteTrainingException) e;
              assertThat(n.step()).isEqualTo(1);
              assertThat(n.result().stopReason()).isEqualTo(TrainingResult.StopReason.NON_FINITE);
            });
    Map<String, Tensor> after = q.stateDict();
    for (String k : before.keySet()) {
      assertThat(after.get(k).toArray()).as(k).containsExactly(before.get(k).toArray());
    }
  }

  /** {@code sqrt(-(|x|^2 + 1))}: NaN everywhere, and so is its gradient. */
  private static Var nan(Var x) {
    return MathOps.sqrt(
        ArithmeticOps.addScalar(ArithmeticOps.neg(Reductions.sumRows(MathOps.square(x))), -1f));
  }

  @Test
  @DisplayName("a flow over another dimension is refused before training")
  void dimensionMismatch() {
    assertThatThrownBy(
            () ->
                VariationalTrainer.train(
                    smallRealNvp(1), Targets.funnel(3), VariationalConfig.builder().build()))
        .hasMessageStartingWith(
            "VariationalTrainer: the flow does not fit target funnel3 over [3]");
  }

  @Test
  @DisplayName("config: every field is validated with a one-line message")
  void configValidation() {
    assertThatThrownBy(() -> VariationalConfig.builder().steps(0).build())
        .hasMessage("VariationalConfig: steps must be > 0, but was 0");
    assertThatThrownBy(() -> VariationalConfig.builder().batchSize(-2).build())
        .hasMessage("VariationalConfig: batch size must be > 0, but was -2");
    assertThatThrownBy(() -> VariationalConfig.builder().learningRate(Double.NaN).build())
        .hasMessage("VariationalConfig: learning rate must be finite and > 0, but was NaN");
    assertThatThrownBy(() -> VariationalConfig.builder().optimizer(null, 0).build())
        .hasMessage("VariationalConfig: optimizer must not be null");
    assertThatThrownBy(
            () -> VariationalConfig.builder().optimizer(OptimizerKind.ADAM, -1e-3).build())
        .hasMessage("VariationalConfig: weight decay must be finite and >= 0, but was -0.001");
    assertThatThrownBy(() -> VariationalConfig.builder().maxGradNorm(-1).build())
        .hasMessage(
            "VariationalConfig: max gradient norm must be finite and >= 0 (0 for no clipping), but"
                + " was -1.0");
    assertThatThrownBy(() -> VariationalConfig.builder().annealing(null).build())
        .hasMessage("VariationalConfig: annealing must not be null");
    assertThatThrownBy(() -> VariationalConfig.builder().historyInterval(0).build())
        .hasMessage("VariationalConfig: history interval must be > 0, but was 0");
  }

  @Test
  @DisplayName("config: the W2 protocol and the defaults")
  void w2Config() {
    VariationalConfig w = VariationalConfig.w2(Annealing.w2());
    assertThat(w.steps()).isEqualTo(10_000);
    assertThat(w.batchSize()).isEqualTo(256);
    assertThat(w.learningRate()).isEqualTo(1e-3);
    assertThat(w.optimizer()).isEqualTo(OptimizerKind.ADAM);
    assertThat(w.weightDecay()).isEqualTo(1e-3);
    assertThat(w.maxGradNorm()).isZero();
    assertThat(w.seed()).isZero();
    assertThat(w.annealing()).isEqualTo(new Annealing(0.01, 5000));
    VariationalConfig d = VariationalConfig.builder().build();
    assertThat(d.toBuilder().build()).isEqualTo(d);
    assertThat(d.annealing()).isEqualTo(Annealing.none());
  }

  @Test
  @DisplayName("flow names: every listed flow builds, unknown names are listed")
  void flowNames() {
    for (String name : VariationalFlows.NAMES) {
      Tensor x = VariationalFlows.flow(name, 2, 2, new int[] {8}, 0).sample(3, new Rng(0));
      assertThat(x.shape()).as("flow %s", name).isEqualTo(Shape.of(3, 2));
    }
    assertThatThrownBy(() -> VariationalFlows.flow("glow", 2, 2, new int[] {8}, 0))
        .hasMessage(
            "flow: must be one of planar, radial, sylvester, residual, realnvp, maf, nsf, but"
                + " was 'glow'");
    assertThat(VariationalFlows.flow("MAF", 2, 2, new int[] {8}, 0).parameterCount()).isPositive();
  }
}
