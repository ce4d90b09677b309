package io.flows4j.distributions;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Tensor;
import org.assertj.core.data.Offset;

/**
 * Shared checks of the distribution tests: sample moments, log-densities, rebuilding from specs.
 */
final class Moments {
  /**
   * How many standard errors a sample moment may be from its true value: a seeded draw lies within
   * 4 standard errors with probability about 0.99994 per moment.
   */
  static final double STANDARD_ERRORS = 4;

  private Moments() {}

  /** Mean of column {@code j} of {@code [n, d]} samples, in double. */
  static double mean(Tensor x, int j) {
    int n = x.dim(0);
    int d = x.shape().rowSize();
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += x.getFlat(i * d + j);
    }
    return s / n;
  }

  /** The {@code k}-th central moment of column {@code j}, in double. */
  static double centralMoment(Tensor x, int j, int k) {
    int n = x.dim(0);
    int d = x.shape().rowSize();
    double m = mean(x, j);
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += Math.pow(x.getFlat(i * d + j) - m, k);
    }
    return s / n;
  }

  /**
   * Asserts that column {@code j}'s sample mean and variance lie within {@link #STANDARD_ERRORS}
   * standard errors of {@code mean} and {@code variance}; the variance's standard error is {@code
   * sqrt((mu4 - variance^2) / n)} with the sample's fourth central moment.
   */
  static void assertMoments(Tensor x, int j, double mean, double variance, String what) {
    int n = x.dim(0);
    double m = mean(x, j);
    double v = centralMoment(x, j, 2);
    double mu4 = centralMoment(x, j, 4);
    assertThat(m)
        .as("%s: mean of feature %d", what, j)
        .isCloseTo(mean, Offset.offset(STANDARD_ERRORS * Math.sqrt(variance / n)));
    assertThat(v)
        .as("%s: variance of feature %d", what, j)
        .isCloseTo(variance, Offset.offset(STANDARD_ERRORS * Math.sqrt((mu4 - v * v) / n)));
  }

  /** {@code logProb} of a tensor, without recording. */
  static Tensor logProb(Distribution d, Tensor z) {
    try (Tape t = Tape.noGrad()) {
      return d.logProb(t.input(z)).value();
    }
  }

  /**
   * Rebuilds {@code d} from its spec (written and parsed as text) and, for modules, its state, and
   * asserts the rebuilt distribution gives identical log-densities on {@code z}.
   */
  static void assertRebuildsExactly(Distribution d, Tensor z) {
    Json.Obj spec = (Json.Obj) Json.parse(d.spec().write());
    Distribution rebuilt = DistributionRegistry.build(spec);
    if (d instanceof Module m) {
      ((Module) rebuilt).loadStateDict(m.stateDict());
    }
    assertThat(rebuilt.eventShape()).isEqualTo(d.eventShape());
    assertThat(logProb(rebuilt, z).toArray()).containsExactly(logProb(d, z).toArray());
  }

  /** {@code sampleWithLogProb} must give {@code logProb} of its own samples. */
  static void assertSampleWithLogProbConsistent(Distribution d, long seed, double tol) {
    try (Tape t = Tape.noGrad()) {
      Distribution.Sampled s = d.sampleWithLogProb(50, new io.flows4j.tensor.Rng(seed));
      Var again = d.logProb(t.input(s.value().value()));
      for (int i = 0; i < 50; i++) {
        double expected = again.value().getFlat(i);
        assertThat((double) s.logProb().value().getFlat(i))
            .as("log-density of sample %d", i)
            .isCloseTo(expected, Offset.offset(tol * Math.max(1, Math.abs(expected))));
      }
    }
  }
}
