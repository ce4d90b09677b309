package io.flows4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class StandardizerTest {
  /** Double-precision statistics of float data agree to double rounding. */
  private static final double STAT_TOL = 1e-9;

  /** Room for the double-precision steps next to the float32 roundings in the error bound. */
  private static final double ROUNDING_SLACK = 1.01;

  private static Dataset gaussianColumns(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[n * 3];
    for (int i = 0; i < n; i++) {
      v[3 * i] = (float) (5 + 2 * r.nextGaussian());
      v[3 * i + 1] = (float) (-1e3 + 1e-2 * r.nextGaussian());
      v[3 * i + 2] = (float) (r.nextDouble() * 1e4);
    }
    return Dataset.of(List.of("a", "b", "c"), v);
  }

  @Test
  @DisplayName("mean and population std match a direct computation (seed 41)")
  void statisticsMatchDirectComputation() {
    Dataset d = gaussianColumns(41, 5000);
    Standardizer s = Standardizer.fit(d);
    for (int j = 0; j < 3; j++) {
      float[] c = d.column(j);
      double mean = 0;
      for (float x : c) {
        mean += x;
      }
      mean /= c.length;
      double ss = 0;
      for (float x : c) {
        ss += (x - mean) * (x - mean);
      }
      double std = Math.sqrt(ss / c.length);
      assertThat(s.mean()[j]).isCloseTo(mean, within(STAT_TOL * Math.abs(mean) + STAT_TOL));
      assertThat(s.std()[j]).isCloseTo(std, within(STAT_TOL * std));
    }
    assertThat(s.constantColumns()).isEmpty();
  }

  @Test
  @DisplayName("logAbsDet equals log|det| of the Jacobian of x -> (x - mean) / std (seed 42)")
  void logAbsDetMatchesJacobian() {
    Standardizer s = Standardizer.fit(gaussianColumns(42, 1000));
    // The Jacobian is diag(1 / std): its determinant is the product of the diagonal, computed
    // here as a product, not as a sum of logs.
    double det = 1;
    for (double sd : s.std()) {
      det *= 1 / sd;
    }
    assertThat(s.logAbsDet()).isCloseTo(Math.log(Math.abs(det)), within(1e-12));
    // And by finite differences of apply() in double on one coordinate at a time.
    double[] mean = s.mean();
    double[] std = s.std();
    double fd = 0;
    for (int j = 0; j < 3; j++) {
      double x = mean[j] + 0.3 * std[j];
      double h = 1e-3 * std[j];
      double slope = (((x + h) - mean[j]) / std[j] - ((x - h) - mean[j]) / std[j]) / (2 * h);
      fd += Math.log(slope);
    }
    assertThat(s.logAbsDet()).isCloseTo(fd, within(1e-6));
  }

  @Test
  @DisplayName("a standard-normal density of standardized data plus logAbsDet is the raw density")
  void logAbsDetConvertsDensities() {
    double mu = 3;
    double sigma = 0.25;
    Standardizer s =
        new Standardizer(List.of("x"), new double[] {mu}, new double[] {sigma}, List.of());
    double x = 3.4;
    double z = (x - mu) / sigma;
    double logQ = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI);
    double logP = -0.5 * z * z - 0.5 * Math.log(2 * Math.PI) - Math.log(sigma);
    assertThat(logQ + s.logAbsDet()).isCloseTo(logP, within(1e-12));
  }

  @Test
  void applyAndInvertRoundTrip() {
    Dataset d = gaussianColumns(43, 200);
    Standardizer s = Standardizer.fit(d);
    Dataset z = s.apply(d);
    Standardizer again = Standardizer.fit(z);
    for (int j = 0; j < 3; j++) {
      assertThat(again.mean()[j]).isCloseTo(0, within(1e-5));
      assertThat(again.std()[j]).isCloseTo(1, within(1e-5));
    }
    Tensor back = s.invert(z.toTensor());
    float[] a = d.toTensor().toArray();
    float[] b = back.toArray();
    float[] zs = z.toTensor().toArray();
    double[] std = s.std();
    for (int i = 0; i < a.length; i++) {
      // z was rounded to float (error <= ulp(z) / 2), which invert scales by std; the result is
      // rounded once more (<= ulp(x) / 2).
      double bound = std[i % 3] * Math.ulp(zs[i]) / 2 + Math.ulp(a[i]) / 2;
      assertThat((double) b[i]).isCloseTo(a[i], within(bound * ROUNDING_SLACK));
    }
    Tensor t = d.toTensor();
    s.applyInPlace(t);
    assertThat(t.toArray()).isEqualTo(z.toTensor().toArray());
  }

  @Test
  void constantColumnsAreCentredAndReported() {
    Dataset d = Dataset.of(List.of("k", "x"), new float[] {0.7f, 1, 0.7f, 3, 0.7f, 5});
    Standardizer s = Standardizer.fit(d);
    assertThat(s.constantColumns()).containsExactly("k");
    assertThat(s.std()[0]).isEqualTo(1.0);
    assertThat(s.mean()[0]).isEqualTo((double) 0.7f);
    assertThat(s.apply(d).column(0)).containsOnly(0f);
    assertThat(s.logAbsDet()).isCloseTo(-Math.log(Math.sqrt(8.0 / 3)), within(1e-12));
  }

  @Test
  void refusesMismatchedShapesAndBadParameters() {
    Standardizer s = Standardizer.fit(gaussianColumns(44, 10));
    assertThatThrownBy(() -> s.apply(Tensor.zeros(4, 2)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("Standardizer.applyInPlace: input must have shape [batch, 3], but was [4, 2]");
    assertThatThrownBy(
            () -> new Standardizer(List.of("x"), new double[] {0}, new double[] {0}, List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Standardizer: std of column x must be finite and > 0, but was 0.0");
  }

  @Test
  void isAValueWithDefensiveCopies() {
    double[] mean = {1, 2};
    Standardizer s = new Standardizer(List.of("a", "b"), mean, new double[] {1, 1}, List.of());
    mean[0] = 9;
    s.mean()[1] = 9;
    assertThat(s.mean()).containsExactly(1, 2);
    assertThat(s)
        .isEqualTo(
            new Standardizer(
                List.of("a", "b"), new double[] {1, 2}, new double[] {1, 1}, List.of()));
  }
}
