package io.flows4j.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.data.Dataset;
import io.flows4j.flows.ConditionalFlow;
import io.flows4j.flows.Presets;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The trainer on conditional flows: the context columns ride along with each minibatch. */
class ConditionalTrainerTest {
  /**
   * Rows {@code (a, label, b)} with the context {@code label} in the middle (so the trainer must
   * reorder the columns): {@code (a, b) ~ N((2 label, -2 label), 0.5^2 I)}, {@code label} uniform
   * on {@code {-1, 0, 1}}.
   */
  private static Dataset data(long seed, int rows) {
    Rng rng = new Rng(seed);
    float[][] r = new float[rows][];
    for (int i = 0; i < rows; i++) {
      int label = rng.nextInt(3) - 1;
      r[i] =
          new float[] {
            (float) (2 * label + 0.5 * rng.nextGaussian()),
            label,
            (float) (-2 * label + 0.5 * rng.nextGaussian())
          };
    }
    return Dataset.of(List.of("a", "label", "b"), r);
  }

  /** NLL above the entropy of the true conditional, {@code log(2 pi e 0.25) = 1.452}. */
  private static final double NLL_GAP = 0.1;

  @Test
  @DisplayName("trains a conditional realnvp to the conditional entropy, with validation (seed 3)")
  void trainsWithContextColumns() {
    Dataset d = data(3, 3000);
    ConditionalFlow flow = Presets.conditionalFlow("realnvp", 2, 1, 4, new int[] {16, 16}, 3);
    TrainingConfig config =
        TrainingConfig.defaults().withSteps(800).withLearningRate(3e-3).withSeed(3);
    TrainingResult r = Trainer.train(flow, d, List.of("label"), config, TrainingListener.NONE);
    assertThat(r.validationRows()).isPositive();
    double entropy = Math.log(2 * Math.PI * Math.E * 0.25);
    Dataset test = Trainer.dataThenContext(data(4, 2000), List.of("label"));
    assertThat(test.columnNames()).containsExactly("a", "b", "label");
    double nll = Trainer.meanNll(BatchDensity.of(flow, 2), test);
    assertThat(nll).isLessThan(entropy + NLL_GAP);
    // The context changes the mean of the samples as the data do.
    for (int label = -1; label <= 1; label++) {
      Tensor c = Tensor.zeros(1, 1);
      c.set(label, 0, 0);
      Tensor s = flow.sample(3000, c, new Rng(5));
      double a = 0;
      double b = 0;
      for (int i = 0; i < 3000; i++) {
        a += s.get(i, 0);
        b += s.get(i, 1);
      }
      assertThat(a / 3000).as("mean of a at label %d", label).isCloseTo(2 * label, within(0.15));
      assertThat(b / 3000).as("mean of b at label %d", label).isCloseTo(-2 * label, within(0.15));
    }
  }

  @Test
  @DisplayName("unknown context columns and misfit flows are refused with the columns")
  void badColumns() {
    Dataset d = data(3, 50);
    ConditionalFlow flow = Presets.conditionalFlow("maf", 2, 1, 1, new int[] {4}, 3);
    TrainingConfig config = TrainingConfig.defaults().withSteps(1);
    assertThatThrownBy(() -> Trainer.train(flow, d, List.of("nope"), config, TrainingListener.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("context column 'nope' is not among the columns [a, label, b]");
    ConditionalFlow two = Presets.conditionalFlow("maf", 2, 2, 1, new int[] {4}, 3);
    assertThatThrownBy(() -> Trainer.train(two, d, List.of("label"), config, TrainingListener.NONE))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageContaining("takes 2 data and 2 context columns");
  }
}
