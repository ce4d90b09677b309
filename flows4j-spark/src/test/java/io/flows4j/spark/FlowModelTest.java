package io.flows4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.anomaly.AnomalyScorer;
import io.flows4j.data.Dataset;
import io.flows4j.flows.Presets;
import io.flows4j.model.FittedModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FlowModelTest {
  /** Spark's scores and the engine's agree to float rounding (the 1e-5). */
  private static final double PARITY = 1e-5;

  @TempDir Path dir;

  private static final StructType XYZ =
      new StructType()
          .add("id", DataTypes.IntegerType)
          .add("x", DataTypes.DoubleType, true)
          .add("y", DataTypes.DoubleType, true)
          .add("z", DataTypes.DoubleType, true);

  static List<String> families() {
    return Presets.NAMES;
  }

  private static org.apache.spark.sql.Dataset<Row> frame(Dataset d) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < d.rows(); i++) {
      rows.add(
          RowFactory.create(i, (double) d.get(i, 0), (double) d.get(i, 1), (double) d.get(i, 2)));
    }
    return SharedSpark.session().createDataFrame(rows, XYZ).repartition(3);
  }

  private static double[] byId(org.apache.spark.sql.Dataset<Row> scored, String column, int n) {
    double[] out = new double[n];
    Arrays.fill(out, Double.NaN);
    for (Row r : scored.select("id", column).collectAsList()) {
      out[r.getInt(0)] = r.isNullAt(1) ? Double.NEGATIVE_INFINITY : r.getDouble(1);
    }
    return out;
  }

  private Path save(FittedModel m, String name) throws IOException {
    Path file = dir.resolve(name + ".flows4j");
    m.save(file);
    return file;
  }

  @ParameterizedTest(name = "{0}: Spark log_prob equals the engine's on the same rows")
  @MethodSource("families")
  void scoresEqualTheEngineForEveryFamily(String family) throws IOException {
    Path file = save(TestModels.fitted(family), family);
    Dataset data = TestModels.data(300, 5);
    float[] expected = FittedModel.load(file).logProb(data);

    FlowModel.Scored s = FlowModel.fromFile(file).setBlockSize(64).score(frame(data));
    // One action (an orderBy would run the scoring once more to sample its ranges).
    List<Row> out = new ArrayList<>(s.rows().collectAsList());
    out.sort(java.util.Comparator.comparingInt(r -> r.getInt(0)));

    for (int i = 0; i < data.rows(); i++) {
      Row r = out.get(i);
      assertThat(r.getInt(0)).isEqualTo(i);
      assertThat(r.getDouble(4)).as("row %d", i).isCloseTo(expected[i], within(PARITY));
      assertThat(r.getDouble(5)).isCloseTo(-expected[i] / (3 * Math.log(2)), within(PARITY));
    }
    assertThat(s.rowCount().value()).isEqualTo(data.rows());
    assertThat(s.invalidCount().value()).isZero();
  }

  @Test
  void conditionalModelScoresEachRowAtItsContextAndNullsUnknownLabels() throws IOException {
    Path file = save(TestModels.conditional(), "cond");
    Dataset data = TestModels.data(200, 6);
    String[] labels = TestModels.labels(data);
    labels[0] = "a";
    labels[1] = "b";
    Map<String, String[]> ctx = new HashMap<>();
    ctx.put("kind", labels);
    float[] expected = FittedModel.load(file).logProb(data, ctx);

    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < data.rows(); i++) {
      String label = i == 2 ? "c" : labels[i];
      rows.add(
          RowFactory.create(
              i, (double) data.get(i, 0), (double) data.get(i, 1), (double) data.get(i, 2), label));
    }
    StructType schema = XYZ.add("kind", DataTypes.StringType);
    org.apache.spark.sql.Dataset<Row> df = SharedSpark.session().createDataFrame(rows, schema);

    FlowModel.Scored s = FlowModel.fromFile(file).score(df);
    double[] lp = byId(s.rows(), "log_prob", data.rows());

    for (int i = 0; i < data.rows(); i++) {
      if (i == 2) {
        assertThat(lp[i])
            .as("unknown label 'c' gets a null score")
            .isEqualTo(Double.NEGATIVE_INFINITY);
      } else {
        assertThat(lp[i]).as("row %d", i).isCloseTo(expected[i], within(PARITY));
      }
    }
    assertThat(s.invalidCount().value()).isEqualTo(1);
  }

  @Test
  void vectorColumnGivesTheSameScoresAsNumericColumns() throws IOException {
    Path file = save(TestModels.fitted("realnvp"), "rnvp");
    Dataset data = TestModels.data(100, 8);
    float[] expected = FittedModel.load(file).logProb(data);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < data.rows(); i++) {
      rows.add(RowFactory.create(i, Vectors.dense(data.get(i, 0), data.get(i, 1), data.get(i, 2))));
    }
    rows.add(RowFactory.create(data.rows(), Vectors.dense(1, 2)));
    StructType schema =
        new StructType().add("id", DataTypes.IntegerType).add("features", new VectorUDT());
    org.apache.spark.sql.Dataset<Row> df = SharedSpark.session().createDataFrame(rows, schema);

    FlowModel.Scored s = FlowModel.fromFile(file).setInputCol("features").score(df);
    double[] lp = byId(s.rows(), "log_prob", data.rows() + 1);

    for (int i = 0; i < data.rows(); i++) {
      assertThat(lp[i]).isCloseTo(expected[i], within(PARITY));
    }
    assertThat(lp[data.rows()])
        .as("a vector of 2 values for 3 features")
        .isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(s.invalidCount().value()).isEqualTo(1);
  }

  @Test
  void rowsWithNullsOrNonFiniteValuesGetNullScoresAndAreCounted() throws IOException {
    Path file = save(TestModels.fitted("maf"), "maf");
    List<Row> rows =
        List.of(
            RowFactory.create(0, 1.0, -2.0, 0.5),
            RowFactory.create(1, null, -2.0, 0.5),
            RowFactory.create(2, 1.0, Double.NaN, 0.5),
            RowFactory.create(3, 1.0, -2.0, Double.POSITIVE_INFINITY),
            RowFactory.create(4, 1e300, -2.0, 0.5));
    org.apache.spark.sql.Dataset<Row> df = SharedSpark.session().createDataFrame(rows, XYZ);

    FlowModel.Scored s = FlowModel.fromFile(file).score(df);
    double[] lp = byId(s.rows(), "log_prob", 5);

    assertThat(lp[0]).isFinite();
    for (int i = 1; i < 5; i++) {
      assertThat(lp[i]).as("row %d", i).isEqualTo(Double.NEGATIVE_INFINITY);
    }
    assertThat(s.invalidCount().value()).isEqualTo(4);
    assertThat(s.rowCount().value()).isEqualTo(5);
  }

  @Test
  void calibratedModelAddsPercentileAndAnomaly() throws IOException {
    FittedModel m =
        AnomalyScorer.calibrate(TestModels.fitted("maf"), TestModels.data(400, 9), 0.05);
    Path file = save(m, "cal");
    FittedModel loaded = FittedModel.load(file);
    Dataset data = TestModels.data(100, 10);
    float[] lp = loaded.logProb(data);

    List<Row> out = FlowModel.fromFile(file).transform(frame(data)).orderBy("id").collectAsList();

    StructType schema = out.get(0).schema();
    assertThat(schema.fieldNames()).endsWith("log_prob", "bits_per_dim", "percentile", "anomaly");
    for (int i = 0; i < data.rows(); i++) {
      Row r = out.get(i);
      assertThat(r.getDouble(6))
          .isEqualTo(loaded.calibration().orElseThrow().percentile(lp[i]), within(1e-9));
      assertThat(r.getBoolean(7)).isEqualTo(loaded.calibration().orElseThrow().isAnomaly(lp[i]));
    }
  }

  @Test
  void missingModelFileFailsOnTheDriverWithTheCliMessage() {
    Path missing = dir.resolve("nope.flows4j");
    assertThatThrownBy(() -> FlowModel.fromFile(missing))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage(missing + ": no such file");
  }

  @Test
  void corruptModelFileFailsOnTheDriverNamingTheFile() throws IOException {
    Path file = save(TestModels.fitted("maf"), "bad");
    byte[] b = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(b, b.length / 2));
    assertThatThrownBy(() -> FlowModel.fromFile(file))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageStartingWith(file + ": ")
        .hasMessageNotContaining("\n");
  }

  @Test
  void missingColumnIsNamed() throws IOException {
    Path file = save(TestModels.fitted("maf"), "m");
    org.apache.spark.sql.Dataset<Row> df = frame(TestModels.data(10, 1)).drop("y");
    assertThatThrownBy(() -> FlowModel.fromFile(file).transform(df))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("column 'y' does not exist");
  }

  @Test
  void wrongNumberOfInputColumnsAndExistingOutputColumnAreRefused() throws IOException {
    Path file = save(TestModels.fitted("maf"), "m");
    org.apache.spark.sql.Dataset<Row> df = frame(TestModels.data(10, 1));
    assertThatThrownBy(() -> FlowModel.fromFile(file).setInputCols("x", "y").transform(df))
        .hasMessage("the model takes 3 input columns, but 2 were given: [x, y]");
    assertThatThrownBy(() -> FlowModel.fromFile(file).setLogProbCol("x").transform(df))
        .hasMessageContaining("already has a column 'x'");
  }

  @Test
  void sqlFunctionScoresStructsArraysAndVectors() throws IOException {
    Path file = save(TestModels.fitted("realnvp"), "sql");
    Dataset data = TestModels.data(50, 12);
    float[] expected = FittedModel.load(file).logProb(data);
    SparkSession spark = SharedSpark.session();
    FlowSql.register(spark, FlowModel.fromFile(file));
    frame(data).createOrReplaceTempView("points");

    List<Row> out =
        spark
            .sql(
                "SELECT id, flows4j_log_prob(struct(z, x, y)), flows4j_log_prob(array(x, y, z)),"
                    + " flows4j_log_prob(array(x, y)) FROM points ORDER BY id")
            .collectAsList();

    for (int i = 0; i < data.rows(); i++) {
      assertThat(out.get(i).getDouble(1)).isCloseTo(expected[i], within(PARITY));
      assertThat(out.get(i).getDouble(2)).isCloseTo(expected[i], within(PARITY));
      assertThat(out.get(i).isNullAt(3)).as("two values for three features").isTrue();
    }
  }

  @Test
  void pipelineWithTheScorerSavesAndLoads() throws IOException {
    Path file = save(TestModels.fitted("nsf"), "pipe");
    Dataset data = TestModels.data(40, 13);
    float[] expected = FittedModel.load(file).logProb(data);
    org.apache.spark.ml.PipelineModel pipeline =
        new org.apache.spark.ml.Pipeline()
            .setStages(
                new org.apache.spark.ml.PipelineStage[] {
                  FlowModel.fromFile(file).setLogProbCol("lp").setBitsPerDimCol("")
                })
            .fit(frame(data));
    String saved = dir.resolve("pipeline").toString();

    pipeline.write().save(saved);
    org.apache.spark.ml.PipelineModel loaded = org.apache.spark.ml.PipelineModel.load(saved);
    List<Row> out = new ArrayList<>(loaded.transform(frame(data)).collectAsList());
    out.sort(java.util.Comparator.comparingInt(r -> r.getInt(0)));

    assertThat(out.get(0).schema().fieldNames()).containsExactly("id", "x", "y", "z", "lp");
    for (int i = 0; i < data.rows(); i++) {
      assertThat(out.get(i).getDouble(4)).isCloseTo(expected[i], within(PARITY));
    }
  }

  @Test
  void sqlFunctionNamesAMissingStructField() throws IOException {
    Path file = save(TestModels.fitted("maf"), "sqlmissing");
    SparkSession spark = SharedSpark.session();
    FlowSql.register(spark, "flows4j_lp_missing", FlowModel.fromFile(file));
    frame(TestModels.data(5, 14)).createOrReplaceTempView("few");

    assertThatThrownBy(
            () -> spark.sql("SELECT flows4j_lp_missing(struct(x, y)) FROM few").collectAsList())
        .hasStackTraceContaining(
            "the struct has no field 'z' (it has [x, y]); the model needs the fields [x, y, z]");
  }
}
