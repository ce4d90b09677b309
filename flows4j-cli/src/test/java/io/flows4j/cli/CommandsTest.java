package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.data.CsvReader;
import io.flows4j.data.CsvWriter;
import io.flows4j.data.Dataset;
import io.flows4j.tensor.Threads;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every command on small data: one tiny model is fitted once (moons, seed 7 for training and 8 for
 * test data), then scored, sampled, encoded and drawn.
 */
class CommandsTest {
  /** Two ways of computing the same float32 log-density (forward vs inverse pass), in nats. */
  private static final double LOGPROB_TOLERANCE = 1e-4;

  /** A round trip through encode and decode, in data units (data of order 1). */
  private static final double ROUND_TRIP_TOLERANCE = 1e-4;

  @TempDir static Path shared;

  static Path train;
  static Path test;
  static Path model;
  static Map<String, Object> fitSummary;

  @TempDir Path dir;

  private StringWriter out;
  private StringWriter err;
  private int savedThreads;

  @BeforeAll
  static void fitOneModel() throws IOException {
    train = shared.resolve("train.csv");
    test = shared.resolve("test.csv");
    CsvWriter.write(train, ToyData.MOONS.generate(600, 7));
    CsvWriter.write(test, ToyData.MOONS.generate(200, 8));
    model = shared.resolve("m.flows4j");
    StringWriter o = new StringWriter();
    StringWriter e = new StringWriter();
    int status =
        Main.run(
            args(
                "fit --data",
                train,
                "--test",
                test,
                "--flow realnvp --layers 2 --hidden 8,8 --steps 40 --batch 64 --out",
                model),
            new PrintWriter(o),
            new PrintWriter(e));
    assertThat(status).as("fit: %s", e).isZero();
    fitSummary = FlatJson.parse(o.toString().strip());
  }

  @BeforeEach
  void setUp() {
    out = new StringWriter();
    err = new StringWriter();
    savedThreads = Threads.count();
  }

  @AfterEach
  void restoreThreads() {
    Threads.setCount(savedThreads);
  }

  /** Splits text on spaces and inserts paths, e.g. {@code args("eval --model", m, "--json")}. */
  static String[] args(Object... parts) {
    return Stream.of(parts)
        .flatMap(
            p ->
                p instanceof Path path
                    ? Stream.of(path.toString())
                    : Stream.of(p.toString().split(" ")))
        .toArray(String[]::new);
  }

  private int run(Object... parts) {
    return Main.run(args(parts), new PrintWriter(out), new PrintWriter(err));
  }

  private static Dataset read(Path p) {
    return CsvReader.create().read(p);
  }

  @Test
  void fitPrintsAOneLineJsonSummaryAndWritesTheModel() {
    assertThat(fitSummary)
        .containsKeys("train_sec", "sec_per_step", "steps", "best_val_nll", "test_nll_nats")
        .containsEntry("steps", 40.0)
        .containsEntry("dim", 2.0)
        .containsEntry("flow", "realnvp");
    assertThat((Double) fitSummary.get("test_nll_nats")).isFinite();
    assertThat(Files.isRegularFile(model)).isTrue();
  }

  @ParameterizedTest(name = "fit --flow {0}")
  @ValueSource(strings = {"realnvp", "maf", "nsf", "nsf-ar", "nice"})
  void everyPresetFitsAndItsModelScores(String flow) {
    Path m = dir.resolve(flow + ".flows4j");
    assertThat(
            run(
                "fit --data",
                train,
                "--flow",
                flow,
                "--layers 2 --hidden 8,8 --steps 5 --batch 32 --out",
                m))
        .as(err.toString())
        .isZero();
    assertThat(FlatJson.parse(out.toString().strip())).containsEntry("flow", flow);
    out.getBuffer().setLength(0);
    assertThat(run("eval --json --model", m, "--data", test)).isZero();
    assertThat((Double) FlatJson.parse(out.toString().strip()).get("nll_nats")).isFinite();
  }

  @Test
  void evalGivesNatsAndBitsPerDimension() {
    assertThat(run("eval --model", model, "--data", test, "--json")).isZero();
    Map<String, Object> json = FlatJson.parse(out.toString().strip());
    double nll = (Double) json.get("nll_nats");
    assertThat(json).containsEntry("rows", 200.0).containsEntry("dim", 2.0);
    assertThat((Double) json.get("bpd")).isCloseTo(nll / (2 * Math.log(2)), within(1e-5));
    // The fit's test NLL is the same evaluation.
    assertThat(nll).isCloseTo((Double) fitSummary.get("test_nll_nats"), within(1e-5));
    out.getBuffer().setLength(0);
    assertThat(run("eval --model", model, "--data", test)).isZero();
    assertThat(out.toString()).contains("mean NLL").contains("nats").contains("bits per dimension");
  }

