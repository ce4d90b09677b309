package io.flows4j.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.data.Dataset;
import io.flows4j.flows.Presets;
import io.flows4j.io.FileFormatException;
import io.flows4j.io.SafeTensors;
import io.flows4j.model.FittedModel;
import io.flows4j.model.ModelFile;
import io.flows4j.tensor.Rng;
import io.flows4j.training.TrainingConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A small RealNVP fitted to a correlated 2-D Gaussian blob, calibrated on held-out rows. */
class AnomalyScorerTest {
  private static final long SEED = 7;
  private static final double[] MEAN = {4, -2};
  private static final double[] STD = {1.5, 0.5};
  private static final double RHO = 0.6;
  private static final double CONTAMINATION = 0.02;
  private static final double CALIBRATION_FRACTION = 0.25;

  /** Bits per dimension are written from float32 log-densities: a relative float rounding. */
  private static final double BPD_TOL = 1e-6;

  private static FittedModel model;

  /** {@code n} rows of the blob: {@code x = mean + std * (e0, rho e0 + sqrt(1 - rho^2) e1)}. */
  static Dataset blob(long seed, int n) {
    Rng rng = new Rng(seed);
    float[][] rows = new float[n][2];
    for (float[] r : rows) {
      double e0 = rng.nextGaussian();
      double e1 = rng.nextGaussian();
      r[0] = (float) (MEAN[0] + STD[0] * e0);
      r[1] = (float) (MEAN[1] + STD[1] * (RHO * e0 + Math.sqrt(1 - RHO * RHO) * e1));
    }
    return Dataset.of(List.of("a", "b"), rows);
  }

  @BeforeAll
  static void fit() {
    TrainingConfig config = TrainingConfig.defaults().withSteps(600).withSeed(SEED);
    model =
        AnomalyScorer.fit(
            Presets.flow("realnvp", 2, 4, new int[] {32, 32}, SEED),
            blob(SEED, 4000),
            true,
            config,
            CALIBRATION_FRACTION,
            CONTAMINATION,
            null);
  }

  @Test
  @DisplayName("fit holds out the calibration rows before the validation split (seed 7)")
  void holdOut() {
    Calibration c = model.calibration().orElseThrow();
    assertThat(c.rows()).isEqualTo(1000);
    assertThat(c.contamination()).isEqualTo(CONTAMINATION);
    assertThat(c.threshold()).isEqualTo(Calibration.quantile(c.reference(), CONTAMINATION));
    // 3,000 rows remain; the trainer holds 10% of them out for validation.
    assertThat(model.trainingResult().orElseThrow().trainRows()).isEqualTo(2700);
    assertThat(model.trainingResult().orElseThrow().validationRows()).isEqualTo(300);
    // The held-out rows are the same for the same seed and disjoint from the rest.
    Dataset data = blob(SEED, 4000);
    Dataset.Split a = AnomalyScorer.holdOut(data, CALIBRATION_FRACTION, SEED);
    Dataset.Split b = AnomalyScorer.holdOut(data, CALIBRATION_FRACTION, SEED);
    assertThat(a.validation().row(17)).isEqualTo(b.validation().row(17));
    assertThat(a.train().rows() + a.validation().rows()).isEqualTo(4000);
    // Their log-densities are the reference set.
    Calibration again = Calibration.ofContamination(model.logProb(a.validation()), CONTAMINATION);
    assertThat(again).isEqualTo(c);
  }

  @Test
  @DisplayName("holdOutRows picks, as indexes, the rows holdOut holds out (seed 7)")
  void holdOutRowsAgreesWithHoldOut() {
    Dataset data = blob(SEED, 400);
    Dataset.Split split = AnomalyScorer.holdOut(data, CALIBRATION_FRACTION, SEED);
    AnomalyScorer.HoldOut rows = AnomalyScorer.holdOutRows(400, CALIBRATION_FRACTION, SEED);
    assertThat(rows.calibration()).hasSize(100).isSorted();
    assertThat(rows.train()).hasSize(300).isSorted().doesNotContain(rows.calibration());
    for (int i = 0; i < rows.calibration().length; i++) {
      assertThat(data.row(rows.calibration()[i])).isEqualTo(split.validation().row(i));
    }
    Map<String, String[]> column = new LinkedHashMap<>();
    String[] names = new String[400];
    for (int i = 0; i < names.length; i++) {
      names[i] = "r" + i;
    }
    column.put("id", names);
    assertThat(rows.calibrationRows(column).get("id")[3]).isEqualTo("r" + rows.calibration()[3]);
    assertThat(rows.trainRows(column).get("id")).hasSize(300);
  }

