package io.flows4j.distributions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Losses;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DiagonalGaussianTest {
  private static final long SEED = 1234L;

  /** Relative accuracy of float32 log-densities against double. */
  private static final double LOG_PROB_TOL = 1e-6;

  private static DiagonalGaussian create(float[] mean, float[] logStd) {
    DiagonalGaussian g = new DiagonalGaussian(mean.length);
    for (int j = 0; j < mean.length; j++) {
      g.mean().value().setFlat(j, mean[j]);
      g.logStd().value().setFlat(j, logStd[j]);
    }
    return g;
  }

  private static double closedForm(Tensor z, int row, float[] mean, float[] logStd) {
    int d = mean.length;
    double s = 0;
    for (int j = 0; j < d; j++) {
      double std = Math.exp((double) logStd[j]);
      double u = (z.getFlat(row * d + j) - (double) mean[j]) / std;
      s += -0.5 * u * u - Math.log(std) - 0.5 * Math.log(2 * Math.PI);
    }
    return s;
  }

  @Test
  @DisplayName("logProb equals the closed form, computed in double (seed 1234)")
  void logProbMatchesClosedForm() {
    float[] mean = {0.5f, -2f, 10f};
    float[] logStd = {0f, -1.5f, 2f};
    DiagonalGaussian g = create(mean, logStd);
    Tensor z = new Rng(SEED).fillNormal(Tensor.zeros(20, 3), 0, 5);
    Tensor lp = Moments.logProb(g, z);
    for (int i = 0; i < 20; i++) {
      double e = closedForm(z, i, mean, logStd);
      assertThat((double) lp.getFlat(i))
          .isCloseTo(e, Offset.offset(LOG_PROB_TOL * Math.abs(e) + 1e-6));
    }
  }

  @Test
  @DisplayName("the density integrates to 1 over a grid, in 1-D and 2-D")
  void integratesToOne() {
    DiagonalGaussian one = create(new float[] {0.7f}, new float[] {(float) Math.log(0.5)});
    int n = 4001;
    double lo = 0.7 - 6;
    double h = 12.0 / (n - 1);
    Tensor grid = Tensor.zeros(n, 1);
    for (int i = 0; i < n; i++) {
      grid.setFlat(i, (float) (lo + i * h));
    }
    Tensor lp = Moments.logProb(one, grid);
    double total = 0;
    for (int i = 0; i < n; i++) {
      total += Math.exp(lp.getFlat(i)) * h;
    }
    assertThat(total).isCloseTo(1.0, Offset.offset(1e-4));

    DiagonalGaussian two = create(new float[] {-1f, 2f}, new float[] {0.3f, -0.4f});
    int m = 301;
    double h2 = 16.0 / (m - 1);
    Tensor g2 = Tensor.zeros(m * m, 2);
    for (int i = 0; i < m; i++) {
      for (int k = 0; k < m; k++) {
        g2.setFlat(2 * (i * m + k), (float) (-9 + i * h2));
        g2.setFlat(2 * (i * m + k) + 1, (float) (-6 + k * h2));
      }
    }
    Tensor lp2 = Moments.logProb(two, g2);
    double total2 = 0;
    for (int i = 0; i < m * m; i++) {
      total2 += Math.exp(lp2.getFlat(i)) * h2 * h2;
    }
    assertThat(total2).isCloseTo(1.0, Offset.offset(1e-3));
  }

  @Test
  @DisplayName(
      "samples have the distribution's mean and variance; temperature scales the spread (seed 1234)")
  void sampleMoments() {
    float[] mean = {1f, -3f};
    float[] logStd = {0f, 0.7f};
    DiagonalGaussian g = create(mean, logStd);
    int n = 20000;
    Tensor x = g.sample(n, 1.0, new Rng(SEED));
    assertThat(x.shape()).isEqualTo(Shape.of(n, 2));
    for (int j = 0; j < 2; j++) {
      double var = Math.exp(2.0 * logStd[j]);
      Moments.assertMoments(x, j, mean[j], var, "temperature 1");
    }
    Tensor cold = g.sample(n, 0.5, new Rng(SEED + 1));
    for (int j = 0; j < 2; j++) {
      double var = 0.25 * Math.exp(2.0 * logStd[j]);
      Moments.assertMoments(cold, j, mean[j], var, "temperature 0.5");
    }
  }

  @Test
  @DisplayName("sampleWithLogProb gives logProb of its own samples")
  void sampleWithLogProbIsConsistent() {
    DiagonalGaussian g = create(new float[] {1f, -3f, 0f}, new float[] {0.2f, -1f, 1f});
    Moments.assertSampleWithLogProbConsistent(g, SEED, 1e-6);
  }

  @Test
  @DisplayName(
      "logProb's gradients with respect to mean and log-std match finite differences and the closed form")
  void logProbGradients() {
    Tensor z = GradCheck.uniform(SEED, -2, 2, 6, 3);
    Tensor mean = GradCheck.uniform(SEED + 1, -1, 1, 3);
    Tensor logStd = GradCheck.uniform(SEED + 2, -0.5, 0.5, 3);
    GradCheck.check(v -> Losses.normalLogProb(v[0], v[1], v[2]), SEED, z, mean, logStd);
    // Through the module: the parameters receive sum_b (z - m) / s^2 and sum_b (u^2 - 1).
    DiagonalGaussian g = create(mean.toArray(), logStd.toArray());
    g.zeroGrad();
    try (Tape t = Tape.record()) {
      t.backward(Reductions.sum(g.logProb(t.input(z))));
    }
    for (int j = 0; j < 3; j++) {
      double dm = 0;
      double ds = 0;
      double s = Math.exp(logStd.getFlat(j));
      for (int b = 0; b < 6; b++) {
        double u = (z.getFlat(b * 3 + j) - mean.getFlat(j)) / s;
        dm += u / s;
        ds += u * u - 1;
      }
      assertThat((double) g.mean().grad().getFlat(j)).isCloseTo(dm, Offset.offset(1e-5));
      assertThat((double) g.logStd().grad().getFlat(j)).isCloseTo(ds, Offset.offset(1e-5));
    }
  }

  @Test
  @DisplayName(
      "sampleWithLogProb is reparameterised: its gradients match finite differences and logProb(sample) on the tape")
  void reparameterisedGradients() {
    Tensor eps = GradCheck.uniform(SEED, -2, 2, 5, 3);
    Tensor mean = GradCheck.uniform(SEED + 1, -1, 1, 3);
    Tensor logStd = GradCheck.uniform(SEED + 2, -0.5, 0.5, 3);
    Tensor w = GradCheck.randomLike(eps, SEED + 3);
    GradCheck.check(
        v -> {
          Distribution.Sampled s = DiagonalGaussian.reparameterized(eps, v[0], v[1]);
          return ArithmeticOps.add(
              Reductions.sumRows(ArithmeticOps.mul(s.value(), Var.constant(w))), s.logProb());
        },
        SEED,
        mean,
        logStd);
    // The fused log-density equals composing the sample with logProb on the tape, gradients too.
    float[][] fused = new float[2][];
    float[][] composed = new float[2][];
    try (Tape t = Tape.record()) {
      Var m = t.tracked(mean);
      Var s = t.tracked(logStd);
      Distribution.Sampled a = DiagonalGaussian.reparameterized(eps, m, s);
      t.backward(Reductions.sum(a.logProb()));
      fused[0] = m.gradOrNull() == null ? new float[3] : m.grad().toArray();
      fused[1] = s.grad().toArray();
    }
    try (Tape t = Tape.record()) {
      Var m = t.tracked(mean);
      Var s = t.tracked(logStd);
      Var z = DiagonalGaussian.reparameterized(eps, m, s).value();
      t.backward(Reductions.sum(Losses.normalLogProb(z, m, s)));
      composed[0] = m.grad().toArray();
      composed[1] = s.grad().toArray();
    }
    for (int k = 0; k < 2; k++) {
      for (int j = 0; j < 3; j++) {
        assertThat((double) fused[k][j]).isCloseTo(composed[k][j], Offset.offset(1e-4));
      }
    }
  }

  @Test
  @DisplayName(
      "spec and state rebuild a distribution with identical log-densities, any event shape")
  void rebuildsFromSpec() {
    DiagonalGaussian g = create(new float[] {1f, 2f}, new float[] {-0.3f, 0.4f});
    Moments.assertRebuildsExactly(g, new Rng(SEED).fillNormal(Tensor.zeros(7, 2), 0, 2));
    DiagonalGaussian image = new DiagonalGaussian(2, 3, 3);
    image.mean().value().fill(0.25f);
    Moments.assertRebuildsExactly(image, new Rng(SEED).fillNormal(Tensor.zeros(4, 2, 3, 3), 0, 1));
    assertThat(image.sample(5, 1, new Rng(SEED)).shape()).isEqualTo(Shape.of(5, 2, 3, 3));
  }

  @Test
  @DisplayName("bad arguments are refused with clear messages")
  void badArguments() {
    DiagonalGaussian g = new DiagonalGaussian(3);
    Rng rng = new Rng(SEED);
    assertThatThrownBy(() -> g.sample(-1, 1, rng))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("DiagonalGaussian.sample: n must be >= 0, but was -1");
    assertThatThrownBy(() -> g.sample(3, 0, rng))
        .hasMessage("DiagonalGaussian.sample: temperature must be > 0, but was 0.0");
    assertThatThrownBy(() -> g.sample(3, Double.NaN, rng)).hasMessageContaining("but was NaN");
    assertThatThrownBy(() -> g.sampleWithLogProb(-2, rng)).hasMessageContaining("n must be >= 0");
    assertThatThrownBy(() -> Moments.logProb(g, Tensor.zeros(4, 2)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("DiagonalGaussian.logProb: input must have shape [batch, 3], but was [4, 2]");
    assertThatThrownBy(() -> new DiagonalGaussian(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("DiagonalGaussian: event must not be empty, but was [0]");
    assertThat(g.sample(0, 1, rng).shape()).isEqualTo(Shape.of(0, 3));
  }
}
