package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.anomaly.Calibration;
import io.flows4j.data.CsvWriter;
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
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code fit --contamination}, {@code calibrate} and {@code anomalies} end to end. */
class AnomaliesCommandTest {
  private static final long SEED = 3;

  /** Columns written as float32/float64 shortest decimals read back exactly. */
  private static final double EXACT = 0;

  @TempDir static Path dir;

  private static Path model;
  private static String fitStdout;
  private static String fitStderr;

  /** A 2-D Gaussian blob around (1, -1) with standard deviations 2 and 0.5. */
  private static Dataset blob(long seed, int n) {
    Rng rng = new Rng(seed);
    float[][] rows = new float[n][2];
    for (float[] r : rows) {
      r[0] = (float) (1 + 2 * rng.nextGaussian());
      r[1] = (float) (-1 + 0.5 * rng.nextGaussian());
    }
    return Dataset.of(List.of("u", "v"), rows);
  }

  @BeforeAll
  static void fit() throws IOException {
    CsvWriter.write(dir.resolve("train.csv"), blob(SEED, 2000));
    Dataset probe =
        Dataset.of(
            List.of("id", "u", "v"),
            new float[][] {{1, 1, -1}, {2, 1.5f, -0.8f}, {3, 13, -1}, {4, 1, 3}, {5, -20, 10}});
    CsvWriter.write(dir.resolve("probe.csv"), probe);
    CsvWriter.write(dir.resolve("ref.csv"), blob(SEED + 1, 500));
    model = dir.resolve("m.flows4j");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            CommandsTest.args(
                "fit --data",
                dir.resolve("train.csv"),
                "--layers 2 --hidden 16,16 --steps 300 --seed 3 --contamination 0.05 --out",
                model),
            new PrintWriter(out),
            new PrintWriter(err));
    assertThat(status).as(err.toString()).isZero();
    fitStdout = out.toString();
    fitStderr = err.toString();
  }

  @Test
  @DisplayName("fit --contamination holds out 10% and stores the calibration (seed 3)")
  void fitStoresCalibration() {
    FittedModel m = CommandIo.loadModel(model);
    Calibration c = m.calibration().orElseThrow();
    assertThat(c.rows()).isEqualTo(200);
    assertThat(c.contamination()).isEqualTo(0.05);
    assertThat(m.trainingResult().orElseThrow().trainRows()).isEqualTo(1620);
    assertThat(fitStdout).contains("\"calibration_rows\":200", "\"contamination\":0.05");
    assertThat(fitStdout).contains("\"threshold\":");
    assertThat(fitStderr).contains("fit: 200 rows held out to calibrate the anomaly threshold");
  }

  @Test
  @DisplayName("anomalies writes the input columns, log_prob, bits_per_dim, percentile, anomaly")
  void anomaliesColumnsAndValues() throws IOException {
    Path out = dir.resolve("scores.csv");
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            CommandsTest.args(
                "anomalies --model", model, "--data", dir.resolve("probe.csv"), "--out", out),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertThat(status).as(err.toString()).isZero();
    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    assertThat(lines.get(0)).isEqualTo("id,u,v,log_prob,bits_per_dim,percentile,anomaly");
    assertThat(lines).hasSize(6);
    FittedModel m = CommandIo.loadModel(model);
    Calibration c = m.calibration().orElseThrow();
    float[] lp =
        m.logProb(
            Dataset.of(
                List.of("u", "v"),
                new float[][] {{1, -1}, {1.5f, -0.8f}, {13, -1}, {1, 3}, {-20, 10}}));
    boolean[] expectedAnomaly = {false, false, true, true, true};
    for (int i = 0; i < 5; i++) {
      String[] f = lines.get(i + 1).split(",");
      assertThat(Float.parseFloat(f[0])).isEqualTo(i + 1);
      assertThat(Float.parseFloat(f[3])).isEqualTo(lp[i]);
      assertThat(Double.parseDouble(f[4]))
          .isCloseTo(-lp[i] / (2 * Math.log(2)), within(EXACT + 1e-6 * Math.abs(lp[i])));
      assertThat(Double.parseDouble(f[5])).isEqualTo(c.percentile(lp[i]));
      assertThat(f[6]).isEqualTo(Boolean.toString(lp[i] < c.threshold()));
      assertThat(Boolean.parseBoolean(f[6])).as("row %d", i).isEqualTo(expectedAnomaly[i]);
    }
    assertThat(err.toString())
        .startsWith("anomalies: 5 rows, 3 anomalies (60.00%), threshold log p < ")
        .contains("(contamination 0.05; 200 stored reference rows); wrote " + out)
        .satisfies(s -> assertThat(s.lines()).hasSize(1));
  }

  @Test
  @DisplayName("--threshold and --contamination override the stored threshold for one run")
  void overrides() throws IOException {
    Path out = dir.resolve("t.csv");
    StringWriter err = new StringWriter();
    // A threshold above every log-density flags all rows; percentiles still come from the model.
    int status =
        Main.run(
            CommandsTest.args(
                "anomalies --model",
                model,
                "--data",
                dir.resolve("probe.csv"),
                "--threshold 100 --out",
                out),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertThat(status).isZero();
    assertThat(Files.readAllLines(out).stream().skip(1).map(l -> l.endsWith(",true")))
        .containsOnly(true);
    assertThat(err.toString()).contains("5 anomalies", "(given; 200 stored reference rows)");
    // Contamination 0 puts the threshold at the reference minimum: the central rows pass.
    err = new StringWriter();
    status =
        Main.run(
            CommandsTest.args(
                "anomalies --model",
                model,
                "--data",
                dir.resolve("probe.csv"),
                "--contamination 0 --out",
                out),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertThat(status).isZero();
    assertThat(err.toString()).contains("(contamination 0.0;");
    assertThat(Files.readAllLines(out).get(1)).endsWith(",false");
  }

  @Test
  @DisplayName("calibrate adds a calibration to a model fitted without one")
  void calibrate() throws IOException {
    Path bare = dir.resolve("bare.flows4j");
    Path calibrated = dir.resolve("cal.flows4j");
    int status =
        Main.run(
            CommandsTest.args(
                "fit --data",
                dir.resolve("train.csv"),
                "--layers 1 --hidden 4 --steps 5 --out",
                bare),
            new PrintWriter(new StringWriter()),
            new PrintWriter(new StringWriter()));
    assertThat(status).isZero();
    assertThat(CommandIo.loadModel(bare).calibration()).isEmpty();
    StringWriter err = new StringWriter();
    status =
        Main.run(
            CommandsTest.args(
                "calibrate --model",
                bare,
                "--data",
                dir.resolve("ref.csv"),
                "--contamination 0.1 --out",
                calibrated),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertThat(status).as(err.toString()).isZero();
    assertThat(err.toString()).startsWith("calibrate: 500 reference rows, contamination 0.1,");
    FittedModel m = CommandIo.loadModel(calibrated);
    float[] ref = m.logProb(io.flows4j.data.CsvReader.create().read(dir.resolve("ref.csv")));
    assertThat(m.calibration()).contains(Calibration.ofContamination(ref, 0.1));
  }

  @Test
  @DisplayName(
      "without a calibration, --threshold leaves percentile empty and --reference fills it")
  void uncalibratedModel() throws IOException {
    Path bare = dir.resolve("bare1.flows4j");
    CommandIo.loadModel(model).withCalibration(null).save(bare);
    Path out = dir.resolve("u.csv");
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            CommandsTest.args(
                "anomalies --model",
                bare,
                "--data",
                dir.resolve("probe.csv"),
                "--threshold -5 --out",
                out),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertThat(status).as(err.toString()).isZero();
    assertThat(Files.readAllLines(out).stream().skip(1).map(l -> l.split(",", -1)[5]))
        .containsOnly("");
    assertThat(err.toString()).contains("(given; no reference rows, percentile left empty");
    status =
        Main.run(
            CommandsTest.args(
                "anomalies --model",
                bare,
                "--data",
                dir.resolve("probe.csv"),
                "--reference",
                dir.resolve("ref.csv"),
                "--out",
                out),
            new PrintWriter(new StringWriter()),
            new PrintWriter(new StringWriter()));
    assertThat(status).isZero();
    FittedModel m = CommandIo.loadModel(bare);
    Calibration c =
        Calibration.ofContamination(
            m.logProb(io.flows4j.data.CsvReader.create().read(dir.resolve("ref.csv"))),
            Calibration.DEFAULT_CONTAMINATION);
    String[] first = Files.readAllLines(out).get(1).split(",");
    assertThat(Double.parseDouble(first[5])).isEqualTo(c.percentile(Float.parseFloat(first[3])));
    assertThat(first[6]).isEqualTo(Boolean.toString(Float.parseFloat(first[3]) < c.threshold()));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "anomalies --model bare0.flows4j --data probe.csv --out OUT | 2 | bare0.flows4j has no"
            + " anomaly calibration; fit it with --contamination P (holds out calibration rows),"
            + " run 'flows4j calibrate --model bare0.flows4j --data REF.csv --out M2' on typical"
            + " rows it was not trained on, or give --reference REF.csv or --threshold LOGP",
        "anomalies --model bare0.flows4j --data probe.csv --contamination 0.1 --out OUT | 2 |"
            + " bare0.flows4j has no anomaly calibration; fit it with --contamination P (holds out"
            + " calibration rows), run 'flows4j calibrate --model bare0.flows4j --data REF.csv"
            + " --out M2' on typical rows it was not trained on, or give --reference REF.csv or"
            + " --threshold LOGP",
        "anomalies --model m.flows4j --data probe.csv --threshold 1 --contamination 0.1 --out OUT"
            + " | 2 | --threshold=Q, --contamination=P are mutually exclusive (specify only one)",
        "anomalies --model m.flows4j --data probe.csv --contamination 1 --out OUT | 2 |"
            + " --contamination must be in [0, 1), but was 1.0",
        "anomalies --model m.flows4j --data probe.csv --threshold NaN --out OUT | 2 | --threshold"
            + " must be a finite log-density, but was NaN",
        "anomalies --model m.flows4j --data three.csv --out OUT | 2 | three.csv has 3 columns (a,"
            + " b, c), but the model was trained on 2 (u, v)",
        "anomalies --model m.flows4j --data scored.csv --out OUT | 2 | scored.csv already has a"
            + " column anomaly; drop it or score another file",
        "anomalies --model missing.flows4j --data probe.csv --out OUT | 1 | missing.flows4j: no"
            + " such file",
        "fit --data train.csv --calibration 0 --contamination 0.1 --out OUT | 2 | --contamination"
            + " needs calibration rows, but --calibration 0 holds none out",
        "fit --data train.csv --calibration 1 --out OUT | 2 | --calibration must be in [0, 1), but"
            + " was 1.0",
        "calibrate --model m.flows4j --data ref.csv --contamination -0.5 --out OUT | 2 |"
            + " --contamination must be in [0, 1), but was -0.5",
      })
  void errorsAreOneLineAndLeaveNoOutput(String command, int status, String message)
      throws IOException {
    Path bare = dir.resolve("bare0.flows4j");
    if (!Files.exists(bare)) {
      FittedModel m = CommandIo.loadModel(model).withCalibration(null);
      m.save(bare);
      Files.writeString(dir.resolve("three.csv"), "a,b,c\n1,2,3\n", StandardCharsets.UTF_8);
      Files.writeString(dir.resolve("scored.csv"), "u,v,anomaly\n1,2,0\n", StandardCharsets.UTF_8);
    }
    Set<Path> before = listing();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] args =
        Stream.of(command.trim().split(" +"))
            .map(a -> a.equals("OUT") ? dir.resolve("out.csv").toString() : resolve(a))
            .toArray(String[]::new);
    int actual = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    String expected = message;
    for (String f :
        new String[] {"bare0.flows4j", "missing.flows4j", "three.csv", "scored.csv", "OUT"}) {
      expected =
          expected.replace(f, f.equals("OUT") ? dir.resolve("out.csv").toString() : resolve(f));
    }
    assertThat(err.toString()).isEqualTo("error: " + expected + System.lineSeparator());
    assertThat(actual).isEqualTo(status);
    assertThat(out.toString()).isEmpty();
    assertThat(listing()).isEqualTo(before);
  }

  private static String resolve(String arg) {
    return arg.endsWith(".csv") || arg.endsWith(".flows4j") ? dir.resolve(arg).toString() : arg;
  }

  private static Set<Path> listing() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.collect(Collectors.toSet());
    }
  }
}
