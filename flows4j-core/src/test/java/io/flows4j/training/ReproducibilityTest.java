package io.flows4j.training;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.data.Dataset;
import io.flows4j.flows.Flow;
import io.flows4j.flows.Presets;
import io.flows4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded training is bit-reproducible within one JVM, whichever kernels were chosen. The first run
 * starts with the kernels interpreted or C1-compiled and ends with them C2-compiled; the second run
 * is compiled throughout. Any kernel whose result depends on the execution mode (the Vector API's
 * lanewise transcendentals did: Java fallback versus an intrinsic short-vector math routine)
 * changes a last bit somewhere, which Adam amplifies until the loss sequences part.
 */
class ReproducibilityTest {
  private static final int STEPS = 400;
  private static final int BATCH = 64;
  private static final long SEED = 21;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"maf", "realnvp"})
  @DisplayName("two seeded runs in one JVM give bit-identical losses and parameters (seed 21)")
  void twoRunsAreBitIdentical(String name) {
    Dataset data = DensityIntegrationTest.moons(2000, SEED);
    Run first = train(name, data);
    Run second = train(name, data);
    assertThat(second.losses).as("loss sequence").containsExactlyElementsOf(first.losses);
    for (Map.Entry<String, Tensor> e : first.state.entrySet()) {
      assertThat(second.state.get(e.getKey()).toArray())
          .as(e.getKey())
          .isEqualTo(e.getValue().toArray());
    }
  }

  private record Run(List<Double> losses, Map<String, Tensor> state) {}

  private static Run train(String name, Dataset data) {
    Flow flow = Presets.flow(name, 2, 4, new int[] {16, 16}, SEED);
    TrainingConfig c =
        TrainingConfig.defaults()
            .withSteps(STEPS)
            .withBatchSize(BATCH)
            .withLearningRate(5e-3)
            .withValidation(0, 0)
            .withSeed(SEED);
    List<Double> losses = new ArrayList<>();
    Trainer.train(
        flow,
        data,
        null,
        c,
        new TrainingListener() {
          @Override
          public void onStep(Progress p) {
            losses.add(p.loss());
          }
        });
    return new Run(losses, flow.stateDict());
  }
}
