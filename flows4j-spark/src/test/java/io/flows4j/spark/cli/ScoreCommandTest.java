package io.flows4j.spark.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.data.CsvReader;
import io.flows4j.data.Dataset;
import io.flows4j.flows.Presets;
import io.flows4j.model.FittedModel;
import io.flows4j.spark.SharedSpark;
import io.flows4j.training.TrainingConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScoreCommandTest {
  /** The command's scores equal the engine's to float rounding (the 1e-5). */
  private static final double PARITY = 1e-5;

  @TempDir static Path dir;
  private static Path model;
  private static Path csv;
  private static float[] expected;

  @BeforeAll
  static void fitModelAndWriteRows() throws IOException {
    SharedSpark.session();
    StringBuilder sb = new StringBuilder("id,a,b\n");
    List<float[]> rows = new ArrayList<>();
    java.util.SplittableRandom r = new java.util.SplittableRandom(4);
    float[] values = new float[400 * 2];
    for (int i = 0; i < 400; i++) {
      values[2 * i] = (float) (r.nextDouble() * 2 - 1);
      values[2 * i + 1] = (float) (values[2 * i] * values[2 * i] + 0.1 * r.nextDouble());
      rows.add(new float[] {values[2 * i], values[2 * i + 1]});
      sb.append(String.format(Locale.ROOT, "%d,%s,%s%n", i, values[2 * i], values[2 * i + 1]));
    }
    Dataset d = Dataset.of(List.of("a", "b"), values);
    FittedModel m =
        FittedModel.fit(
            Presets.flow("realnvp", 2, 4, new int[] {16}, 1),
            d,
            null,
            true,
            TrainingConfig.defaults().withSteps(50).withBatchSize(64).withSeed(2),
            null);
    model = dir.resolve("m.flows4j");
    m.save(model);
    csv = dir.resolve("rows.csv");
    Files.writeString(csv, sb.toString());
    expected =
        FittedModel.load(model).logProb(CsvReader.create().select(List.of("a", "b")).read(csv));
  }

  private record Result(int status, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = SparkMain.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(status, out.toString(), err.toString());
  }

  @Test
  void scoresCsvIntoCsvAndParquetWithTheEngineScores() {
    for (String name : List.of("out.csv", "out.parquet")) {
      Path outPath = dir.resolve(name);
      Result r =
          run(
              "score",
              "--model",
              model.toString(),
              "--input",
              csv.toString(),
              "--output",
              outPath.toString());

      assertThat(r.status()).as(r.err()).isZero();
      assertThat(r.err()).contains("scored 400 rows").contains("no invalid rows");
      var spark = SharedSpark.session();
      List<Row> rows =
          (name.endsWith(".csv")
                  ? spark
                      .read()
                      .option("header", "true")
                      .option("inferSchema", "true")
                      .csv(outPath.toString())
                  : spark.read().parquet(outPath.toString()))
              .select("id", "log_prob")
              .collectAsList();
      assertThat(rows).hasSize(400);
      for (Row row : rows) {
        int id = Integer.parseInt(row.get(0).toString());
        assertThat(((Number) row.get(1)).doubleValue()).isCloseTo(expected[id], within(PARITY));
      }
    }
  }

  @Test
  void badCellsGetEmptyScoresAndAreCountedInTheSummary() throws IOException {
    Path in = dir.resolve("bad.csv");
    Files.writeString(in, "a,b\n0.1,0.2\n,0.3\nabc,0.1\nNaN,1\n");
    Result r =
        run(
            "score",
            "--model",
            model.toString(),
            "--input",
            in.toString(),
            "--output",
            dir.resolve("bad-out.csv").toString());

    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.err()).contains("scored 4 rows").contains("3 rows got empty scores");
  }

  @Test
  void missingModelFailsBeforeSparkWithTheCliMessage() {
    Path missing = dir.resolve("none.flows4j");
    Result r =
        run(
            "score",
            "--model",
            missing.toString(),
            "--input",
            csv.toString(),
            "--output",
            dir.resolve("x.csv").toString());

    assertThat(r.status()).isEqualTo(1);
    assertThat(r.err()).isEqualTo("error: " + missing + ": no such file" + System.lineSeparator());
  }

  @Test
  void missingColumnExistingOutputAndUnknownExtensionAreOneLineErrors() throws IOException {
    Path other = dir.resolve("other.csv");
    Files.writeString(other, "a,c\n1,2\n");
    Result missingColumn =
        run(
            "score",
            "--model",
            model.toString(),
            "--input",
            other.toString(),
            "--output",
            dir.resolve("y.csv").toString());
    assertThat(missingColumn.status()).isEqualTo(2);
    assertThat(missingColumn.err()).startsWith("error: column 'b' does not exist").hasLineCount(1);
    assertThat(dir.resolve("y.csv")).doesNotExist();

    Path existing = Files.createDirectories(dir.resolve("exists.csv"));
    Result exists =
        run(
            "score",
            "--model",
            model.toString(),
            "--input",
            csv.toString(),
            "--output",
            existing.toString());
    assertThat(exists.err()).contains("exists already (use --overwrite");

    Result ext =
        run(
            "score",
            "--model",
            model.toString(),
            "--input",
            csv.toString(),
            "--output",
            dir.resolve("z.json").toString());
    assertThat(ext.err()).contains("the name must end in .csv, .csv.gz or .parquet");

    Result empty =
        run(
            "score",
            "--model",
            model.toString(),
            "--input",
            Files.writeString(dir.resolve("empty.csv"), "").toString(),
            "--output",
            dir.resolve("e.csv").toString());
    assertThat(empty.err()).contains("the file is empty");
  }
}
