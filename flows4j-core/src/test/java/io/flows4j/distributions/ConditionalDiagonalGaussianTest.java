package io.flows4j.distributions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.Linear;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The conditional diagonal Gaussian against the closed-form density of {@code N(mu(c), sigma(c)^2)}
 * computed in double from weights set by hand.
 */
class ConditionalDiagonalGaussianTest {
  private static final long SEED = 20261123L;
  private static final int D = 3;
  private static final int C = 2;
  private static final int ROWS = 7;

  /** Float32 log-density against the double reference, per row of 3 features. */
  private static final double LOG_PROB_TOL = 1e-4;

  /** Sample mean and standard deviation from 40,000 draws: 5 standard errors and more. */
  private static final int DRAWS = 40_000;

  private static final double MOMENT_TOL = 0.03;

  /** mean_j = A[j] . c + b[j], raw log-scale a_j = G[j] . c + h[j] (a linear network). */
  private static final double[][] A = {{0.5, -1.0}, {2.0, 0.0}, {0.0, 0.3}};

  private static final double[] B = {0.1, -0.2, 0.3};
  private static final double[][] G = {{0.2, 0.1}, {-0.4, 0.3}, {0.0, -0.5}};
  private static final double[] H = {0.0, 0.5, -0.3};

  /** A distribution whose network is the linear map above. */
  private static ConditionalDiagonalGaussian linear() {
    ConditionalDiagonalGaussian g = new ConditionalDiagonalGaussian(D, C, new int[0], SEED);
    Linear l = g.net().layers().get(0);
    Tensor w = l.weight().value();
    Tensor b = l.bias().value();
    for (int j = 0; j < D; j++) {
      for (int k = 0; k < C; k++) {
        w.set((float) A[j][k], j, k);
        w.set((float) G[j][k], D + j, k);
      }
      b.setFlat(j, (float) B[j]);
      b.setFlat(D + j, (float) H[j]);
    }
    return g;
  }

  private static double referenceLogProb(Tensor z, int zr, Tensor c, int cr) {
    double bound = ConditionalDiagonalGaussian.DEFAULT_LOG_SCALE_BOUND;
    double lp = 0;
    for (int j = 0; j < D; j++) {
      double mu = B[j];
      double a = H[j];
      for (int k = 0; k < C; k++) {
        mu += A[j][k] * c.get(cr, k);
        a += G[j][k] * c.get(cr, k);
      }
      double s = a / (1 + Math.abs(a) / bound);
      double u = (z.get(zr, j) - mu) / Math.exp(s);
      lp += -0.5 * u * u - s - 0.5 * Math.log(2 * Math.PI);
    }
    return lp;
  }

  private static Tensor normal(long seed, int rows, int cols) {
    return new Rng(seed).fillNormal(Tensor.zeros(rows, cols), 0, 1);
  }

  @Test
  @DisplayName("logProb equals the closed form, per-row and broadcast context (seed 20261123)")
  void logProbMatchesClosedForm() {
    ConditionalDiagonalGaussian g = linear();
    Tensor z = normal(SEED, ROWS, D);
    Tensor c = normal(SEED + 1, ROWS, C);
    Tensor one = normal(SEED + 2, 1, C);
    try (Tape t = Tape.noGrad()) {
      Tensor lp = g.logProb(t.input(z), t.input(c)).value();
      Tensor lpOne = g.logProb(t.input(z), t.input(one)).value();
      for (int r = 0; r < ROWS; r++) {
        assertThat((double) lp.getFlat(r))
            .as("row %d", r)
            .isCloseTo(referenceLogProb(z, r, c, r), within(LOG_PROB_TOL));
        assertThat((double) lpOne.getFlat(r))
            .as("row %d, one context", r)
            .isCloseTo(referenceLogProb(z, r, one, 0), within(LOG_PROB_TOL));
      }
    }
  }

  @Test
  @DisplayName("a new distribution is N(0, I) at every context (seed 20261123)")
  void startsAtStandardNormal() {
    ConditionalDiagonalGaussian g = new ConditionalDiagonalGaussian(D, C, new int[] {8}, SEED);
    Tensor z = normal(SEED + 3, ROWS, D);
    try (Tape t = Tape.noGrad()) {
      Tensor lp = g.logProb(t.input(z), t.input(normal(SEED + 4, ROWS, C))).value();
      for (int r = 0; r < ROWS; r++) {
        double ref = 0;
        for (int j = 0; j < D; j++) {
          ref += -0.5 * z.get(r, j) * z.get(r, j) - 0.5 * Math.log(2 * Math.PI);
        }
        assertThat((double) lp.getFlat(r)).isCloseTo(ref, within(LOG_PROB_TOL));
      }
    }
  }

