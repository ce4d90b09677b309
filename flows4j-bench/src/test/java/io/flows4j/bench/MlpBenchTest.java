package io.flows4j.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.autodiff.Parameter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MlpBenchTest {

  @Test
  void sizesCountTheirArithmetic() {
    // S: 8 x (8*64 + 64*64 + 64*16) = 45,056 weights; 6 * 256 * 45,056 = 69,206,016 FLOP.
    assertThat(MlpBench.Size.S.weights()).isEqualTo(45_056);
    assertThat(MlpBench.Size.S.flopPerStep()).isEqualTo(69_206_016.0);
    assertThat(MlpBench.Size.S.parameters()).isEqualTo(45_056 + 8 * (64 + 64 + 16));
    // L: 8 x (64*1024 + 1024*1024 + 1024*128) = 9,961,472 weights, batch 1024.
    assertThat(MlpBench.Size.L.flopPerStep()).isEqualTo(6.0 * 1024 * 9_961_472);
  }

  @Test
  @DisplayName(
      "the trainer's parameters are those the size counts, and training lowers the loss (seed 0)")
  void trainerTrains() {
    MlpBench.Trainer trainer = new MlpBench.Trainer(MlpBench.Size.S, 0);
    long count = 0;
    for (Parameter p : trainer.parameters()) {
      count += p.size();
    }
    assertThat(count).isEqualTo(MlpBench.Size.S.parameters());
    trainer.step();
    double first = trainer.lastLoss;
    for (int i = 0; i < 30; i++) {
      trainer.step();
    }
    // Loss starts near 8 (8 MLPs, unit-variance targets); 30 Adam steps at lr 1e-3 fit part of
    // the random targets' spread, so a drop of a few percent is the least to expect.
    assertThat(trainer.lastLoss).isLessThan(first * 0.98);
  }
}
