package io.flows4j.distributions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Tape;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class GaussianMixtureTest {
  private static final long SEED = 8675309L;

  private static final double LOG_PROB_TOL = 1e-6;

  /** Three components in 2-D with distinct weights, means and spreads. */
  private static GaussianMixture threeComponents() {
    GaussianMixture g = new GaussianMixture(3, 2, SEED);
    float[] logits = {0f, 1f, -0.5f};
    float[] means = {-4f, 0f, 0f, 3f, 5f, -1f};
    float[] logStds = {0f, -0.5f, 0.3f, 0.1f, -1f, 0.5f};
    for (int k = 0; k < 3; k++) {
      g.logits().value().setFlat(k, logits[k]);
    }
    for (int i = 0; i < 6; i++) {
      g.means().value().setFlat(i, means[i]);
      g.logStds().value().setFlat(i, logStds[i]);
    }
    return g;
  }

  /** log p(z) of one row in double, via log-sum-exp over the components. */
  private static double reference(GaussianMixture g, Tensor z, int row) {
    int k0 = g.components();
    int d = 2;
    double[] a = new double[k0];
    double lse = Double.NEGATIVE_INFINITY;
    double maxLogit = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < k0; k++) {
      maxLogit = Math.max(maxLogit, g.logits().value().getFlat(k));
    }
    double norm = 0;
    for (int k = 0; k < k0; k++) {
      norm += Math.exp(g.logits().value().getFlat(k) - maxLogit);
    }
    for (int k = 0; k < k0; k++) {
      double s = g.logits().value().getFlat(k) - maxLogit - Math.log(norm);
      for (int j = 0; j < d; j++) {
        double ls = g.logStds().value().getFlat(k * d + j);
        double u =
            (z.getFlat(row * d + j) - (double) g.means().value().getFlat(k * d + j)) / Math.exp(ls);
        s += -0.5 * u * u - ls - 0.5 * Math.log(2 * Math.PI);
      }
      a[k] = s;
      lse = Math.max(lse, s);
    }
    double sum = 0;
    for (int k = 0; k < k0; k++) {
      sum += Math.exp(a[k] - lse);
    }
    return lse + Math.log(sum);
  }

  @Test
  @DisplayName(
      "logProb equals the log-sum-exp of the component densities, also far away (seed 8675309)")
  void logProbMatchesReference() {
    GaussianMixture g = threeComponents();
    Tensor z = new Rng(SEED).fillNormal(Tensor.zeros(30, 2), 0, 4);
    z.setFlat(0, 1000f);
    z.setFlat(1, -1000f);
    Tensor lp = Moments.logProb(g, z);
    for (int i = 0; i < 30; i++) {
      double e = reference(g, z, i);
      assertThat(Double.isFinite(lp.getFlat(i))).isTrue();
      assertThat((double) lp.getFlat(i))
          .as("row %d", i)
          .isCloseTo(e, Offset.offset(LOG_PROB_TOL * Math.abs(e) + 1e-5));
    }
  }

  @Test
  @DisplayName("the 2-D density integrates to 1 over a grid")
  void integratesToOne() {
    GaussianMixture g = threeComponents();
    int m = 321;
    double lo = -14;
    double h = 28.0 / (m - 1);
    Tensor grid = Tensor.zeros(m * m, 2);
    for (int i = 0; i < m; i++) {
      for (int k = 0; k < m; k++) {
        grid.setFlat(2 * (i * m + k), (float) (lo + i * h));
        grid.setFlat(2 * (i * m + k) + 1, (float) (lo + k * h));
      }
    }
    Tensor lp = Moments.logProb(g, grid);
    double total = 0;
    for (int i = 0; i < m * m; i++) {
      total += Math.exp(lp.getFlat(i)) * h * h;
    }
    assertThat(total).isCloseTo(1.0, Offset.offset(1e-3));
  }

  @Test
  @DisplayName(
      "samples pick components by weight and have the mixture's moments; temperature scales each component (seed 8675309)")
  void sampleMoments() {
    GaussianMixture g = threeComponents();
    int n = 40000;
    Tensor x = g.sample(n, 1.0, new Rng(SEED));
    double[] pi = new double[3];
    double norm = 0;
    for (int k = 0; k < 3; k++) {
      pi[k] = Math.exp(g.logits().value().getFlat(k));
      norm += pi[k];
    }
    for (int j = 0; j < 2; j++) {
      double mean = 0;
      double second = 0;
      for (int k = 0; k < 3; k++) {
        double mk = g.means().value().getFlat(k * 2 + j);
        double vk = Math.exp(2.0 * g.logStds().value().getFlat(k * 2 + j));
        mean += pi[k] / norm * mk;
        second += pi[k] / norm * (vk + mk * mk);
      }
      Moments.assertMoments(x, j, mean, second - mean * mean, "mixture");
    }
    // Single component: the temperature scales its spread.
    GaussianMixture one = new GaussianMixture(1, 1, SEED);
    one.means().value().setFlat(0, 2f);
    one.logStds().value().setFlat(0, (float) Math.log(3));
    Moments.assertMoments(one.sample(n, 0.5, new Rng(SEED + 1)), 0, 2, 2.25, "temperature 0.5");
  }

  @Test
  @DisplayName(
      "component frequencies match the weights for well-separated components (seed 8675309)")
  void componentFrequencies() {
    GaussianMixture g = new GaussianMixture(3, 1, SEED);
    float[] logits = {0f, (float) Math.log(3), (float) Math.log(6)};
    for (int k = 0; k < 3; k++) {
      g.logits().value().setFlat(k, logits[k]);
      g.means().value().setFlat(k, 100f * k);
      g.logStds().value().setFlat(k, -2f);
    }
    int n = 30000;
    Tensor x = g.sample(n, 1.0, new Rng(SEED));
    int[] count = new int[3];
    for (int i = 0; i < n; i++) {
      count[Math.round(x.getFlat(i) / 100f)]++;
    }
    double[] p = {0.1, 0.3, 0.6};
    for (int k = 0; k < 3; k++) {
      assertThat((double) count[k] / n)
          .as("frequency of component %d", k)
          .isCloseTo(
              p[k], Offset.offset(Moments.STANDARD_ERRORS * Math.sqrt(p[k] * (1 - p[k]) / n)));
    }
  }

  @Test
  @DisplayName("sampleWithLogProb gives logProb of its own samples")
  void sampleWithLogProbIsConsistent() {
    Moments.assertSampleWithLogProbConsistent(threeComponents(), SEED, 1e-6);
  }

  @Test
  @DisplayName(
      "the fused logProb's gradients (z, logits, means, log-stds) match finite differences (seed 8675309)")
  void logProbGradients() {
    Tensor z = GradCheck.uniform(SEED, -2, 2, 5, 2);
    Tensor logits = GradCheck.uniform(SEED + 1, -1, 1, 3);
    Tensor means = GradCheck.uniform(SEED + 2, -1.5, 1.5, 3, 2);
    Tensor logStds = GradCheck.uniform(SEED + 3, -0.3, 0.3, 3, 2);
    GradCheck.check(
        v -> GaussianMixture.logProb(v[0], v[1], v[2], v[3]), SEED, z, logits, means, logStds);
  }

  @Test
  @DisplayName(
      "the reparameterised draw's gradients match finite differences; the module's parameters get them")
  void reparameterisedGradients() {
    int[] comp = {0, 2, 2, 1};
    Tensor eps = GradCheck.uniform(SEED, -2, 2, 4, 2);
    Tensor means = GradCheck.uniform(SEED + 2, -1.5, 1.5, 3, 2);
    Tensor logStds = GradCheck.uniform(SEED + 3, -0.3, 0.3, 3, 2);
    GradCheck.check(
        v -> GaussianMixture.reparameterized(comp, eps, v[0], v[1]), SEED, means, logStds);
    GaussianMixture g = threeComponents();
    g.zeroGrad();
    try (Tape t = Tape.record()) {
      Distribution.Sampled s = g.sampleWithLogProb(64, new Rng(SEED));
      t.backward(io.flows4j.autodiff.Reductions.sum(s.logProb()));
    }
    for (var e : g.namedParameters().entrySet()) {
      boolean any = false;
      for (float v : e.getValue().grad().toArray()) {
        any |= v != 0f;
      }
      assertThat(any).as("gradient of %s", e.getKey()).isTrue();
    }
  }

  @Test
  @DisplayName("spec and state rebuild a mixture with identical log-densities")
  void rebuildsFromSpec() {
    Moments.assertRebuildsExactly(
        threeComponents(), new Rng(SEED).fillNormal(Tensor.zeros(9, 2), 0, 3));
  }

  @Test
  @DisplayName("bad arguments are refused with clear messages")
  void badArguments() {
    GaussianMixture g = threeComponents();
    Rng rng = new Rng(SEED);
    assertThatThrownBy(() -> g.sample(-1, 1, rng))
        .hasMessage("GaussianMixture.sample: n must be >= 0, but was -1");
    assertThatThrownBy(() -> g.sample(1, -1, rng))
        .hasMessage("GaussianMixture.sample: temperature must be > 0, but was -1.0");
    assertThatThrownBy(() -> Moments.logProb(g, Tensor.zeros(2, 3)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("GaussianMixture.logProb: input must have shape [batch, 2], but was [2, 3]");
    assertThatThrownBy(() -> new GaussianMixture(0, 2, 1))
        .hasMessage("GaussianMixture: components must be > 0, but was 0");
    assertThatThrownBy(() -> new GaussianMixture(2, 0, 1))
        .hasMessage("GaussianMixture: features must be > 0, but was 0");
    assertThat(g.sample(0, 1, rng).shape()).isEqualTo(Shape.of(0, 2));
  }
}
