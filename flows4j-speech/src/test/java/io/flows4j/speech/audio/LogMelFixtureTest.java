package io.flows4j.speech.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.speech.Fixtures;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The analysis against the speech kit's fixtures (numpy, float64, stored as float32), with the
 * tolerances fixtures/README.md gives for a float64 implementation. Skipped when the kit is not
 * beside the repository.
 */
class LogMelFixtureTest {
  private static final double FILTERBANK_TOLERANCE = 1e-7;
  private static final double STFT_RELATIVE_TOLERANCE = 1e-5;
  private static final double STFT_ABSOLUTE_TOLERANCE = 1e-5;
  private static final double LOG_MEL_TOLERANCE = 1e-5;
  private static final double NNLS_TOLERANCE = 1e-5;

  @Test
  void filterbankMatchesTheKit() {
    float[][] expected = Fixtures.npy("mel_filterbank.npy");
    Tensor m = LogMel.filterbank();
    assertThat(m.shape().dims()).containsExactly(80, 513);
    assertThat(expected.length).isEqualTo(80);
    for (int i = 0; i < 80; i++) {
      for (int k = 0; k < 513; k++) {
        assertThat(MelFilterbank.get().weight(i, k))
            .as("M[%d][%d]", i, k)
            .isCloseTo(expected[i][k], within(FILTERBANK_TOLERANCE));
      }
    }
  }

  @Test
  void stftMagnitudeMatchesTheKit() {
    float[][] expected = Fixtures.npy("kjv00106.stft_mag.npy");
    Wav wav = Audio.readWav(Fixtures.file("kjv00106.wav"));
    Tensor mag = Stft.magnitude(wav.samples());
    assertThat(mag.shape().dims()).containsExactly(expected.length, expected[0].length);
    for (int k = 0; k < expected.length; k++) {
      for (int t = 0; t < expected[0].length; t++) {
        double want = expected[k][t];
        assertThat((double) mag.get(k, t))
            .as("|X[%d, %d]|", k, t)
            .isCloseTo(
                want, within(STFT_ABSOLUTE_TOLERANCE + STFT_RELATIVE_TOLERANCE * Math.abs(want)));
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"kjv00106", "kjv00164", "kjv00158"})
  void logMelMatchesTheKit(String id) {
    float[][] expected = Fixtures.npy(id + ".logmel.npy");
    Tensor logMel = LogMel.compute(Audio.readWav(Fixtures.file(id + ".wav")));
    assertClose(logMel, expected, LOG_MEL_TOLERANCE, "logmel");
  }

  @Test
  void nnlsMagnitudeMatchesTheKit() {
    float[][] logMel = Fixtures.npy("kjv00106.logmel.npy");
    float[][] expected = Fixtures.npy("kjv00106.nnls_mag.npy");
    Tensor s = MelInversion.toLinear(Tensor.of(logMel));
    assertClose(s, expected, NNLS_TOLERANCE, "S");
    for (int t = 0; t < expected[0].length; t++) {
      assertThat(s.get(0, t)).as("bin 0 is covered by no band").isZero();
      assertThat(s.get(400, t)).as("bin 400 is above 8 kHz").isZero();
    }
  }

  static void assertClose(Tensor actual, float[][] expected, double tolerance, String name) {
    assertThat(actual.shape().dims()).containsExactly(expected.length, expected[0].length);
    for (int i = 0; i < expected.length; i++) {
      for (int j = 0; j < expected[0].length; j++) {
        assertThat((double) actual.get(i, j))
            .as("%s[%d, %d]", name, i, j)
            .isCloseTo(expected[i][j], within(tolerance));
      }
    }
  }
}
