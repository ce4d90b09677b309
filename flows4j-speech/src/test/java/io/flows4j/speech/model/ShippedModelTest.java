package io.flows4j.speech.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flows4j.speech.text.PhoneSet;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The shipped model, written before the encoder kind existed, loads as a convolution encoder and
 * synthesizes what it synthesized before: the figures below were taken from the code before the
 * attention encoder was added (commit e3f923c, the 60-minute model; phones "pau hh iy s ae t d aw n
 * pau", noise 0, length scale 1). Shipping another model means retaking them the same way.
 */
class ShippedModelTest {
  /** Relative agreement of the sums with the recorded ones (float rounding of other GEMMs). */
  private static final double SUM_TOL = 1e-5;

  /** Agreement of single log-mel values with the recorded ones. */
  private static final double VALUE_TOL = 1e-4;

  @Test
  @DisplayName("the shipped model loads as conv and synthesizes the recorded log-mel")
  void sameOutputAsBefore() {
    assumeTrue(ShippedModel.present(), "this build ships no model");
    GlowTts m = ShippedModel.load().orElseThrow();
    assertThat(m.config()).isEqualTo(GlowTtsConfig.tiny());
    assertThat(m.config().encoderKind()).isEqualTo(GlowTtsConfig.EncoderKind.CONV);
    int[] tokens = PhoneSet.withBlanks(PhoneSet.parse("pau hh iy s ae t d aw n pau"));
    assertThat(m.durations(tokens, 1.0))
        .containsExactly(2, 15, 6, 1, 4, 3, 3, 9, 3, 5, 3, 2, 5, 5, 5, 7, 5, 10, 2, 7, 10);
    Tensor y = m.synthesize(tokens, 0.0, 1.0, 0);
    assertThat(y.shape()).isEqualTo(Shape.of(80, 112));
    double sum = 0;
    double sumSq = 0;
    for (int i = 0; i < y.size(); i++) {
      sum += y.getFlat(i);
      sumSq += (double) y.getFlat(i) * y.getFlat(i);
    }
    assertThat(sum).isCloseTo(-65722.04722031951, within(SUM_TOL * 65722.05));
    assertThat(sumSq).isCloseTo(539204.7063456823, within(SUM_TOL * 539204.7));
    assertThat((double) y.getFlat(0)).isCloseTo(-9.546077, within(VALUE_TOL));
    assertThat((double) y.getFlat(100)).isCloseTo(-7.643391, within(VALUE_TOL));
    assertThat((double) y.getFlat(y.size() - 1)).isCloseTo(-10.498826, within(VALUE_TOL));
  }
}