  @Test
  void logprobWritesTheInputColumnsThenLogProbAndAveragesToEvalsNll() {
    Path lp = dir.resolve("lp.csv");
    assertThat(run("logprob --model", model, "--data", test, "--out", lp)).isZero();
    Dataset d = read(lp);
    assertThat(d.columnNames()).containsExactly("x0", "x1", "log_prob");
    assertThat(d.rows()).isEqualTo(200);
    Dataset input = read(test);
    double sum = 0;
    for (int i = 0; i < d.rows(); i++) {
      assertThat(d.get(i, 0)).isEqualTo(input.get(i, 0));
      assertThat(d.get(i, 1)).isEqualTo(input.get(i, 1));
      sum += d.get(i, 2);
    }
    assertThat(run("eval --model", model, "--data", test, "--json")).isZero();
    double nll = (Double) FlatJson.parse(out.toString().strip()).get("nll_nats");
    assertThat(-sum / d.rows()).isCloseTo(nll, within(1e-4));
  }

  @Test
  void sampleWithLogProbAgreesWithLogprobOfTheSamples() {
    Path s = dir.resolve("s.csv");
    assertThat(run("sample --model", model, "-n 300 --with-logprob --seed 3 --out", s)).isZero();
    Dataset samples = read(s);
    assertThat(samples.columnNames()).containsExactly("x0", "x1", "log_prob");
    assertThat(samples.rows()).isEqualTo(300);
    Path values = dir.resolve("values.csv");
    CsvWriter.write(values, samples.select("x0", "x1"));
    Path lp = dir.resolve("lp.csv");
    assertThat(run("logprob --model", model, "--data", values, "--out", lp)).isZero();
    Dataset scored = read(lp);
    for (int i = 0; i < 300; i++) {
      double a = samples.get(i, 2);
      assertThat(scored.get(i, 2))
          .isCloseTo((float) a, within((float) (LOGPROB_TOLERANCE * (1 + Math.abs(a)))));
    }
  }

  @Test
  void theSameSeedGivesTheSameSamplesAndALowTemperatureNarrowsThem() {
    Path a = dir.resolve("a.csv");
    Path b = dir.resolve("b.csv");
    Path cold = dir.resolve("cold.csv");
    assertThat(run("sample --model", model, "-n 500 --seed 1 --out", a)).isZero();
    assertThat(run("sample --model", model, "-n 500 --seed 1 --out", b)).isZero();
    assertThat(run("sample --model", model, "-n 500 --seed 1 --temperature 0.3 --out", cold))
        .isZero();
    Dataset da = read(a);
    assertThat(da.columnNames()).containsExactly("x0", "x1");
    assertThat(da.column(0)).containsExactly(read(b).column(0));
    assertThat(spread(read(cold))).isLessThan(spread(da));
  }

  private static double spread(Dataset d) {
    double s = 0;
    for (int j = 0; j < d.columns(); j++) {
      double mean = 0;
      for (float v : d.column(j)) {
        mean += v;
      }
      mean /= d.rows();
      for (float v : d.column(j)) {
        s += (v - mean) * (v - mean);
      }
    }
    return s / d.rows();
  }

  @Test
  void encodeThenDecodeGivesTheDataBack() {
    Path z = dir.resolve("z.csv");
    Path x = dir.resolve("x.csv");
    assertThat(run("encode --model", model, "--data", test, "--out", z)).isZero();
    assertThat(run("decode --model", model, "--data", z, "--out", x)).isZero();
    Dataset dz = read(z);
    Dataset dx = read(x);
    Dataset input = read(test);
    assertThat(dz.columnNames()).containsExactly("z0", "z1");
    assertThat(dx.columnNames()).containsExactly("x0", "x1");
    for (int i = 0; i < input.rows(); i++) {
      for (int j = 0; j < 2; j++) {
        assertThat(dx.get(i, j)).isCloseTo(input.get(i, j), within((float) ROUND_TRIP_TOLERANCE));
      }
    }
  }

  @Test
  void infoDescribesTheModel() {
    assertThat(run("info --model", model)).isZero();
    assertThat(out.toString())
        .contains("preset:       realnvp, 2 layers, hidden 8,8")
        .contains("columns:      x0, x1 (2)")
        .contains("parameters:")
        .contains("40 of 40 steps");
    out.getBuffer().setLength(0);
    assertThat(run("info --json --model", model)).isZero();
    assertThat(io.flows4j.io.Json.parse(out.toString().strip()))
        .isInstanceOf(io.flows4j.io.Json.Obj.class);
  }

