package io.flows4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DequantizationTest {
  /** Exact arithmetic in double. */
  private static final double EXACT = 1e-12;

  @Test
  @DisplayName("a uniform density on [0, 1)^D scores exactly 8 bits per dimension")
  void uniformDensityIsEightBits() {
    // log p_X = 0 everywhere on the unit cube, so NLL_x = 0.
    assertThat(Dequantization.bitsPerDim(0.0, 784)).isCloseTo(8.0, within(EXACT));
    // In pixel units the same density is 256^-D: NLL_y = D ln 256.
    assertThat(Dequantization.bitsPerDimOfPixels(784 * Math.log(256), 784))
        .isCloseTo(8.0, within(EXACT));
  }

  @Test
  @DisplayName("a density constant on every cell gives exactly -log2 P(p) / D")
  void cellConstantDensityIsExact() {
    // D = 1, P(p) = a discrete distribution; p_X(x) = 256 P(p) on the cell of p.
    double[] probs = new double[256];
    double total = 0;
    for (int p = 0; p < 256; p++) {
      probs[p] = 1 + (p % 7);
      total += probs[p];
    }
    for (int p = 0; p < 256; p += 37) {
      double prob = probs[p] / total;
      double nllX = -Math.log(256 * prob);
      assertThat(Dequantization.bitsPerDim(nllX, 1))
          .as("pixel %d", p)
          .isCloseTo(-Math.log(prob) / Math.log(2), within(1e-9));
    }
  }

  @Test
  @DisplayName("bits per dimension bound the code length of the 8-bit data (Gaussian, quadrature)")
  void boundsTheDiscreteCodeLength() {
    // p_X = N(0.4, 0.05^2) in one dimension: the exact cell probability by Simpson's rule against
    // the dequantized estimate E_u[-log p_X((p + u) / 256)] / ln 2 + 8, also by quadrature.
    double mu = 0.4;
    double sigma = 0.05;
    int steps = 2000;
    for (int p : new int[] {60, 102, 103, 140}) {
      double mass = 0;
      double expectedNll = 0;
      for (int k = 0; k <= steps; k++) {
        double u = (double) k / steps;
        double w = (k == 0 || k == steps) ? 1 : (k % 2 == 1 ? 4 : 2);
        double x = (p + u) / 256;
        double logDensity =
            -0.5 * Math.pow((x - mu) / sigma, 2) - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
        mass += w * Math.exp(logDensity) / 256;
        expectedNll += w * -logDensity;
      }
      mass /= 3.0 * steps;
      expectedNll /= 3.0 * steps;
      double exactBits = -Math.log(mass) / Math.log(2);
      double bound = Dequantization.bitsPerDim(expectedNll, 1);
      assertThat(bound).as("pixel %d", p).isGreaterThanOrEqualTo(exactBits);
      // The gap is Jensen's, small for a density nearly constant on a cell.
      assertThat(bound - exactBits).as("pixel %d", p).isLessThan(0.05);
    }
  }

  @Test
  @DisplayName("uniform noise lands in [p, p + 1) of the data columns only (seed 3)")
  void uniformNoise() {
    Tensor rows = Tensor.zeros(50, 4);
    for (int i = 0; i < 50; i++) {
      rows.set(i, i, 0);
      rows.set(255, i, 1);
      rows.set(7, i, 2);
      rows.set(1, i, 3);
    }
    Dequantization.addUniform(rows, 3, new Rng(3));
    double sum = 0;
    for (int i = 0; i < 50; i++) {
      assertThat(rows.get(i, 0)).isGreaterThanOrEqualTo(i).isLessThan(i + 1);
      assertThat(rows.get(i, 1)).isGreaterThanOrEqualTo(255).isLessThan(256);
      assertThat(rows.get(i, 2)).isGreaterThanOrEqualTo(7).isLessThan(8);
      assertThat(rows.get(i, 3)).as("context column").isEqualTo(1f);
      sum += rows.get(i, 2) - 7;
    }
    // Mean of 50 uniforms: 0.5 with standard error 0.04.
    assertThat(sum / 50).isCloseTo(0.5, within(0.2));
  }

  @Test
  @DisplayName("fixed noise depends only on the image: same image, same noise")
  void fixedNoiseRepeats() {
    Tensor a = Tensor.of(new float[] {3, 4, 5, 3, 4, 5, 3, 4, 6}, 3, 3);
    Dequantization.addFixed(a, 3);
    assertThat(a.get(0, 0)).isEqualTo(a.get(1, 0));
    assertThat(a.get(0, 2)).isEqualTo(a.get(1, 2));
    assertThat(a.get(2, 0)).isNotEqualTo(a.get(0, 0));
    for (int i = 0; i < 9; i++) {
      float v = a.getFlat(i);
      assertThat(v - (float) Math.floor(v)).isGreaterThanOrEqualTo(0f).isLessThan(1f);
    }
    assertThatThrownBy(() -> Dequantization.addFixed(a, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("columns must be in [1, 3], but was 4");
  }
}
