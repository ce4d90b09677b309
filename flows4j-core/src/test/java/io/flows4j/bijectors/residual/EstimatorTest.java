package io.flows4j.bijectors.residual;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The Russian-roulette estimator is unbiased: over many draws its mean equals the exact
 * log-determinant, and the mean of its surrogate gradient equals the exact gradient, each within
 * three standard errors computed from the draws.
 */
class EstimatorTest {
  /** Draws per check. */
  private static final int DRAWS = 4000;

  /** Allowed distance from the exact value, in standard errors of the mean. */
  private static final double STANDARD_ERRORS = 3.5;

  /** A network 3 -> 6 -> 3 with a large Jacobian (so that many terms matter). */
  private static Tensor[] inputs() {
    return new Tensor[] {
      GradCheck.uniform(51, -2, 2, 4, 3),
      GradCheck.uniform(52, -0.9, 0.9, 6, 3),
      GradCheck.uniform(53, -0.5, 0.5, 6),
      Tensor.of(new float[] {0.3f}, 1),
      GradCheck.uniform(54, -0.9, 0.9, 3, 6),
      GradCheck.uniform(55, -0.5, 0.5, 3),
      Tensor.of(new float[] {0.1f}, 1)
    };
  }

  @Test
  @DisplayName("mean of the estimate equals the exact log-det within 3.5 standard errors (seed 56)")
  void unbiasedValue() {
    Tensor[] in = inputs();
    Estimator est = new Estimator(0.5, 2);
    Rng rng = new Rng(56);
    try (Tape t = Tape.noGrad()) {
      Var[] v = vars(t, in);
      Net net = ResidualBlockGradientTest.net(v);
      Net.Pass pass = net.forward(v[0]);
      Tensor exact = InvertibleResidualBlock.exactLogDet(net, pass).value();
      double largest = 0;
      for (int r = 0; r < 4; r++) {
        largest = Math.max(largest, Math.abs(exact.getFlat(r)));
      }
      // Some exact values are far from 0 against the standard errors, so a bias would show.
      assertThat(largest).isGreaterThan(0.2);
      double[] sum = new double[4];
      double[] sumSq = new double[4];
      for (int k = 0; k < DRAWS; k++) {
        Tensor e = est.logDet(net, pass, rng).value();
        for (int r = 0; r < 4; r++) {
          sum[r] += e.getFlat(r);
          sumSq[r] += (double) e.getFlat(r) * e.getFlat(r);
        }
      }
      for (int r = 0; r < 4; r++) {
        double mean = sum[r] / DRAWS;
        double se = Math.sqrt((sumSq[r] / DRAWS - mean * mean) / (DRAWS - 1));
        assertThat(se).as("row %d standard error", r).isLessThan(0.05);
        assertThat(Math.abs(mean - exact.getFlat(r)))
            .as("row %d: mean %s vs exact %s (se %s)", r, mean, exact.getFlat(r), se)
            .isLessThanOrEqualTo(STANDARD_ERRORS * se);
      }
    }
  }

  @Test
  @DisplayName("mean of the surrogate gradient equals the exact gradient (seed 57)")
  void unbiasedGradient() {
    Tensor[] in = inputs();
    float[][] exact = gradients(in, null);
    int n = exact.length;
    double[][] sum = new double[n][];
    double[][] sumSq = new double[n][];
    for (int i = 0; i < n; i++) {
      sum[i] = new double[exact[i].length];
      sumSq[i] = new double[exact[i].length];
    }
    Rng rng = new Rng(57);
    int draws = DRAWS / 2;
    for (int k = 0; k < draws; k++) {
      float[][] g = gradients(in, rng);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < g[i].length; j++) {
          sum[i][j] += g[i][j];
          sumSq[i][j] += (double) g[i][j] * g[i][j];
        }
      }
    }
    int large = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < exact[i].length; j++) {
        double mean = sum[i][j] / draws;
        double se = Math.sqrt(Math.max(0, sumSq[i][j] / draws - mean * mean) / (draws - 1));
        assertThat(Math.abs(mean - exact[i][j]))
            .as("input %d element %d: mean %s vs exact %s (se %s)", i, j, mean, exact[i][j], se)
            .isLessThanOrEqualTo(STANDARD_ERRORS * se + 1e-6);
        if (Math.abs(exact[i][j]) > 10 * se) {
          large++;
        }
      }
    }
    // Most elements are resolved: the check is not passing through huge standard errors.
    assertThat(large).isGreaterThan(20);
  }

  /** Gradients of sum(log det) in every input: exact when {@code rng} is null, else estimated. */
  private static float[][] gradients(Tensor[] in, Rng rng) {
    try (Tape t = Tape.record()) {
      Var[] v = new Var[in.length];
      for (int i = 0; i < in.length; i++) {
        v[i] = t.tracked(in[i]);
      }
      Net net = ResidualBlockGradientTest.net(v);
      Net.Pass pass = net.forward(v[0]);
      Var ld =
          rng == null
              ? InvertibleResidualBlock.exactLogDet(net, pass)
              : new Estimator(0.5, 2).logDet(net, pass, rng);
      t.backward(Reductions.sum(ld));
      float[][] g = new float[in.length][];
      for (int i = 0; i < in.length; i++) {
        g[i] = v[i].grad().toArray();
      }
      return g;
    }
  }

  private static Var[] vars(Tape t, Tensor[] in) {
    Var[] v = new Var[in.length];
    for (int i = 0; i < in.length; i++) {
      v[i] = t.input(in[i]);
    }
    return v;
  }
}