  @ParameterizedTest(name = "plot --kind {0}")
  @ValueSource(strings = {"density", "curve", "pairs"})
  void plotsArePngFiles(String kind) throws IOException {
    Path png = dir.resolve(kind + ".png");
    assertThat(
            run(
                "plot --model",
                model,
                "--data",
                test,
                "--grid 40 --points 100 --kind",
                kind,
                "--out",
                png))
        .isZero();
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isGreaterThan(400);
    assertThat(img.getHeight()).isGreaterThan(400);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(png);
    }
  }

  @Test
  void theDefaultPlotOfA2dModelIsItsDensityAndItsMassIsReported() throws IOException {
    Path png = dir.resolve("d.png");
    assertThat(run("plot --model", model, "--grid 60 --out", png)).isZero();
    assertThat(ImageIO.read(png.toFile())).isNotNull();
    assertThat(err.toString()).contains("probability mass on the plotted square");
  }

  @Test
  void demoWritesItsFilesIntoTheFolder() throws IOException {
    Path d = dir.resolve("demo");
    assertThat(run("demo --steps 20 --out", d)).as(err.toString()).isZero();
    for (String f :
        List.of(
            "density.png",
            "training-curve.png",
            "samples.csv",
            "model.flows4j",
            "train.csv",
            "test.csv")) {
      assertThat(d.resolve(f)).as(f).isRegularFile();
    }
    assertThat(ImageIO.read(d.resolve("density.png").toFile())).isNotNull();
    assertThat(read(d.resolve("samples.csv")).columnNames())
        .containsExactly("x0", "x1", "log_prob");
    assertThat(out.toString()).contains("test NLL:").contains("a Gaussian fitted to the same data");
  }

  @Test
  void fitReadsGzippedDataSelectsColumnsAndStandardizes() throws IOException {
    // Three columns, of which the model takes two (by name, reordered), standardized.
    Dataset moons = ToyData.MOONS.generate(400, 9);
    float[][] rows = new float[moons.rows()][];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = new float[] {moons.get(i, 0), 100f + i, 10 * moons.get(i, 1)};
    }
    Path gz = dir.resolve("wide.csv.gz");
    CsvWriter.write(gz, Dataset.of(List.of("a", "id", "b"), flatten(rows)));
    Path m = dir.resolve("std.flows4j");
    assertThat(
            run(
                "fit --data",
                gz,
                "--columns b,a --standardize --layers 1 --hidden 8 --steps 10 --validation 0 --out",
                m))
        .as(err.toString())
        .isZero();
    Map<String, Object> json = FlatJson.parse(out.toString().strip());
    assertThat(json).containsEntry("dim", 2.0).containsEntry("validation_rows", 0.0);
    out.getBuffer().setLength(0);
    assertThat(run("info --model", m)).isZero();
    assertThat(out.toString()).contains("columns:      b, a (2)").contains("standardize");
    // Scoring the wide file picks the model's columns by name.
    out.getBuffer().setLength(0);
    assertThat(run("eval --json --model", m, "--data", gz)).isZero();
    assertThat((Double) FlatJson.parse(out.toString().strip()).get("nll_nats")).isFinite();
  }

  @Test
  void benchW1QuickRunsTheProtocolOnTheDataFolder() throws IOException {
    Path data = dir.resolve("data");
    Files.createDirectories(data.resolve("2d"));
    CsvWriter.write(data.resolve("2d/moons-train.csv.gz"), ToyData.MOONS.generate(500, 1));
    CsvWriter.write(data.resolve("2d/moons-test.csv.gz"), ToyData.MOONS.generate(200, 2));
    assertThat(run("bench W1 --quick --steps 3 --model realnvp --threads 1 --data-dir", data))
        .as(err.toString())
        .isZero();
    String[] lines = out.toString().lines().toArray(String[]::new);
    assertThat(lines).hasSize(1);
    Map<String, Object> json = FlatJson.parse(lines[0]);
    assertThat(json)
        .containsKeys(
            "workload",
            "model",
            "dataset",
            "dim",
            "steps",
            "batch",
            "lr",
            "params",
            "threads",
            "seed",
            "train_sec",
            "sec_per_step_median",
            "test_nll_nats",
            "nonfinite_steps",
            "peak_rss_mb",
            "efficiency")
        .containsEntry("workload", "W1")
        .containsEntry("model", "realnvp")
        .containsEntry("dataset", "moons")
        .containsEntry("steps", 3.0)
        .containsEntry("batch", 256.0)
        .containsEntry("lr", 0.001)
        .containsEntry("seed", 0.0)
        .containsEntry("threads", 1.0);
    assertThat((Double) json.get("test_nll_nats")).isFinite();
  }

  @Test
  void benchW1WithoutItsFilesNamesTheMissingOne() throws IOException {
    Path data = Files.createDirectories(dir.resolve("empty-data"));
    assertThat(run("bench W1 --quick --data-dir", data)).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            "error: "
                + data.resolve("2d/moons-train.csv.gz")
                + ": no such file (the benchmark data sets live in shared/data beside the"
                + " repository; give their folder with --data-dir)"
                + System.lineSeparator());
  }

  private static float[] flatten(float[][] rows) {
    float[] v = new float[rows.length * rows[0].length];
    for (int i = 0; i < rows.length; i++) {
      System.arraycopy(rows[i], 0, v, i * rows[i].length, rows[i].length);
    }
    return v;
  }
}
