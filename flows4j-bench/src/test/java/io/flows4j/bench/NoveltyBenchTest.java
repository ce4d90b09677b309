package io.flows4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.data.Dataset;
import io.flows4j.tensor.Rng;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class NoveltyBenchTest {
  /** Double arithmetic on a few hundred rows: agreement to rounding. */
  private static final double TOL = 1e-9;

  @Test
  @DisplayName("the Gaussian baseline equals the 2-D closed form with the sample moments (seed 4)")
  void gaussianMatchesClosedForm() {
    Rng rng = new Rng(4);
    int n = 400;
    float[][] rows = new float[n][2];
    for (float[] r : rows) {
      double e = rng.nextGaussian();
      r[0] = (float) (2 + 3 * e);
      r[1] = (float) (-1 + e + 0.5 * rng.nextGaussian());
    }
    Dataset d = Dataset.of(List.of("a", "b"), rows);
    double m0 = 0;
    double m1 = 0;
    for (float[] r : rows) {
      m0 += r[0];
      m1 += r[1];
    }
    m0 /= n;
    m1 /= n;
    double s00 = 0;
    double s01 = 0;
    double s11 = 0;
    for (float[] r : rows) {
      s00 += (r[0] - m0) * (r[0] - m0);
      s01 += (r[0] - m0) * (r[1] - m1);
      s11 += (r[1] - m1) * (r[1] - m1);
    }
    s00 /= n;
    s01 /= n;
    s11 /= n;
    double det = s00 * s11 - s01 * s01;
    NoveltyBench.Gaussian g = NoveltyBench.Gaussian.fit(d);
    float[][] probes = {{0, 0}, {2, -1}, {10, 5}, {-4, 1.5f}};
    for (float[] x : probes) {
      double a = x[0] - m0;
      double b = x[1] - m1;
      double q = (s11 * a * a - 2 * s01 * a * b + s00 * b * b) / det;
      double expected = -Math.log(2 * Math.PI) - 0.5 * Math.log(det) - 0.5 * q;
      assertThat(g.logProb(x)).isCloseTo(expected, within(TOL * (1 + Math.abs(expected))));
    }
  }

  @Test
  @DisplayName("indexes picks the rows of a class or of all other classes")
  void indexes() {
    int[] labels = {3, 1, 3, 0, 2, 3};
    assertThat(NoveltyBench.indexes(labels, 3, true)).containsExactly(0, 2, 5);
    assertThat(NoveltyBench.indexes(labels, 3, false)).containsExactly(1, 3, 4);
  }
}
