package io.flows4j.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.io.Json;
import io.flows4j.tensor.Rng;
import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CalibrationTest {
  /** Percentiles are ratios of small integers times 100: exact but for one rounding. */
  private static final double PCT_TOL = 1e-12;

  /** Ten reference values with a tie at -3 (given unsorted). */
  private static final float[] TEN = {-1, -5, -3, -2, -9, -3, -4, -7, -6, -8};

  @Test
  @DisplayName("percentile counts the reference at or below a value, ties included")
  void percentile() {
    Calibration c = Calibration.ofContamination(TEN, 0.1);
    assertThat(c.reference()).containsExactly(-9, -8, -7, -6, -5, -4, -3, -3, -2, -1);
    assertThat(c.percentile(-10)).isCloseTo(0, within(PCT_TOL));
    assertThat(c.percentile(Double.NEGATIVE_INFINITY)).isZero();
    assertThat(c.percentile(Double.NaN)).isZero();
    assertThat(c.percentile(-9)).isCloseTo(10, within(PCT_TOL)); // equal to the minimum
    assertThat(c.percentile(-8.5)).isCloseTo(10, within(PCT_TOL));
    assertThat(c.percentile(-3.5)).isCloseTo(60, within(PCT_TOL));
    assertThat(c.percentile(-3)).isCloseTo(80, within(PCT_TOL)); // both tied values count
    assertThat(c.percentile(-1)).isCloseTo(100, within(PCT_TOL));
    assertThat(c.percentile(50)).isCloseTo(100, within(PCT_TOL));
  }

  @Test
  @DisplayName("the contamination threshold is the order statistic sorted[floor(p m)]")
  void contaminationThreshold() {
    assertThat(Calibration.ofContamination(TEN, 0).threshold()).isEqualTo(-9);
    assertThat(Calibration.ofContamination(TEN, 0.05).threshold()).isEqualTo(-9);
    assertThat(Calibration.ofContamination(TEN, 0.1).threshold()).isEqualTo(-8);
    assertThat(Calibration.ofContamination(TEN, 0.25).threshold()).isEqualTo(-7);
    assertThat(Calibration.ofContamination(TEN, 0.65).threshold()).isEqualTo(-3);
    assertThat(Calibration.ofContamination(TEN, 0.99).threshold()).isEqualTo(-1);
    // p = 0.3 flags the three values strictly below -6: exactly 30% of the reference.
    Calibration c = Calibration.ofContamination(TEN, 0.3);
    int flagged = 0;
    for (float v : TEN) {
      flagged += c.isAnomaly(v) ? 1 : 0;
    }
    assertThat(c.threshold()).isEqualTo(-6);
    assertThat(flagged).isEqualTo(3);
    assertThat(c.isAnomaly(-6)).isFalse(); // strictly below
    assertThat(c.isAnomaly(Double.NaN)).isTrue();
    assertThat(c.rule()).isEqualTo(Calibration.Rule.CONTAMINATION);
  }

  @Test
  @DisplayName("explicit thresholds and overrides keep the reference set")
  void explicitThreshold() {
    Calibration c = Calibration.ofThreshold(TEN, -4.5);
    assertThat(c.rule()).isEqualTo(Calibration.Rule.EXPLICIT);
    assertThat(c.contamination()).isNaN();
    assertThat(c.isAnomaly(-5)).isTrue();
    assertThat(c.isAnomaly(-4)).isFalse();
    Calibration p = c.withContamination(0.5);
    assertThat(p.threshold()).isEqualTo(-4);
    assertThat(p.reference()).isEqualTo(c.reference());
    assertThat(p.withThreshold(-4.5)).isEqualTo(c);
  }

  @Test
  @DisplayName("more than 10,000 values keep evenly spaced order statistics (seed 11)")
  void subsampling() {
    Rng rng = new Rng(11);
    int n = 25_001;
    float[] lp = new float[n];
    for (int i = 0; i < n; i++) {
      lp[i] = (float) rng.nextGaussian();
    }
    Calibration c = Calibration.ofContamination(lp, 0.01);
    float[] sorted = lp.clone();
    Arrays.sort(sorted);
    float[] ref = c.reference();
    assertThat(ref).hasSize(Calibration.MAX_REFERENCE);
    assertThat(c.rows()).isEqualTo(n);
    assertThat(ref[0]).isEqualTo(sorted[0]);
    assertThat(ref[ref.length - 1]).isEqualTo(sorted[n - 1]);
    // (n - 1) / (m - 1) = 25000 / 9999: rank of i is round(i * 2.50025...).
    assertThat(ref[4000]).isEqualTo(sorted[(int) Math.round(4000 * 25000.0 / 9999)]);
    // Every percentile is within one reference step of the full set's.
    double step = 100.0 / (Calibration.MAX_REFERENCE - 1);
    for (int k = 0; k < n; k += 997) {
      double full = 100.0 * Calibration.countAtOrBelow(sorted, sorted[k]) / n;
      assertThat(c.percentile(sorted[k])).isCloseTo(full, within(step));
    }
  }

  @Test
  @DisplayName("JSON round trip is exact, and bad forms are refused")
  void json() {
    float[] lp = {-1.1f, -2.0000002f, 3.3e-7f, -123.456f, 1e-30f};
    for (Calibration c :
        new Calibration[] {
          Calibration.ofContamination(lp, 0.2), Calibration.ofThreshold(lp, -1.5)
        }) {
      Json.Obj o = c.toJson();
      Calibration back = Calibration.fromJson((Json.Obj) Json.parse(o.write()));
      assertThat(back).isEqualTo(c);
      assertThat(back.reference()).isEqualTo(c.reference());
    }
    String good = Calibration.ofContamination(lp, 0.2).toJson().write();
    assertThatThrownBy(() -> parse(good.replace("\"rule\":\"contamination\"", "\"rule\":\"x\"")))
        .hasMessageContaining("rule must be");
    assertThatThrownBy(() -> parse(good.replace("\"contamination\":0.2", "\"contamination\":0.6")))
        .hasMessageContaining("must be the reference quantile");
    assertThatThrownBy(() -> parse(good.replace("-123.456", "123.456")))
        .hasMessageContaining("sorted ascending");
    assertThatThrownBy(() -> parse(good.replace("\"version\":1", "\"version\":2")))
        .hasMessageContaining("version must be 1 to 1");
    assertThatThrownBy(() -> parse(good.replace("\"rows\":5", "\"rows\":4")))
        .hasMessageContaining("rows must be >= the reference size 5");
  }

  private static Calibration parse(String json) {
    return Calibration.fromJson((Json.Obj) Json.parse(json));
  }

  @Test
  @DisplayName("refuses empty or non-finite calibration sets and bad rates")
  void refusals() {
    assertThatThrownBy(() -> Calibration.ofContamination(new float[0], 0.01))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must have rows");
    assertThatThrownBy(() -> Calibration.ofContamination(new float[] {1, Float.NaN}, 0.01))
        .hasMessageContaining("calibration row 1 must be finite");
    assertThatThrownBy(() -> Calibration.ofContamination(TEN, 1))
        .hasMessageContaining("contamination must be in [0, 1), but was 1.0");
    assertThatThrownBy(() -> Calibration.ofContamination(TEN, -0.1))
        .hasMessageContaining("contamination must be in [0, 1)");
    assertThatThrownBy(() -> Calibration.ofThreshold(TEN, Double.NaN))
        .hasMessageContaining("threshold must be finite");
  }
}
