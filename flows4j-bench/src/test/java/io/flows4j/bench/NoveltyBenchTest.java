package io.flows4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NoveltyBenchTest {
  @Test
  @DisplayName("indexes picks the rows of a class or of all other classes")
  void indexes() {
    int[] labels = {3, 1, 3, 0, 2, 3};
    assertThat(NoveltyBench.indexes(labels, 3, true)).containsExactly(0, 2, 5);
    assertThat(NoveltyBench.indexes(labels, 3, false)).containsExactly(1, 3, 4);
  }
}
