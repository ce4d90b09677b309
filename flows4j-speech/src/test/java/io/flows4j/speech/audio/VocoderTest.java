package io.flows4j.speech.audio;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.speech.Fixtures;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class VocoderTest {
  /**
   * The kit: the log-mel of fast-GL audio (32 iterations, seed 0) differs from the input by a mean
   * |Δ| of 0.123–0.129 on its three utterances; our generator differs, so we allow up to 0.14 (the
   * low end of classic GL's 0.138–0.147).
   */
  private static final double FIXTURE_REANALYSIS = 0.14;

  /** Measured 0.129 on the synthetic vibrato (seed 0); a vocoder without phase recovery: >0.3. */
  private static final double SYNTHETIC_REANALYSIS = 0.16;

  @Test
  void vocodedSpeechReanalysesClose() {
    Tensor logMel = Tensor.of(Fixtures.npy("kjv00106.logmel.npy"));
    float[] y = Vocoder.griffinLim(logMel, 32, GriffinLim.FAST_MOMENTUM, new Rng(0));
    assertThat(y).hasSize((logMel.dim(1) - 1) * 256);
    assertThat(meanAbsDiff(LogMel.compute(y), logMel)).isLessThan(FIXTURE_REANALYSIS);
  }

  @Test
  void vocodedSyntheticToneReanalysesCloseAndDoesNotClip() {
    float[] x = GriffinLimTest.vibrato();
    for (int i = 0; i < x.length; i++) {
      x[i] *= 4; // peaks above 1: the vocoder must scale down
    }
    Tensor logMel = LogMel.compute(x);
    float[] y = Vocoder.griffinLim(logMel, 32, GriffinLim.FAST_MOMENTUM, new Rng(0));
    float peak = 0;
    for (float v : y) {
      peak = Math.max(peak, Math.abs(v));
    }
    assertThat(peak).isLessThanOrEqualTo(0.999f).isGreaterThan(0.99f);
    float[] unscaled = GriffinLimTest.vibrato();
    Tensor quiet = LogMel.compute(unscaled);
    float[] z = Vocoder.griffinLimFromZeroPhase(quiet, 32, GriffinLim.FAST_MOMENTUM);
    assertThat(meanAbsDiff(LogMel.compute(z), quiet)).isLessThan(SYNTHETIC_REANALYSIS);
    assertThat(Vocoder.griffinLimFromZeroPhase(quiet, 32, GriffinLim.FAST_MOMENTUM))
        .containsExactly(z);
  }

  static double meanAbsDiff(Tensor a, Tensor b) {
    assertThat(a.shape()).isEqualTo(b.shape());
    double sum = 0;
    for (int i = 0; i < a.size(); i++) {
      sum += Math.abs(a.getFlat(i) - b.getFlat(i));
    }
    return sum / a.size();
  }
}
