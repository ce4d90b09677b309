package io.flows4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ImageBenchTest {
  @Test
  @DisplayName("W4's FLOP count, summed by hand over the two levels")
  void flopOfW4() {
    // Level 1: 4 channels at 14x14; a step's MACs per position: 2*128*9 (3x3 from the conditioning
    // half) + 128*128 (1x1) + 128*4*9 (3x3 to shift and scale) + 4*4 (invertible 1x1).
    long level1 = 196L * (2 * 128 * 9 + 128 * 128 + 128 * 4 * 9 + 16);
    // Level 2: 8 channels at 7x7, from the 2 kept channels of level 1.
    long level2 = 49L * (4 * 128 * 9 + 128 * 128 + 128 * 8 * 9 + 64);
    double expected = 6.0 * 64 * 8 * (level1 + level2);
    assertThat(ImageBench.flopPerStep(ImageBench.FULL, 1, 28, 28)).isEqualTo(expected);
    assertThat(expected).isEqualTo(18_593_218_560.0);
  }
}