  @Test
  @DisplayName("a conditional model scores log p(x | c) at each row's context (seed 5)")
  void conditionalScores() {
    // Two contexts, the data shifted by +-3 with the context: a point typical at one context is
    // far out at the other, so the scores must follow the context, not the point alone.
    int n = 2000;
    Rng rng = new Rng(5);
    float[][] rows = new float[n][2];
    String[] labels = new String[n];
    for (int i = 0; i < n; i++) {
      boolean up = rng.nextInt(2) == 1;
      labels[i] = up ? "up" : "down";
      rows[i][0] = (float) ((up ? 3 : -3) + 0.5 * rng.nextGaussian());
      rows[i][1] = (float) (0.5 * rng.nextGaussian());
    }
    Map<String, String[]> ctx = Map.of("side", labels);
    Dataset data = Dataset.of(List.of("a", "b"), rows);
    AnomalyScorer.HoldOut h = AnomalyScorer.holdOutRows(n, 0.2, 5);
    FittedModel m =
        FittedModel.fitConditional(
            Presets.conditionalFlow("maf", 2, 2, 3, new int[] {16, 16}, 5),
            data.subset(h.train()),
            h.trainRows(ctx),
            java.util.Set.of(),
            true,
            TrainingConfig.defaults().withSteps(400).withSeed(5),
            null);
    FittedModel calibrated =
        AnomalyScorer.calibrate(m, data.subset(h.calibration()), h.calibrationRows(ctx), 0.01);
    assertThat(calibrated.calibration().orElseThrow().rows()).isEqualTo(400);
    Dataset probe = Dataset.of(List.of("a", "b"), new float[][] {{3, 0}, {3, 0}});
    Map<String, String[]> probeCtx = Map.of("side", new String[] {"up", "down"});
    AnomalyScorer.Scores s = AnomalyScorer.of(calibrated).score(probe, probeCtx);
    assertThat(s.logProb()).containsExactly(calibrated.logProb(probe, probeCtx));
    assertThat(s.anomaly()).containsExactly(false, true);
    assertThatThrownBy(() -> AnomalyScorer.of(calibrated).score(probe))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("conditional");
  }

  @Test
  @DisplayName("central points are typical, points 6 standard deviations out are flagged (seed 7)")
  void farPointsFlagged() {
    float[][] central = {
      {4, -2}, {4.5f, -1.8f}, {3.2f, -2.3f},
    };
    float[][] far = {
      {4 + 9, -2}, {4 - 9, -2}, {4, -2 + 3}, {4, -2 - 3}, {4 + 6, -2 - 3}, {-20, 20},
    };
    AnomalyScorer scorer = AnomalyScorer.of(model);
    AnomalyScorer.Scores c = scorer.score(Dataset.of(List.of("a", "b"), central));
    AnomalyScorer.Scores f = scorer.score(Dataset.of(List.of("a", "b"), far));
    for (int i = 0; i < central.length; i++) {
      assertThat(c.anomaly()[i]).as("central point %d", i).isFalse();
      assertThat(c.percentile()[i]).as("central point %d", i).isGreaterThan(50);
    }
    for (int i = 0; i < far.length; i++) {
      assertThat(f.anomaly()[i]).as("far point %d", i).isTrue();
      assertThat(f.percentile()[i]).as("far point %d", i).isZero();
    }
    assertThat(c.anomalies()).isZero();
    assertThat(f.anomalies()).isEqualTo(far.length);
    for (int i = 0; i < far.length; i++) {
      double bpd = -f.logProb()[i] / (2 * Math.log(2));
      assertThat(f.bitsPerDim()[i]).isCloseTo(bpd, within(BPD_TOL * Math.abs(bpd)));
    }
  }

