package io.flows4j.speech.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StftTest {
  private static final double DIRECT_TOLERANCE = 1e-9;
  private static final double ROUND_TRIP_TOLERANCE = 1e-12;
  private static final double FLOAT_TOLERANCE = 1e-5;
  private static final long SEED = 77;

  /**
   * Against the kit's formula evaluated directly in double: the padded signal built as numpy's
   * reflect pad does it (repeatedly, for signals shorter than the pad), then the naive DFT of each
   * windowed frame.
   */
  @ParameterizedTest(name = "L = {0}, seed 77")
  @ValueSource(ints = {1, 2, 300, 513, 1500})
  void magnitudeMatchesTheDirectFormula(int length) {
    double[] x = RealFftTest.random(length, SEED);
    float[] xf = new float[length];
    for (int i = 0; i < length; i++) {
      xf[i] = (float) x[i];
      x[i] = xf[i];
    }
    double[] padded = reflectPad(x, 512);
    int frames = 1 + length / 256;
    double[] re = new double[frames * Stft.BINS];
    double[] im = new double[frames * Stft.BINS];
    Stft.forward(x, re, im, RealFft.of(1024));
    for (int t = 0; t < frames; t++) {
      for (int k = 0; k < Stft.BINS; k += 37) {
        double wr = 0;
        double wi = 0;
        for (int n = 0; n < 1024; n++) {
          double w = 0.5 - 0.5 * Math.cos(2 * Math.PI * n / 1024);
          double angle = -2 * Math.PI * ((long) k * n % 1024) / 1024;
          wr += padded[256 * t + n] * w * Math.cos(angle);
          wi += padded[256 * t + n] * w * Math.sin(angle);
        }
        assertThat(re[t * Stft.BINS + k])
            .as("Re X[%d, %d]", k, t)
            .isCloseTo(wr, within(DIRECT_TOLERANCE));
        assertThat(im[t * Stft.BINS + k])
            .as("Im X[%d, %d]", k, t)
            .isCloseTo(wi, within(DIRECT_TOLERANCE));
      }
    }
    assertThat(Stft.magnitude(xf).shape().dims()).containsExactly(513, frames);
  }

  /** numpy's reflect pad: repeated single reflections of the current array, edge not repeated. */
  private static double[] reflectPad(double[] x, int pad) {
    double[] cur = x;
    int left = pad;
    int right = pad;
    while (left > 0 || right > 0) {
      int n = cur.length;
      int l = n == 1 ? left : Math.min(left, n - 1);
      int r = n == 1 ? right : Math.min(right, n - 1);
      double[] next = new double[n + l + r];
      for (int i = 0; i < l; i++) {
        next[l - 1 - i] = cur[n == 1 ? 0 : i + 1];
      }
      System.arraycopy(cur, 0, next, l, n);
      for (int i = 0; i < r; i++) {
        next[l + n + i] = cur[n == 1 ? 0 : n - 2 - i];
      }
      cur = next;
      left -= l;
      right -= r;
    }
    return cur;
  }

  @ParameterizedTest(name = "L = {0}, seed 77")
  @ValueSource(ints = {600, 1024, 5000, 22050})
  void inverseOfForwardIsTheIdentity(int length) {
    double[] x = RealFftTest.random(length, SEED);
    int frames = Stft.frames(length);
    double[] re = new double[frames * Stft.BINS];
    double[] im = new double[frames * Stft.BINS];
    RealFft fft = RealFft.of(1024);
    Stft.forward(x, re, im, fft);
    double[] back = Stft.inverse(re, im, frames, length, fft);
    for (int i = 0; i < length; i++) {
      assertThat(back[i]).as("sample %d", i).isCloseTo(x[i], within(ROUND_TRIP_TOLERANCE));
    }
  }

  @Test
  void publicInverseRebuildsFromMagnitudeAndPhase() {
    int length = 4000;
    double[] x = RealFftTest.random(length, SEED);
    float[] xf = new float[length];
    for (int i = 0; i < length; i++) {
      xf[i] = (float) x[i];
      x[i] = xf[i];
    }
    int frames = Stft.frames(length);
    double[] re = new double[frames * Stft.BINS];
    double[] im = new double[frames * Stft.BINS];
    Stft.forward(x, re, im, RealFft.of(1024));
    double[] angle = new double[re.length];
    for (int i = 0; i < re.length; i++) {
      angle[i] = Math.atan2(im[i], re[i]);
    }
    Tensor mag = Stft.magnitude(xf);
    Tensor phase = Stft.toFrequencyMajor(angle, frames);
    float[] back = Stft.inverse(mag, phase, length);
    for (int i = 0; i < length; i++) {
      assertThat(back[i]).isCloseTo(xf[i], within((float) FLOAT_TOLERANCE));
    }
  }

  @Test
  void inversePadsWithZerosBeyondTheFrames() {
    Tensor mag = Tensor.zeros(513, 3).fill(1f);
    float[] y = Stft.inverse(mag, Tensor.zeros(513, 3), 2000);
    assertThat(y).hasSize(2000);
    for (int i = 1024; i < 2000; i++) {
      assertThat(y[i]).isZero();
    }
  }

  @Test
  void refusesBadInput() {
    assertThatThrownBy(() -> Stft.magnitude(new float[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Stft.magnitude: signal must have at least 1 sample, but had 0");
    assertThatThrownBy(() -> Stft.inverse(Tensor.zeros(512, 3), Tensor.zeros(512, 3), 10))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "Stft.inverse: spectrum must have shape [513, T] with T >= 1, but was [512, 3]");
    assertThatThrownBy(() -> Stft.inverse(Tensor.zeros(513, 3), Tensor.zeros(513, 4), 10))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageContaining("[513, 4]");
  }

  @Test
  void framesFollowTheKitsCount() {
    assertThat(Stft.frames(29657)).isEqualTo(116);
    assertThat(Stft.frames(255)).isEqualTo(1);
    assertThat(Stft.frames(256)).isEqualTo(2);
  }
}
