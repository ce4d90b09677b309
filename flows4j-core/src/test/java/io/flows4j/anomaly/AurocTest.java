package io.flows4j.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.tensor.Rng;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AurocTest {
  /** Rank sums of at most a few thousand halves are exact in double; only the division rounds. */
  private static final double TOL = 1e-12;

  @Test
  @DisplayName("a hand-computed case with ties: 3 positives, 4 negatives")
  void handComputed() {
    // positives 0.9, 0.5, 0.3; negatives 0.5, 0.2, 0.1, 0.3.
    // Pairs (pos, neg): 0.9 beats all 4 -> 4; 0.5 ties 0.5 (0.5), beats 0.2, 0.1, 0.3 -> 3.5;
    // 0.3 loses to 0.5, beats 0.2 and 0.1, ties 0.3 -> 2.5. Sum 10 over 12 pairs.
    double[] s = {0.9, 0.5, 0.3, 0.5, 0.2, 0.1, 0.3};
    boolean[] pos = {true, true, true, false, false, false, false};
    assertThat(Auroc.of(s, pos)).isCloseTo(10.0 / 12.0, within(TOL));
  }

  @Test
  @DisplayName("perfect, reversed and all-tied scores give 1, 0 and 0.5")
  void extremes() {
    boolean[] pos = {false, true, false, true};
    assertThat(Auroc.of(new double[] {1, 5, 2, 7}, pos)).isEqualTo(1.0);
    assertThat(Auroc.of(new double[] {8, 5, 9, 7}, pos)).isEqualTo(0.0);
    assertThat(Auroc.of(new double[] {3, 3, 3, 3}, pos)).isEqualTo(0.5);
  }

  @Test
  @DisplayName("equals the pairwise count on random scores with many ties (seed 5)")
  void matchesPairwise() {
    Rng rng = new Rng(5);
    int n = 700;
    double[] s = new double[n];
    boolean[] pos = new boolean[n];
    for (int i = 0; i < n; i++) {
      pos[i] = rng.nextUniform() < 0.3;
      s[i] = Math.floor(rng.nextGaussian() * 4 + (pos[i] ? 2 : 0)); // integers: many ties
    }
    double sum = 0;
    long pairs = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        if (pos[i] && !pos[j]) {
          sum += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
          pairs++;
        }
      }
    }
    assertThat(Auroc.of(s, pos)).isCloseTo(sum / pairs, within(TOL));
  }

  @Test
  @DisplayName("refuses a missing class, NaN scores and mismatched lengths")
  void refusals() {
    assertThatThrownBy(() -> Auroc.of(new double[] {1, 2}, new boolean[] {true, true}))
        .hasMessageContaining("positives and negatives");
    assertThatThrownBy(() -> Auroc.of(new double[] {1, Double.NaN}, new boolean[] {true, false}))
        .hasMessageContaining("NaN");
    assertThatThrownBy(() -> Auroc.of(new double[] {1, 2}, new boolean[] {true}))
        .hasMessageContaining("one per score");
  }
}