  @Test
  @DisplayName("contamination p flags about p of fresh rows, within a binomial bound (seed 99)")
  void contaminationRate() {
    // Calibrate on n fresh rows, then score m other fresh rows. The flagged fraction is
    // F(threshold) (F = the CDF of log p(x) under the data), where F(X_(k+1)) ~ Beta(k+1, n-k) has
    // mean (k+1)/(n+1) and variance ~ p(1-p)/n; given it, the m rows flag Binomial(m, F). So the
    // fraction has mean (floor(p n)+1)/(n+1) and standard deviation ~ sqrt(p(1-p)(1/n + 1/m)).
    // Four standard deviations: a false failure about once in 16,000 seeds.
    double p = 0.05;
    int n = 10_000;
    int m = 20_000;
    FittedModel calibrated = AnomalyScorer.calibrate(model, blob(99, n), p);
    AnomalyScorer.Scores s = AnomalyScorer.of(calibrated).score(blob(100, m));
    double mean = (Math.floor(p * n) + 1) / (n + 1);
    double sd = Math.sqrt(p * (1 - p) * (1.0 / n + 1.0 / m));
    assertThat((double) s.anomalies() / m).isCloseTo(mean, within(4 * sd));
    // The reference itself: exactly floor(p n) rows lie strictly below the threshold (no ties).
    Calibration c = calibrated.calibration().orElseThrow();
    int below = Calibration.countAtOrBelow(c.reference(), Math.nextDown(c.threshold()));
    assertThat(below).isEqualTo((int) Math.floor(p * n));
  }

  @Test
  @DisplayName("an explicit threshold overrides and keeps the reference for percentiles")
  void explicitThreshold() {
    Dataset rows = Dataset.of(List.of("a", "b"), new float[][] {{4, -2}, {7, -2}});
    float[] lp = model.logProb(rows);
    double t = (lp[0] + lp[1]) / 2;
    AnomalyScorer.Scores s = AnomalyScorer.withThreshold(model, t).score(rows);
    assertThat(s.anomaly()).containsExactly(false, true);
    assertThat(s.percentile()[0]).isEqualTo(model.calibration().orElseThrow().percentile(lp[0]));
    AnomalyScorer.Scores bare =
        AnomalyScorer.withThreshold(model.withCalibration(null), t).score(rows);
    assertThat(bare.percentile()[0]).isNaN();
    assertThat(bare.anomaly()).containsExactly(false, true);
    assertThatThrownBy(() -> AnomalyScorer.of(model.withCalibration(null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no calibration");
  }

  @Test
  @DisplayName("the calibration survives save and load; files without one load without one")
  void saveLoad(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("m.flows4j");
    model.withMetadata(Map.of("k", "v")).save(f);
    FittedModel back = FittedModel.load(f);
    assertThat(back.calibration()).contains(model.calibration().orElseThrow());
    assertThat(back.metadata()).containsEntry("k", "v");
    Dataset probe = blob(3, 50);
    assertThat(AnomalyScorer.of(back).score(probe).anomaly())
        .isEqualTo(AnomalyScorer.of(model).score(probe).anomaly());

    Path bare = dir.resolve("bare.flows4j");
    model.withCalibration(null).save(bare);
    assertThat(FittedModel.load(bare).calibration()).isEmpty();
    assertThat(
            ((io.flows4j.io.Json.Obj)
                    io.flows4j.io.Json.parse(
                        SafeTensors.read(bare).metadata().get(ModelFile.KEY_MODEL)))
                .has("calibration"))
        .isFalse();
  }

  @Test
  @DisplayName("a model file with an inconsistent calibration is refused on load")
  void corruptedCalibrationRefused(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("m.flows4j");
    model.save(f);
    String threshold = Double.toString(model.calibration().orElseThrow().threshold());
    rewrite(f, json -> json.replace("\"threshold\":" + threshold, "\"threshold\":1234.5"));
    assertThatThrownBy(() -> FittedModel.load(f))
        .isInstanceOf(FileFormatException.class)
        .hasMessageStartingWith(f + ": calibration: the threshold of contamination 0.02")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    model.save(f);
    rewrite(f, json -> json.replace("\"rule\":\"contamination\"", "\"rule\":3"));
    assertThatThrownBy(() -> FittedModel.load(f))
        .isInstanceOf(FileFormatException.class)
        .hasMessageStartingWith(f + ": ")
        .hasMessageContaining("rule");
  }

  /** Rewrites the model description with a matching checksum. */
  private static void rewrite(Path file, java.util.function.UnaryOperator<String> edit)
      throws IOException {
    SafeTensors.Contents c = SafeTensors.read(file);
    Map<String, String> meta = new LinkedHashMap<>(c.metadata());
    String json = edit.apply(meta.get(ModelFile.KEY_MODEL));
    assertThat(json).isNotEqualTo(meta.get(ModelFile.KEY_MODEL));
    meta.put(ModelFile.KEY_MODEL, json);
    CRC32C crc = new CRC32C();
    crc.update(json.getBytes(StandardCharsets.UTF_8));
    meta.put(ModelFile.KEY_MODEL_CRC, String.format(Locale.ROOT, "%08x", crc.getValue()));
    SafeTensors.write(file, c.tensors(), meta);
  }
}
