package io.flows4j.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Losses;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.BatchDensity;
import io.flows4j.training.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The gradient the cluster computes for a step is the gradient of the mean NLL of the whole
 * minibatch, however the rows are spread over partitions.
 */
class DistributedGradientTest {
  /**
   * Largest difference per element, relative to the largest element of the reference gradient: the
   * two differ only in the order of float additions (per-partition sums, then their sum).
   */
  private static final double RELATIVE = 1e-5;

  /** The NLL sums are taken in double on both sides. */
  private static final double NLL_RELATIVE = 1e-9;

  @ParameterizedTest(
      name = "{0} over {1} partitions: combined gradient equals the single-process one (seed 31)")
  @CsvSource({"maf, 1", "maf, 3", "maf, 8", "residual, 1", "residual, 3", "residual, 8"})
  void combinedGradientEqualsTheSingleProcessGradient(String family, int partitions)
      throws IOException {
    FittedModel fitted = TestModels.fitted(family);
    ModelBytes bytes = ModelBytes.of(fitted, family);
    Dataset rows = TestModels.data(203, 31);
    int d = rows.columns();

    float[] state;
    double[] expected;
    double expectedNll;
    FittedModel ref = loadCopy(bytes);
    Module module = ref.module();
    state = ParameterLayout.of(module).bind(module).state();
    expected = referenceGradient(BatchDensity.of(ref.flow()), module, rows.toTensor());
    expectedNll = -sum(ref.logProb(rows));

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SharedSpark.session().sparkContext());
    List<TrainingBlock> blocks = new ArrayList<>();
    int n = rows.rows();
    float[] all = rows.toTensor().data();
    for (int p = 0; p < partitions; p++) {
      int from = p * n / partitions;
      int to = (p + 1) * n / partitions;
      float[] v = Arrays.copyOfRange(all, from * d, to * d);
      blocks.add(new TrainingBlock(p, d, d, to - from, v, 0, new float[0]));
    }
    JavaRDD<TrainingBlock> rdd = jsc.parallelize(blocks, partitions);
    Broadcast<ModelBytes> b = jsc.broadcast(bytes);
    FittedModel driver = loadCopy(bytes);
    StepPlan plan =
        new StepPlan(
            b,
            ParameterLayout.of(driver.module()),
            d,
            false,
            0,
            true,
            null,
            null,
            TrainingConfig.defaults(),
            1);

    StepSum s = DistributedTrainer.gradient(jsc, rdd, plan, state, 0);

    assertThat(s.partitions).isEqualTo(partitions);
    assertThat(s.nllRows).isEqualTo(n);
    assertThat(s.weight).isEqualTo(n);
    assertThat(s.nll).isCloseTo(expectedNll, within(NLL_RELATIVE * Math.abs(expectedNll) + 1e-3));
    double scale = 0;
    for (double g : expected) {
      scale = Math.max(scale, Math.abs(g));
    }
    double[] sum = s.total();
    assertThat(sum).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat(sum[i] / s.weight)
          .as("gradient element %d of %d", i, expected.length)
          .isCloseTo(expected[i], within(RELATIVE * scale));
    }
    b.destroy();
  }

  /** The tape's gradient of the mean NLL of all rows, parameters in layout order. */
  private static double[] referenceGradient(BatchDensity density, Module module, Tensor x) {
    List<Parameter> params = module.parameters();
    module.zeroGrad();
    module.train();
    try (Tape tape = Tape.record()) {
      Var loss = Losses.meanNegative(density.logProb(tape.input(x)));
      tape.backward(loss);
    } finally {
      module.eval();
    }
    int size = 0;
    for (Parameter p : params) {
      size += p.size();
    }
    double[] out = new double[size];
    int at = 0;
    for (Parameter p : params) {
      Tensor g = p.grad();
      for (int i = 0; i < g.size(); i++) {
        out[at + i] = g.data()[g.offset() + i];
      }
      at += g.size();
    }
    return out;
  }

  private static double sum(float[] v) {
    double s = 0;
    for (float x : v) {
      s += x;
    }
    return s;
  }

  static FittedModel loadCopy(ModelBytes bytes) throws IOException {
    Path tmp = Files.createTempFile("flows4j-test", ".flows4j");
    try {
      Files.write(tmp, bytes.content());
      return FittedModel.load(tmp);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }
}