  @Test
  @DisplayName("sampleWithLogProb's log-density equals logProb of the same points (seed 20261123)")
  void sampleWithLogProbAgreesWithLogProb() {
    ConditionalDiagonalGaussian g = linear();
    for (Tensor c : new Tensor[] {normal(SEED + 5, ROWS, C), normal(SEED + 6, 1, C)}) {
      try (Tape t = Tape.noGrad()) {
        Distribution.Sampled s = g.sampleWithLogProb(ROWS, t.input(c), new Rng(SEED + 7));
        Tensor lp = g.logProb(s.value(), t.input(c)).value();
        for (int r = 0; r < ROWS; r++) {
          assertThat((double) s.logProb().value().getFlat(r))
              .as("row %d", r)
              .isCloseTo(lp.getFlat(r), within(LOG_PROB_TOL));
        }
      }
    }
  }

  @Test
  @DisplayName("samples at one context have mean mu(c) and spread T sigma(c) (seed 20261123)")
  void sampleMoments() {
    ConditionalDiagonalGaussian g = linear();
    Tensor c = Tensor.zeros(1, C);
    c.set(0.7f, 0, 0);
    c.set(-1.2f, 0, 1);
    double bound = ConditionalDiagonalGaussian.DEFAULT_LOG_SCALE_BOUND;
    for (double temperature : new double[] {1.0, 0.5}) {
      Tensor z;
      try (Tape t = Tape.noGrad()) {
        z = g.sample(DRAWS, t.input(c), temperature, new Rng(SEED + 8)).value();
      }
      for (int j = 0; j < D; j++) {
        double mu = B[j] + A[j][0] * 0.7 + A[j][1] * -1.2;
        double a = H[j] + G[j][0] * 0.7 + G[j][1] * -1.2;
        double sigma = temperature * Math.exp(a / (1 + Math.abs(a) / bound));
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < DRAWS; i++) {
          sum += z.get(i, j);
        }
        double mean = sum / DRAWS;
        for (int i = 0; i < DRAWS; i++) {
          sq += (z.get(i, j) - mean) * (z.get(i, j) - mean);
        }
        double std = Math.sqrt(sq / (DRAWS - 1));
        assertThat(mean).as("mean %d at T=%s", j, temperature).isCloseTo(mu, within(MOMENT_TOL));
        assertThat(std / sigma).as("std %d at T=%s", j, temperature).isCloseTo(1, within(0.02));
      }
    }
  }

  @Test
  @DisplayName("the log-density's gradient reaches the context and the network (seed 20261123)")
  void gradientReachesContext() {
    ConditionalDiagonalGaussian g = linear();
    try (Tape t = Tape.record()) {
      Var c = t.tracked(normal(SEED + 9, ROWS, C));
      t.backward(Reductions.sum(g.logProb(t.input(normal(SEED + 10, ROWS, D)), c)));
      double norm = 0;
      for (int i = 0; i < c.grad().size(); i++) {
        norm += Math.abs(c.grad().getFlat(i));
      }
      assertThat(norm).isPositive();
      assertThat(g.parameters()).allSatisfy(p -> assertThat(p.grad()).isNotNull());
    }
  }

  @Test
  @DisplayName("spec and state rebuild the same density; bad contexts are refused")
  void specAndErrors() {
    ConditionalDiagonalGaussian g =
        new ConditionalDiagonalGaussian(D, C, new int[] {5}, Activation.TANH, 3.0, SEED);
    Json.Obj spec = (Json.Obj) Json.parse(g.spec().write());
    assertThat(DistributionRegistry.isConditional(spec)).isTrue();
    ConditionalDistribution rebuilt = DistributionRegistry.buildConditional(spec);
    ((ConditionalDiagonalGaussian) rebuilt).loadStateDict(g.stateDict());
    Tensor z = normal(SEED + 11, ROWS, D);
    Tensor c = normal(SEED + 12, ROWS, C);
    try (Tape t = Tape.noGrad()) {
      assertThat(rebuilt.logProb(t.input(z), t.input(c)).value().toArray())
          .containsExactly(g.logProb(t.input(z), t.input(c)).value().toArray());
      assertThatThrownBy(() -> g.logProb(t.input(z), t.input(normal(SEED, ROWS, C + 1))))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessageContaining("[7, 2] or [1, 2]");
      assertThatThrownBy(() -> g.logProb(t.input(z), null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("needs a context of 2 features");
    }
  }
}
