package io.flows4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flows4j.bijectors.Standardization;
import io.flows4j.data.Dataset;
import io.flows4j.data.Standardizer;
import io.flows4j.model.FittedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Scoring and training with executors in separate JVMs ({@code local-cluster[2,1,1024]}: two
 * workers of one core), where the model, the parameters and the results cross process boundaries as
 * they do on a cluster. Runs in its own surefire execution (see the module's pom), with its own
 * session, stopped at the end.
 */
class LocalClusterTest {
  /** Spark's scores and the engine's agree to float rounding (the 1e-5). */
  private static final double PARITY = 1e-5;

  private static final StructType XYZ =
      new StructType()
          .add("id", DataTypes.IntegerType)
          .add("x", DataTypes.DoubleType)
          .add("y", DataTypes.DoubleType)
          .add("z", DataTypes.DoubleType);

  @Test
  @DisplayName("separate executor JVMs score as the engine does and train a flow (seeds 12, 13)")
  void scoresAndTrainsOnSeparateExecutors() throws IOException {
    // Set by the module's pom for the execution that runs this class (-Dtest also runs it in the
    // default execution, where there is no launcher environment).
    assumeTrue(System.getenv("SPARK_TESTING") != null, "runs in the local-cluster execution");
    String home = System.getenv("SPARK_HOME");
    Files.createDirectories(Path.of(home, "jars"));
    SparkSession spark =
        SparkSession.builder()
            .appName("flows4j local-cluster test")
            .master("local-cluster[2,1,1024]")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate();
    try {
      Dataset data = TestModels.data(600, 12);
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < data.rows(); i++) {
        rows.add(
            RowFactory.create(
                i, (double) data.get(i, 0), (double) data.get(i, 1), (double) data.get(i, 2)));
      }
      org.apache.spark.sql.Dataset<Row> df = spark.createDataFrame(rows, XYZ).repartition(4);

      List<Long> pids = df.mapPartitions(pid(), Encoders.LONG()).collectAsList();
      Set<Long> executors = new HashSet<>(pids);
      executors.remove(ProcessHandle.current().pid());
      assertThat(executors).as("executor processes other than this one").isNotEmpty();

      FittedModel fitted = TestModels.fitted("maf");
      float[] expected = fitted.logProb(data);
      List<Row> scored =
          FlowModel.of(fitted).transform(df).select("id", "log_prob").collectAsList();
      assertThat(scored).hasSize(data.rows());
      for (Row r : scored) {
        assertThat(r.getDouble(1)).isCloseTo(expected[r.getInt(0)], within(PARITY));
      }

      FlowEstimator.Result res =
          new FlowEstimator()
              .setInputCols("x", "y", "z")
              .setFlow("maf")
              .setLayers(2)
              .setHidden(16)
              .setTrainingConfig(
                  TestModels.quick(30).withLearningRate(5e-3).withEarlyStopping(10, 0, true))
              .train(df, null);
      assertThat(res.partitions()).isEqualTo(4);
      assertThat(res.training().stepsRun()).isEqualTo(30);
      Dataset test = TestModels.data(400, 13);
      double before =
          FlowEstimator.initialModel(
                  "maf",
                  3,
                  new int[] {16},
                  TestModels.quick(30).seed(),
                  TestModels.COLUMNS,
                  null,
                  standardizer(res.model().fittedModel()))
              .evaluate(test)
              .meanNll();
      double after = res.model().fittedModel().evaluate(test).meanNll();
      assertThat(after)
          .as("test NLL after 30 steps vs the untrained flow")
          .isLessThan(before - 0.1);
      assertThat(res.training().bestValidationNll()).isFinite();
    } finally {
      spark.stop();
    }
  }

  /** Built in a static method so that the function captures nothing of the test. */
  private static MapPartitionsFunction<Row, Long> pid() {
    return it -> List.of(ProcessHandle.current().pid()).iterator();
  }

  /** The standardization a model was trained with. */
  private static Standardizer standardizer(FittedModel m) {
    Standardization s = m.standardization().orElseThrow();
    return new Standardizer(m.columnNames(), s.mean(), s.std(), List.of());
  }
}
