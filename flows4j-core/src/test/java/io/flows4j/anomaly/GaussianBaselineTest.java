package io.flows4j.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.data.Dataset;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GaussianBaselineTest {
  /** Agreement of a single row's NLL with the closed form, in double. */
  private static final double EXACT = 1e-9;

  @Test
  void oneRowMatchesTheBivariateFormula() {
    // Six rows around the mean (1, 2): deviations (-1,-2), (1,2) twice, then (-1,-4), (1,4).
    float[][] rows = {{0, 0}, {2, 4}, {0, 0}, {2, 4}, {0, -2}, {2, 6}};
    GaussianBaseline g = GaussianBaseline.fit(Dataset.of(rows));
    double vx = 1;
    double vy = (4 + 4 + 4 + 4 + 16 + 16) / 6.0;
    double cxy = (2 + 2 + 2 + 2 + 4 + 4) / 6.0;
    double det = vx * vy - cxy * cxy;
    float[] x = {2.5f, -1f};
    double dx = x[0] - 1;
    double dy = x[1] - 2;
    double q = (vy * dx * dx - 2 * cxy * dx * dy + vx * dy * dy) / det;
    double expected = Math.log(2 * Math.PI) + 0.5 * Math.log(det) + 0.5 * q;
    assertThat(g.nll(x)).isCloseTo(expected, within(EXACT));
  }

  @Test
  void testNllOfGaussianDataIsItsEntropySeed11() {
    int n = 20_000;
    SplittableRandom r = new SplittableRandom(11);
    float[][] train = new float[n][];
    float[][] test = new float[n][];
    for (int i = 0; i < n; i++) {
      train[i] = correlated(r);
      test[i] = correlated(r);
    }
    // x0 = 2 u, x1 = u + v (u, v standard normal): cov [[4, 2], [2, 2]], det 4.
    double entropy = 1 + Math.log(2 * Math.PI) + 0.5 * Math.log(4);
    double nll = GaussianBaseline.fit(Dataset.of(train)).meanNll(Dataset.of(test));
    // The per-row NLL has sd 1 (half a chi-square with 2 degrees of freedom); 5 standard errors.
    assertThat(nll).isCloseTo(entropy, within(5 / Math.sqrt(n)));
  }

  @Test
  void aConstantColumnIsNamed() {
    Dataset d = Dataset.of(new float[][] {{1, 3}, {2, 3}, {4, 3}});
    assertThatThrownBy(() -> GaussianBaseline.fit(d)).hasMessageContaining("column x1 is constant");
  }

  private static float[] correlated(SplittableRandom r) {
    double u = r.nextGaussian();
    double v = r.nextGaussian();
    return new float[] {(float) (2 * u), (float) (u + v)};
  }
}
