package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class DensityGridTest {
  /** Midpoint rule on a 200 x 200 grid over [-7, 7]^2 for a smooth density; float32 log p. */
  private static final double MASS_TOLERANCE = 1e-4;

  /** A Gaussian with mean (1, -0.5) and sds (1, 0.5), computed in float as a model would. */
  private static Tensor logProb(Tensor x) {
    int n = x.shape().dim(0);
    Tensor lp = Tensor.zeros(n);
    for (int i = 0; i < n; i++) {
      double a = x.getFlat(2 * i) - 1;
      double b = (x.getFlat(2 * i + 1) + 0.5) / 0.5;
      lp.setFlat(i, (float) (-0.5 * (a * a + b * b) - Math.log(2 * Math.PI * 0.5)));
    }
    return lp;
  }

  @Test
  void aNormalisedDensityHasMassOneOnAGridThatCoversIt() {
    Plots.Grid g = DensityGrid.evaluate(DensityGridTest::logProb, new double[] {-7, 7, -7, 7}, 200);
    assertThat(DensityGrid.mass(g)).isCloseTo(1, within(MASS_TOLERANCE));
  }

  @Test
  void cellsAreRowsOfXFromTheBottom() {
    Plots.Grid g = DensityGrid.evaluate(DensityGridTest::logProb, new double[] {-2, 4, -3, 3}, 7);
    for (int j = 0; j < 7; j++) {
      for (int i = 0; i < 7; i++) {
        double a = g.x(i) - 1;
        double b = (g.y(j) + 0.5) / 0.5;
        double p = Math.exp(-0.5 * (a * a + b * b)) / (2 * Math.PI * 0.5);
        assertThat(g.density()[j * 7 + i]).isCloseTo(p, within(1e-6 * Math.max(p, 1e-3)));
      }
    }
  }
}
