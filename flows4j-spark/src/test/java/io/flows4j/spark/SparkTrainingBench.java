package io.flows4j.spark;

import io.flows4j.data.CsvReader;
import io.flows4j.data.Dataset;
import io.flows4j.flows.Presets;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Threads;
import io.flows4j.training.TrainingConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The measurements of docs/design-notes.md, "Spark: data-parallel training": W3 of BENCHMARKS.md
 * (MAF 5 x MADE(256, 256) on fmnist-pca32, batch 512, its protocol: Adam 1e-3, no clipping,
 * validation or schedule, rows drawn with replacement, seed 0) trained by {@link FittedModel#fit}
 * on one machine or by {@link FlowEstimator} on a Spark master, one JSON line per run on standard
 * output. A test-scope program (not a test): run one mode per JVM, since the Spark path sets the
 * engine to one thread per JVM.
 *
 * <pre>
 * SparkTrainingBench single DATA_DIR STEPS
 * SparkTrainingBench spark  DATA_DIR STEPS MASTER PARTITIONS LOCAL_STEPS
 * </pre>
 */
final class SparkTrainingBench {
  private SparkTrainingBench() {}

  public static void main(String[] args) {
    String mode = args[0];
    Path dir = Path.of(args[1]);
    int steps = Integer.parseInt(args[2]);
    Dataset train = CsvReader.create().read(dir.resolve("train.csv.gz"));
    Dataset test = CsvReader.create().read(dir.resolve("test.csv.gz"));
    TrainingConfig config = TrainingConfig.benchmark(steps, 512);
    int d = train.columns();
    if (mode.equals("single")) {
      FittedModel m =
          FittedModel.fit(
              Presets.flow("maf", d, 5, new int[] {256, 256}, 0), train, null, false, config, null);
      var r = m.trainingResult().orElseThrow();
      System.out.printf(
          Locale.ROOT,
          "{\"mode\":\"single\",\"threads\":%d,\"steps\":%d,\"train_sec\":%.2f,\"steps_per_sec\":%.2f,"
              + "\"sec_per_step_median\":%.4f,\"test_nll\":%.4f}%n",
          Threads.count(),
          r.stepsRun(),
          r.trainSeconds(),
          r.stepsRun() / r.trainSeconds(),
          r.secPerStepMedian(),
          m.evaluate(test).meanNll());
      return;
    }
    String master = args[3];
    int partitions = Integer.parseInt(args[4]);
    int local = Integer.parseInt(args[5]);
    SparkSession spark =
        SparkSession.builder()
            .appName("flows4j W3 on Spark")
            .master(master)
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate();
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      StructType schema = new StructType();
      for (String c : train.columnNames()) {
        schema = schema.add(c, DataTypes.DoubleType);
      }
      List<Row> rows = new ArrayList<>(train.rows());
      for (int i = 0; i < train.rows(); i++) {
        Object[] v = new Object[d];
        for (int j = 0; j < d; j++) {
          v[j] = (double) train.get(i, j);
        }
        rows.add(RowFactory.create(v));
      }
      JavaRDD<Row> rdd = jsc.parallelize(rows, partitions);
      org.apache.spark.sql.Dataset<Row> df = spark.createDataFrame(rdd, schema);
      FlowEstimator.Result r =
          new FlowEstimator()
              .setFlow("maf")
              .setLayers(5)
              .setHidden(256, 256)
              .setStandardize(false)
              .setLocalSteps(local)
              .setTrainingConfig(config)
              .train(df, null);
      long params = r.model().fittedModel().parameterCount();
      double empty = DistributedTrainer.jobOverhead(jsc, partitions, (int) params, 50);
      FlowEstimator.Timings t = r.timings();
      int n = r.training().stepsRun();
      System.out.printf(
          Locale.ROOT,
          "{\"mode\":\"spark\",\"master\":\"%s\",\"partitions\":%d,\"local_steps\":%d,\"steps\":%d,"
              + "\"params\":%d,\"train_sec\":%.2f,\"steps_per_sec\":%.2f,\"jobs\":%d,"
              + "\"job_ms_per_step\":%.2f,\"compute_ms_per_step\":%.2f,\"driver_ms_per_step\":%.2f,"
              + "\"empty_job_ms\":%.2f,\"test_nll\":%.4f}%n",
          master,
          partitions,
          local,
          n,
          params,
          r.training().trainSeconds(),
          n / r.training().trainSeconds(),
          t.jobs(),
          t.jobSeconds() * 1e3 / n,
          t.computeSeconds() * 1e3 / n,
          t.driverSeconds() * 1e3 / n,
          empty * 1e3,
          r.model().fittedModel().evaluate(test).meanNll());
    } finally {
      spark.stop();
    }
  }
}
