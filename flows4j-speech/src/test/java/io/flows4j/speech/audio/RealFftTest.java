package io.flows4j.speech.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RealFftTest {
  /** Relative to the signal's L1 norm, which bounds every |X[k]|. */
  private static final double DFT_TOLERANCE = 1e-12;

  private static final long SEED = 20250;

  @ParameterizedTest(name = "n = {0}, seed 20250")
  @ValueSource(ints = {8, 16, 64, 256, 1024})
  void forwardMatchesANaiveDft(int n) {
    double[] x = random(n, SEED + n);
    double[] re = new double[n / 2 + 1];
    double[] im = new double[n / 2 + 1];
    RealFft.of(n).forward(x, 0, re, im, 0);
    double scale = 0;
    for (double v : x) {
      scale += Math.abs(v);
    }
    for (int k = 0; k <= n / 2; k++) {
      double wantRe = 0;
      double wantIm = 0;
      for (int j = 0; j < n; j++) {
        double angle = -2 * Math.PI * ((long) j * k % n) / n;
        wantRe += x[j] * Math.cos(angle);
        wantIm += x[j] * Math.sin(angle);
      }
      assertThat(re[k]).as("Re X[%d]", k).isCloseTo(wantRe, within(DFT_TOLERANCE * scale));
      assertThat(im[k]).as("Im X[%d]", k).isCloseTo(wantIm, within(DFT_TOLERANCE * scale));
    }
  }

  @ParameterizedTest(name = "n = {0}, seed 20250")
  @ValueSource(ints = {8, 32, 1024})
  void inverseUndoesForward(int n) {
    double[] x = random(n, SEED);
    double[] re = new double[n / 2 + 1];
    double[] im = new double[n / 2 + 1];
    RealFft fft = RealFft.of(n);
    fft.forward(x, 0, re, im, 0);
    double[] back = new double[n];
    fft.inverse(re, im, 0, back, 0);
    for (int j = 0; j < n; j++) {
      assertThat(back[j]).isCloseTo(x[j], within(DFT_TOLERANCE * n));
    }
  }

  /** The inverse against the naive sum, with the imaginary parts of DC and Nyquist ignored. */
  @Test
  void inverseMatchesANaiveInverseDftAndIgnoresImaginaryDcAndNyquist() {
    int n = 64;
    Random r = new Random(SEED);
    double[] re = new double[n / 2 + 1];
    double[] im = new double[n / 2 + 1];
    for (int k = 0; k <= n / 2; k++) {
      re[k] = r.nextGaussian();
      im[k] = r.nextGaussian();
    }
    double[] x = new double[n];
    RealFft.of(n).inverse(re, im, 0, x, 0);
    for (int j = 0; j < n; j++) {
      double want = re[0] + re[n / 2] * (j % 2 == 0 ? 1 : -1);
      for (int k = 1; k < n / 2; k++) {
        double angle = 2 * Math.PI * j * k / n;
        want += 2 * (re[k] * Math.cos(angle) - im[k] * Math.sin(angle));
      }
      assertThat(x[j]).isCloseTo(want / n, within(1e-13 * n));
    }
  }

  @Test
  void refusesSizesThatAreNotPowersOfTwo() {
    assertThatThrownBy(() -> RealFft.of(1000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("RealFft.of: n must be a power of two >= 8, but was 1000");
    assertThatThrownBy(() -> RealFft.of(4)).isInstanceOf(IllegalArgumentException.class);
  }

  static double[] random(int n, long seed) {
    Random r = new Random(seed);
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextGaussian();
    }
    return x;
  }
}
