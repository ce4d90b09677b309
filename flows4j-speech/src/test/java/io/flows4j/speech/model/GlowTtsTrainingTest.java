package io.flows4j.speech.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.autodiff.Tape;
import io.flows4j.optim.Adam;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** End-to-end training of a small model on synthetic utterances. */
class GlowTtsTrainingTest {
  /** Adam's learning rate for these small runs. */
  private static final double LEARNING_RATE = 2e-3;

  /** Results of a run: first and last loss terms, first and last alignment accuracy. */
  private record Run(
      double firstNll, double lastNll, double lastDuration, double firstHits, double lastHits) {}

  /**
   * Trains on all utterances as one batch (no dropout) and records the loss terms and the share of
   * token boundaries MAS places within one frame of the true ones, at the first and last step.
   */
  private static Run train(SyntheticSpeech d, int steps, long seed) {
    return train(GlowTtsTest.SMALL, d, steps, seed);
  }

  private static Run train(GlowTtsConfig config, SyntheticSpeech d, int steps, long seed) {
    GlowTts m = new GlowTts(config.withoutDropout(), seed);
    Adam opt = new Adam(m.parameters(), LEARNING_RATE);
    SpeechBatch batch = d.batch();
    double firstNll = 0;
    double firstHits = 0;
    double nll = 0;
    double dur = 0;
    double hits = 0;
    for (int step = 0; step <= steps; step++) {
      opt.zeroGrad();
      try (Tape t = Tape.record()) {
        GlowTts.Loss l = m.loss(batch);
        t.backward(l.total());
        nll = l.nll().item();
        dur = l.duration().item();
        hits = boundaryHits(d, l.alignment());
      }
      if (step == 0) {
        firstNll = nll;
        firstHits = hits;
      }
      opt.step();
    }
    return new Run(firstNll, nll, dur, firstHits, hits);
  }

  /** Share of inner token boundaries whose MAS position is within one frame of the truth. */
  private static double boundaryHits(SyntheticSpeech d, int[][] alignment) {
    int ok = 0;
    int n = 0;
    for (int b = 0; b < alignment.length; b++) {
      int[] found = MonotonicAlignment.durations(alignment[b], d.tokens.get(b).length);
      int[] truth = d.durations.get(b);
      int cf = 0;
      int ct = 0;
      for (int i = 0; i < found.length - 1; i++) {
        cf += found[i];
        ct += truth[i];
        n++;
        if (Math.abs(cf - ct) <= 1) {
          ok++;
        }
      }
    }
    return (double) ok / n;
  }

  @Test
  @DisplayName(
      "overfits three short utterances: NLL falls by > 1.5 nats/dim in 300 steps (seed 41)")
  void overfitsThreeUtterances() {
    SyntheticSpeech d = new SyntheticSpeech(3, 8, 8, 3, 6, 2, 5, 0.3, 41);
    Run r = train(d, 300, 3);
    // Measured: 1.98 -> -0.33 nats per dimension, duration loss 1.73 -> 0.0015.
    assertThat(r.firstNll()).isGreaterThan(1.5);
    assertThat(r.lastNll()).isLessThan(r.firstNll() - 1.5);
    assertThat(r.lastDuration()).isLessThan(0.05);
  }

  @Test
  @DisplayName(
      "the attention encoder overfits the same three utterances: NLL falls by > 1.5 nats/dim in"
          + " 300 steps (seed 41)")
  void attentionOverfitsThreeUtterances() {
    SyntheticSpeech d = new SyntheticSpeech(3, 8, 8, 3, 6, 2, 5, 0.3, 41);
    Run r = train(GlowTtsTest.SMALL_ATTENTION, d, 300, 3);
    // Measured: 1.96 -> -0.07 nats per dimension, duration loss 0.0003 (conv: 1.98 -> -0.33).
    assertThat(r.firstNll()).isGreaterThan(1.5);
    assertThat(r.lastNll()).isLessThan(r.firstNll() - 1.5);
    assertThat(r.lastDuration()).isLessThan(0.05);
  }

  @Test
  @Tag("slow")
  @DisplayName(
      "on 16 utterances MAS learns the alignment: boundaries within 1 frame rise to >= 55 %")
  void learnsTheAlignment() {
    SyntheticSpeech d = new SyntheticSpeech(16, 8, 8, 3, 6, 2, 5, 0.3, 41);
    Run r = train(d, 300, 3);
    // Measured: 27 % of the 59 boundaries at the first step, 66 % after 300 steps.
    assertThat(r.firstHits()).isLessThan(0.35);
    assertThat(r.lastHits()).isGreaterThanOrEqualTo(0.55);
    assertThat(r.lastNll()).isLessThan(r.firstNll() - 1.2);
  }
}
