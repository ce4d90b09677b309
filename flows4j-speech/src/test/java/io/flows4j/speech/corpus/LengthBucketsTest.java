package io.flows4j.speech.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.tensor.Rng;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LengthBucketsTest {
  @Test
  @DisplayName("every utterance once per epoch, batches of similar lengths, order per seed")
  void epochs() {
    int[] lengths = {50, 10, 40, 20, 30, 60, 15, 35, 25};
    LengthBuckets b = new LengthBuckets(lengths, 4);
    assertThat(b.batchesPerEpoch()).isEqualTo(3);
    List<int[]> e1 = b.epoch(new Rng(1));
    List<Integer> seen = new ArrayList<>();
    for (int[] batch : e1) {
      for (int i : batch) {
        seen.add(i);
      }
    }
    assertThat(seen).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8);
    // Sorted lengths 10 15 20 25 | 30 35 40 50 | 60: each batch is a run of the sorted order.
    List<List<Integer>> asLengths = new ArrayList<>();
    for (int[] batch : e1) {
      List<Integer> l = new ArrayList<>();
      for (int i : batch) {
        l.add(lengths[i]);
      }
      asLengths.add(l);
    }
    assertThat(asLengths)
        .containsExactlyInAnyOrder(List.of(10, 15, 20, 25), List.of(30, 35, 40, 50), List.of(60));
    // Some seed orders the batches differently.
    boolean differs = false;
    for (long s = 2; s < 10 && !differs; s++) {
      differs = b.epoch(new Rng(s)).get(0)[0] != e1.get(0)[0];
    }
    assertThat(differs).isTrue();
  }
}
