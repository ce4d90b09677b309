package io.flows4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import io.flows4j.training.NonFiniteTrainingException;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingListener;
import io.flows4j.training.TrainingResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlowEstimatorTest {
  /**
   * How far above the generating Gaussian's entropy the test NLL of a fitted flow may be (nats):
   * the fit's own error on a few thousand rows is about {@code D (D + 3) / (4 N)} = 0.001, the rest
   * is what a short run leaves.
   */
  private static final double SYNC_GAP = 0.05;

  /** The same for local steps, which average parameters every few steps. */
  private static final double LOCAL_GAP = 0.1;

  /** Standard error of a mean NLL over the test rows is about 0.7 / sqrt(4000) = 0.011 nats. */
  private static final int TEST_ROWS = 4000;

  /** Steps of the fits that are to reach the entropy. */
  private static final int STEPS = 200;

  @TempDir Path dir;

  private static final StructType XY =
      new StructType()
          .add("x", DataTypes.DoubleType, true)
          .add("y", DataTypes.DoubleType, true)
          .add("kind", DataTypes.StringType, true);

  /** {@code x = A z + mu} with {@code A = [[1, 0], [0.8, 0.5]]}, {@code mu = (2, -1)}. */
  private static double[] gaussian(SplittableRandom r, String kind) {
    double a = TestModels.gauss(r);
    double b = TestModels.gauss(r);
    if ("b".equals(kind)) {
      // The second class: mean (-1, 3), A = [[0.5, 0], [0, 2]].
      return new double[] {-1 + 0.5 * a, 3 + 2 * b};
    }
    return new double[] {2 + a, -1 + 0.8 * a + 0.5 * b};
  }

  /** {@code 0.5 log((2 pi e)^2 det(A A^T))} of the two classes. */
  private static final double ENTROPY_A = Math.log(2 * Math.PI * Math.E) + Math.log(0.5);

  private static final double ENTROPY_B = Math.log(2 * Math.PI * Math.E) + Math.log(1.0);

  private static List<Row> rows(int n, long seed, boolean twoClasses) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String kind = twoClasses && r.nextBoolean() ? "b" : "a";
      double[] v = gaussian(r, kind);
      out.add(RowFactory.create(v[0], v[1], kind));
    }
    return out;
  }

  private static org.apache.spark.sql.Dataset<Row> frame(List<Row> rows) {
    return SharedSpark.session().createDataFrame(rows, XY);
  }

  private static Dataset values(List<Row> rows) {
    float[] v = new float[rows.size() * 2];
    for (int i = 0; i < rows.size(); i++) {
      v[2 * i] = (float) rows.get(i).getDouble(0);
      v[2 * i + 1] = (float) rows.get(i).getDouble(1);
    }
    return Dataset.of(List.of("x", "y"), v);
  }

  private static TrainingConfig config(int steps) {
    return TrainingConfig.defaults()
        .withSteps(steps)
        .withBatchSize(256)
        .withLearningRate(5e-3)
        .withSeed(7);
  }

  private static FlowEstimator maf() {
    return new FlowEstimator().setInputCols("x", "y").setFlow("maf").setLayers(2).setHidden(16);
  }

  @Test
  @DisplayName("synchronous fit of a 2-D Gaussian reaches its entropy (seeds 1, 2)")
  void synchronousFitReachesTheEntropy() {
    FlowEstimator.Result r =
        maf().setTrainingConfig(config(STEPS)).train(frame(rows(4000, 1, false)), null);

    double nll = r.model().fittedModel().evaluate(values(rows(TEST_ROWS, 2, false))).meanNll();
    assertThat(nll).isBetween(ENTROPY_A - 0.05, ENTROPY_A + SYNC_GAP);
    TrainingResult t = r.training();
    assertThat(t.stepsRun()).isPositive().isLessThanOrEqualTo(STEPS);
    assertThat(r.trainRows() + r.validationRows()).isEqualTo(4000);
    assertThat(r.validationRows()).isEqualTo(400);
    assertThat(r.invalidRows()).isZero();
    assertThat(t.bestValidationNll()).isCloseTo(ENTROPY_A, within(0.1));
    assertThat(r.timings().jobs()).isGreaterThanOrEqualTo(t.stepsRun());
  }

  @Test
  @DisplayName("local steps (K = 4) reach the entropy with a quarter of the jobs (seeds 1, 2)")
  void localStepsReachTheEntropyWithFewerJobs() {
    FlowEstimator.Result r =
        maf()
            .setLocalSteps(4)
            .setTrainingConfig(config(STEPS))
            .train(frame(rows(4000, 1, false)), null);

    double nll = r.model().fittedModel().evaluate(values(rows(TEST_ROWS, 2, false))).meanNll();
    assertThat(nll).isBetween(ENTROPY_A - 0.05, ENTROPY_A + LOCAL_GAP);
    TrainingResult t = r.training();
    int evaluations = t.history().size();
    assertThat(r.timings().jobs()).isLessThanOrEqualTo((t.stepsRun() + 3) / 4 + evaluations);
    assertThat(r.localSteps()).isEqualTo(4);
    assertThat(r.model().fittedModel().metadata()).containsEntry("flows4j.spark.local_steps", "4");
  }

  @Test
  @DisplayName("a conditional fit learns both classes' Gaussians (seeds 3, 4)")
  void conditionalFitLearnsEachClass() {
    FlowEstimator.Result r =
        maf()
            .setContextCols("kind")
            .setTrainingConfig(config(STEPS))
            .train(frame(rows(4000, 3, true)), null);

    FittedModel m = r.model().fittedModel();
    assertThat(m.isConditional()).isTrue();
    assertThat(m.contextEncoding().orElseThrow().columns().get(0).labels())
        .containsExactlyInAnyOrder("a", "b");
    List<Row> test = rows(TEST_ROWS, 4, true);
    String[] kinds = new String[test.size()];
    double expected = 0;
    for (int i = 0; i < kinds.length; i++) {
      kinds[i] = test.get(i).getString(2);
      expected += kinds[i].equals("a") ? ENTROPY_A : ENTROPY_B;
    }
    expected /= kinds.length;
    Map<String, String[]> ctx = new HashMap<>();
    ctx.put("kind", kinds);
    double nll = m.evaluate(values(test), ctx).meanNll();
    assertThat(nll).isBetween(expected - 0.05, expected + SYNC_GAP);
    // The model scores on Spark as it was trained: the same rows through the transformer.
    double spark =
        r.model()
            .transform(frame(test))
            .agg(org.apache.spark.sql.functions.avg("log_prob"))
            .first()
            .getDouble(0);
    assertThat(-spark).isCloseTo(nll, within(1e-4));
  }

  @Test
  @DisplayName("a run resumed from its checkpoint ends where the uninterrupted run ends (seed 5)")
  void resumedRunMatchesTheUninterruptedRun() throws IOException {
    org.apache.spark.sql.Dataset<Row> df = frame(rows(1500, 5, false));
    TrainingConfig c = config(40).withEarlyStopping(10, 0, true);
    FlowModel whole = maf().setTrainingConfig(c).fit(df);

    Path ckpt = dir.resolve("run.ckpt");
    FlowEstimator first =
        maf().setTrainingConfig(c).setCheckpointPath(ckpt.toString()).setCheckpointInterval(20);
    assertThatThrownBy(() -> first.train(df, failAt(25)))
        .hasMessage("simulated failure at step 25");
    assertThat(TrainingCheckpoint.read(ckpt).step()).isEqualTo(20);

    FlowEstimator.Result resumed =
        maf()
            .setTrainingConfig(c)
            .setCheckpointPath(ckpt.toString())
            .setCheckpointInterval(20)
            .setResume(true)
            .train(df, null);

    assertThat(resumed.resumedFromStep()).isEqualTo(20);
    assertThat(resumed.training().stepsRun()).isEqualTo(40);
    assertThat(TrainingCheckpoint.read(ckpt).step()).isEqualTo(40);
    Dataset test = values(rows(500, 6, false));
    float[] expected = whole.fittedModel().logProb(test);
    float[] actual = resumed.model().fittedModel().logProb(test);
    for (int i = 0; i < expected.length; i++) {
      assertThat(actual[i]).as("row %d", i).isEqualTo(expected[i]);
    }
    Path file = dir.resolve("model.flows4j");
    resumed.model().writeModelFile(file);
    assertThat(FittedModel.load(file).logProb(test)).containsExactly(actual);

    assertThatThrownBy(
            () ->
                maf()
                    .setTrainingConfig(c.withLearningRate(1e-3))
                    .setCheckpointPath(ckpt.toString())
                    .setResume(true)
                    .train(df, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "FlowEstimator: resume: the checkpoint "
                + ckpt
                + " was written with other settings: training")
        .hasMessageNotContaining("\n");
    assertThatThrownBy(() -> maf().setTrainingConfig(c).setCheckpointPath(ckpt.toString()).fit(df))
        .hasMessage(
            "FlowEstimator: "
                + ckpt
                + " exists: continue it with resume, or delete it to start afresh");
  }

  private static TrainingListener failAt(int step) {
    return new TrainingListener() {
      @Override
      public void onStep(Progress p) {
        if (p.step() == step) {
          throw new IllegalStateException("simulated failure at step " + step);
        }
      }
    };
  }

  @Test
  @DisplayName("rows with nulls, NaN or vectors of another length are dropped and counted")
  void invalidRowsAreDroppedAndCounted() {
    SplittableRandom r = new SplittableRandom(8);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      double[] v = gaussian(r, "a");
      rows.add(RowFactory.create(i, Vectors.dense(v[0], v[1])));
    }
    rows.add(RowFactory.create(300, null));
    rows.add(RowFactory.create(301, Vectors.dense(1, Double.NaN)));
    rows.add(RowFactory.create(302, Vectors.dense(1, 2, 3)));
    rows.add(RowFactory.create(303, Vectors.dense(Double.POSITIVE_INFINITY, 2)));
    StructType schema =
        new StructType().add("id", DataTypes.IntegerType).add("features", new VectorUDT());
    org.apache.spark.sql.Dataset<Row> df = SharedSpark.session().createDataFrame(rows, schema);

    FlowEstimator.Result res =
        new FlowEstimator()
            .setInputCol("features")
            .setFlow("realnvp")
            .setLayers(2)
            .setHidden(8)
            .setTrainingConfig(config(5))
            .train(df, null);

    assertThat(res.invalidRows()).isEqualTo(4);
    assertThat(res.trainRows() + res.validationRows()).isEqualTo(300);
    assertThat(res.summary()).contains("4 invalid rows dropped");
    assertThat(res.model().fittedModel().columnNames()).containsExactly("x0", "x1");
    assertThat(res.model().fittedModel().metadata())
        .containsEntry("flows4j.spark.invalid_rows", "4");
  }

  @Test
  @DisplayName("bad settings are refused with one-line messages before any job runs")
  void badSettingsAreRefused() {
    org.apache.spark.sql.Dataset<Row> df = frame(rows(50, 9, false));
    assertThatThrownBy(() -> new FlowEstimator().setFlow("glow"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "FlowEstimator: flow must be one of realnvp, maf, nsf, nsf-ar, nice, planar, radial,"
                + " sylvester, residual, but was 'glow'");
    assertThatThrownBy(() -> new FlowEstimator().setLocalSteps(0))
        .hasMessage("FlowEstimator: localSteps must be >= 1, but was 0");
    assertThatThrownBy(() -> new FlowEstimator().setInputCols("x", "w").fit(df))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("FlowEstimator: column 'w' does not exist; the data has [x, y, kind]");
    assertThatThrownBy(() -> new FlowEstimator().setContextCols("colour").fit(df))
        .hasMessageContaining("column 'colour' does not exist");
    assertThatThrownBy(() -> new FlowEstimator().setFlow("planar").setContextCols("kind").fit(df))
        .hasMessageStartingWith("FlowEstimator: flow planar has no conditional version");
    assertThatThrownBy(() -> new FlowEstimator().setInputCols("x").fit(df))
        .hasMessageStartingWith("flow realnvp: a coupling flow needs at least 2 features");
    assertThatThrownBy(() -> new FlowEstimator().setResume(true).fit(df))
        .hasMessage("FlowEstimator: resume needs a checkpointPath");
    assertThatThrownBy(
            () ->
                new FlowEstimator()
                    .transformSchema(new StructType().add("s", DataTypes.StringType)))
        .hasMessageStartingWith("FlowEstimator: the data have no numeric column to model");
  }

  @Test
  @DisplayName("a step whose loss is not finite stops the run with a one-line error naming it")
  void nonFiniteStepIsNamed() {
    TrainingConfig wild =
        TrainingConfig.defaults()
            .withSteps(20)
            .withBatchSize(64)
            .withLearningRate(1e30)
            .withMaxGradNorm(0)
            .withSeed(1);
    org.apache.spark.sql.Dataset<Row> df = frame(rows(300, 10, false));
    assertThatThrownBy(() -> maf().setStandardize(false).setTrainingConfig(wild).fit(df))
        .isInstanceOf(NonFiniteTrainingException.class)
        .hasMessageStartingWith("FlowEstimator: step ")
        .hasMessageContaining(" of 20: ")
        .hasMessageNotContaining("\n")
        .satisfies(e -> assertThat(((NonFiniteTrainingException) e).step()).isBetween(2, 20));
  }
}
