package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.anomaly.Calibration;
import io.flows4j.data.ContextEncoding;
import io.flows4j.data.CsvReader;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Rng;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Anomaly scores of conditional models: {@code fit --context --contamination}, {@code calibrate}
 * and {@code anomalies} score {@code log p(x | c)} at each row's own context.
 */
class ConditionalAnomaliesCommandTest {
  @TempDir static Path dir;

  private static Path model;
  private static String fitStdout;

  /** Rows x, y, label with (x, y) ~ N(+-2 (1, 1), 0.3^2 I), label a for -, b for +. */
  private static String csv(long seed, int rows) {
    Rng rng = new Rng(seed);
    StringBuilder sb = new StringBuilder("x,y,label\n");
    for (int i = 0; i < rows; i++) {
      boolean b = rng.nextInt(2) == 1;
      double m = b ? 2 : -2;
      sb.append(
          String.format(
              Locale.ROOT,
              "%.5f,%.5f,%s%n",
              m + 0.3 * rng.nextGaussian(),
              m + 0.3 * rng.nextGaussian(),
              b ? "b" : "a"));
    }
    return sb.toString();
  }

  private static int run(StringWriter out, StringWriter err, Object... parts) {
    return Main.run(CommandsTest.args(parts), new PrintWriter(out), new PrintWriter(err));
  }

  @BeforeAll
  static void fit() throws IOException {
    Files.writeString(dir.resolve("train.csv"), csv(1, 1200), StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("ref.csv"), csv(2, 400), StandardCharsets.UTF_8);
    // The same two points at both contexts: each is typical at one label and far from the other.
    Files.writeString(
        dir.resolve("probe.csv"),
        "x,y,label\n2,2,a\n2,2,b\n-2,-2,a\n-2,-2,b\n",
        StandardCharsets.UTF_8);
    model = dir.resolve("c.flows4j");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        run(
            out,
            err,
            "fit --data",
            dir.resolve("train.csv"),
            "--context label --flow maf --layers 3 --hidden 16,16 --steps 300 --lr 3e-3 --seed 1",
            "--contamination 0.05 --out",
            model);
    assertThat(status).as(err.toString()).isZero();
    fitStdout = out.toString();
  }

  @Test
  @DisplayName("fit --context --contamination holds out 10% of rows and contexts (seed 1)")
  void fitHoldsOutCalibrationRows() {
    FittedModel m = CommandIo.loadModel(model);
    assertThat(m.isConditional()).isTrue();
    Calibration c = m.calibration().orElseThrow();
    assertThat(c.rows()).isEqualTo(120);
    assertThat(c.contamination()).isEqualTo(0.05);
    assertThat(m.trainingResult().orElseThrow().trainRows()).isEqualTo(972);
    assertThat(fitStdout).contains("\"calibration_rows\":120", "\"contamination\":0.05");
  }

  @Test
  @DisplayName("anomalies flags a point at the context it does not belong to, not at its own")
  void anomaliesAtEachRowsContext() throws IOException {
    Path out = dir.resolve("scores.csv");
    StringWriter err = new StringWriter();
    int status =
        run(
            new StringWriter(),
            err,
            "anomalies --model",
            model,
            "--data",
            dir.resolve("probe.csv"),
            "--out",
            out);
    assertThat(status).as(err.toString()).isZero();
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    assertThat(lines.get(0)).isEqualTo("x,y,label,log_prob,bits_per_dim,percentile,anomaly");
    FittedModel m = CommandIo.loadModel(model);
    Dataset xy = Dataset.of(List.of("x", "y"), new float[][] {{2, 2}, {2, 2}, {-2, -2}, {-2, -2}});
    float[] lp = m.logProb(xy, Map.of("label", new String[] {"a", "b", "a", "b"}));
    boolean[] expected = {true, false, false, true};
    for (int i = 0; i < 4; i++) {
      String[] f = lines.get(i + 1).split(",");
      assertThat(Float.parseFloat(f[3])).isEqualTo(lp[i]);
      assertThat(Double.parseDouble(f[5])).isEqualTo(m.calibration().get().percentile(lp[i]));
      assertThat(Boolean.parseBoolean(f[6])).as("row %d", i + 1).isEqualTo(expected[i]);
    }
    assertThat(err.toString()).contains("4 rows, 2 anomalies", "120 stored reference rows");
  }

  @Test
  @DisplayName("calibrate and anomalies --reference use log p(x | c) of the reference rows")
  void calibrateAndReferenceAtContexts() throws IOException {
    Path calibrated = dir.resolve("cal.flows4j");
    StringWriter err = new StringWriter();
    int status =
        run(
            new StringWriter(),
            err,
            "calibrate --model",
            model,
            "--data",
            dir.resolve("ref.csv"),
            "--contamination 0.1 --out",
            calibrated);
    assertThat(status).as(err.toString()).isZero();
    FittedModel m = CommandIo.loadModel(calibrated);
    Dataset ref = CsvReader.create().exclude(List.of("label")).read(dir.resolve("ref.csv"));
    Map<String, String[]> ctx =
        ContextEncoding.readColumns(dir.resolve("ref.csv"), List.of("label"));
    Calibration expected = Calibration.ofContamination(m.logProb(ref, ctx), 0.1);
    assertThat(m.calibration()).contains(expected);

    Path out = dir.resolve("ref-scores.csv");
    status =
        run(
            new StringWriter(),
            new StringWriter(),
            "anomalies --model",
            model,
            "--data",
            dir.resolve("probe.csv"),
            "--reference",
            dir.resolve("ref.csv"),
            "--contamination 0.1 --out",
            out);
    assertThat(status).isZero();
    String[] first = Files.readAllLines(out).get(1).split(",");
    assertThat(Double.parseDouble(first[5]))
        .isEqualTo(expected.percentile(Float.parseFloat(first[3])));
  }

  @Test
  @DisplayName("a probe file without the context column names the expected context")
  void missingContextIsNamed() throws IOException {
    Files.writeString(dir.resolve("noctx.csv"), "x,y\n1,1\n", StandardCharsets.UTF_8);
    StringWriter err = new StringWriter();
    int status =
        run(
            new StringWriter(),
            err,
            "anomalies --model",
            model,
            "--data",
            dir.resolve("noctx.csv"),
            "--out",
            dir.resolve("never.csv"));
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: ").contains("label").hasLineCount(1);
    assertThat(dir.resolve("never.csv")).doesNotExist();
  }
}
