package io.flows4j.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.ElementwiseAffine;
import io.flows4j.data.Dataset;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.flows.Presets;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A trained 2-D flow is a probability density: its integral over a grid covering the data is 1
 * within 1%. The density is integrated in the data's own units, through the standardization layer,
 * so the test also checks that the standardization's log-determinant is part of {@code logProb}.
 */
class DensityIntegrationTest {
  /** Allowed difference of the integral from 1. */
  private static final double MASS_TOL = 0.01;

  /** Grid points per axis. */
  private static final int GRID = 400;

  /** Margin around the data's bounding box, as a fraction of its extent on each side. */
  private static final double MARGIN = 0.25;

  /** Two interleaved half circles with noise, scaled and moved away from the origin. */
  static Dataset moons(int n, long seed) {
    Rng rng = new Rng(seed);
    float[][] rows = new float[n][2];
    for (int i = 0; i < n; i++) {
      double t = Math.PI * rng.nextUniform();
      boolean upper = i % 2 == 0;
      double x = upper ? Math.cos(t) : 1 - Math.cos(t);
      double y = upper ? Math.sin(t) : 0.5 - Math.sin(t);
      rows[i][0] = (float) (40 + 3 * (x + 0.1 * rng.nextGaussian()));
      rows[i][1] = (float) (-7 + 3 * (y + 0.1 * rng.nextGaussian()));
    }
    return Dataset.of(List.of("x", "y"), rows);
  }

  /**
   * The flows under test: a RealNVP-like chain of affine couplings, neural spline couplings, MAF,
   * and a chain of elementwise affine layers (a Gaussian, which checks the harness itself).
   */
  static Flow flow(String name) {
    if (name.equals("gaussian")) {
      return new Flow(
          Bijectors.chain(new ElementwiseAffine(2), new ElementwiseAffine(2)),
          new StandardNormal(2));
    }
    return Presets.flow(name, 2, 4, new int[] {32, 32}, 3);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"realnvp", "nsf", "maf", "gaussian"})
  @DisplayName(
      "a trained 2-D flow's density integrates to 1 over a grid covering the data (seed 3)")
  void integratesToOne(String name) {
    Dataset data = moons(4000, 3);
    FittedModel m =
        FittedModel.fit(
            flow(name), data, null, true, TrainingConfig.defaults().withSteps(1500), null);
    double nll = m.evaluate(data).meanNll();
    // The mean NLL of the best diagonal Gaussian (4.20 nats here): the Gaussian chain reaches it
    // (the default input noise of 4% of each spread adds about 0.002), the flows beat it by far.
    double gaussian = TestFlows.gaussianEntropy(TestFlows.std(data));
    if (name.equals("gaussian")) {
      assertThat(nll).isCloseTo(gaussian, within(0.01));
    } else {
      assertThat(nll).isLessThan(gaussian - 0.5);
    }
    double[] lo = new double[2];
    double[] hi = new double[2];
    for (int j = 0; j < 2; j++) {
      float[] c = data.column(j);
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (float v : c) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      lo[j] = min - MARGIN * (max - min);
      hi[j] = max + MARGIN * (max - min);
    }
    double hx = (hi[0] - lo[0]) / GRID;
    double hy = (hi[1] - lo[1]) / GRID;
    // Midpoint rule, one grid row of points per batch.
    Tensor row = Tensor.zeros(GRID, 2);
    double mass = 0;
    for (int iy = 0; iy < GRID; iy++) {
      for (int ix = 0; ix < GRID; ix++) {
        row.set((float) (lo[0] + (ix + 0.5) * hx), ix, 0);
        row.set((float) (lo[1] + (iy + 0.5) * hy), ix, 1);
      }
      Tensor lp = m.logProb(row);
      for (int ix = 0; ix < GRID; ix++) {
        mass += Math.exp(lp.getFlat(ix));
      }
    }
    mass *= hx * hy;
    assertThat(mass).isCloseTo(1.0, within(MASS_TOL));
  }
}
