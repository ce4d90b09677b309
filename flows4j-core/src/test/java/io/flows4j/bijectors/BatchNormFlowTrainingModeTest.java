package io.flows4j.bijectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Tape;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * BatchNormFlow in training mode (batch statistics), the running statistics, and both directions in
 * both modes. The evaluation mode meets the bijector contract ({@link BatchNormFlowTest}).
 */
class BatchNormFlowTrainingModeTest {
  private static final long SEED = 31337L;

  private static final double TOL = 1e-5;

  private static Transformed forward(BatchNormFlow b, Tensor x) {
    try (Tape t = Tape.noGrad()) {
      return b.forward(t.input(x));
    }
  }

  private static Transformed inverse(BatchNormFlow b, Tensor z) {
    try (Tape t = Tape.noGrad()) {
      return b.inverse(t.input(z));
    }
  }

  /** Per-feature mean and biased variance of a [B, D] tensor, in double. */
  private static double[][] moments(Tensor x) {
    int n = x.dim(0);
    int d = x.dim(1);
    double[][] m = new double[2][d];
    for (int j = 0; j < d; j++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        s += x.getFlat(i * d + j);
      }
      double mean = s / n;
      double v = 0;
      for (int i = 0; i < n; i++) {
        double dev = x.getFlat(i * d + j) - mean;
        v += dev * dev;
      }
      m[0][j] = mean;
      m[1][j] = v / n;
    }
    return m;
  }

  @Test
  @DisplayName(
      "training-mode forward normalises the batch; log-det = sum(logGamma - 0.5 log(var + eps)) per row")
  void normalisesTheBatch() {
    BatchNormFlow b = new BatchNormFlow(3);
    float[] logGamma = {0.3f, -0.2f, 0f};
    float[] beta = {1f, 0f, -2f};
    for (int c = 0; c < 3; c++) {
      b.parameters().get(0).value().setFlat(c, logGamma[c]);
      b.parameters().get(1).value().setFlat(c, beta[c]);
    }
    Tensor x = new Rng(SEED).fillNormal(Tensor.zeros(50, 3), 4, 3);
    double[][] mx = moments(x);
    Transformed t = forward(b, x);
    double[][] mz = moments(t.value().value());
    double expectedLogDet = 0;
    for (int c = 0; c < 3; c++) {
      double gamma = Math.exp(logGamma[c]);
      assertThat(mz[0][c]).as("mean of feature %d", c).isCloseTo(beta[c], Offset.offset(TOL));
      assertThat(mz[1][c])
          .as("variance of feature %d", c)
          .isCloseTo(gamma * gamma * mx[1][c] / (mx[1][c] + 1e-5), Offset.offset(TOL));
      expectedLogDet += logGamma[c] - 0.5 * Math.log(mx[1][c] + BatchNormFlow.DEFAULT_EPS);
    }
    for (int i = 0; i < 50; i++) {
      assertThat((double) t.logAbsDet().value().getFlat(i))
          .isCloseTo(expectedLogDet, Offset.offset(TOL));
    }
  }

  @Test
  @DisplayName(
      "running statistics follow (1 - momentum) old + momentum batch, with the unbiased variance")
  void runningStatistics() {
    double momentum = 0.25;
    BatchNormFlow b = new BatchNormFlow(2, 1e-5, momentum);
    double[] rm = {0, 0};
    double[] rv = {1, 1};
    Rng rng = new Rng(SEED);
    for (int step = 0; step < 3; step++) {
      Tensor x = rng.fillNormal(Tensor.zeros(10, 2), step, 1 + step);
      double[][] m = moments(x);
      forward(b, x);
      for (int c = 0; c < 2; c++) {
        rm[c] = (1 - momentum) * rm[c] + momentum * m[0][c];
        rv[c] = (1 - momentum) * rv[c] + momentum * m[1][c] * 10 / 9;
      }
    }
    for (int c = 0; c < 2; c++) {
      assertThat((double) b.runningMean().getFlat(c)).isCloseTo(rm[c], Offset.offset(TOL));
      assertThat((double) b.runningVar().getFlat(c)).isCloseTo(rv[c], Offset.offset(TOL));
    }
    // Evaluation mode neither uses nor changes the batch's statistics.
    b.eval();
    float[] before = b.runningMean().toArray();
    Tensor x = rng.fillNormal(Tensor.zeros(10, 2), 100, 1);
    Tensor z = forward(b, x).value().value();
    assertThat(b.runningMean().toArray()).containsExactly(before);
    for (int i = 0; i < 20; i++) {
      int c = i % 2;
      double expected = (x.getFlat(i) - rm[c]) / Math.sqrt(rv[c] + 1e-5);
      assertThat((double) z.getFlat(i))
          .isCloseTo(expected, Offset.offset(1e-4 * Math.abs(expected)));
    }
  }

  @Test
  @DisplayName(
      "inverse uses the running statistics in both modes, and is the eval-mode forward's inverse")
  void inverseInBothModes() {
    BatchNormFlow b = new BatchNormFlow(3);
    BatchNormFlowTest.warmUp(b, Shape.of(16, 3), SEED);
    BijectorContractTest.perturb(b, SEED, 0.3);
    Tensor z = new Rng(SEED + 1).fillNormal(Tensor.zeros(4, 3), 0, 1);
    b.train();
    float[] runningBefore = b.runningMean().toArray();
    Transformed inTraining = inverse(b, z);
    assertThat(b.runningMean().toArray())
        .as("inverse leaves the running mean")
        .containsExactly(runningBefore);
    b.eval();
    Transformed inEval = inverse(b, z);
    assertThat(inTraining.value().value().toArray())
        .containsExactly(inEval.value().value().toArray());
    assertThat(inTraining.logAbsDet().value().toArray())
        .containsExactly(inEval.logAbsDet().value().toArray());
    Tensor back = forward(b, inEval.value().value()).value().value();
    assertThat(back.allClose(z, 1e-5f)).isTrue();
  }

  @Test
  @DisplayName(
      "the training-mode op's gradients (through the batch statistics, value and log-det) match finite differences (seed 31337)")
  void trainingGradients() {
    for (int[] dims : new int[][] {{6, 3}, {3, 3, 2, 2}}) {
      Tensor x = GradCheck.uniform(SEED, -2, 2, dims);
      Tensor lg = GradCheck.uniform(SEED + 1, -0.5, 0.5, 3);
      Tensor beta = GradCheck.uniform(SEED + 2, -1, 1, 3);
      Tensor w = GradCheck.randomLike(x, SEED + 3);
      GradCheck.check(
          v ->
              ElementwiseMapsTest.both(
                  BatchNormFlow.batchForward(
                      v[0], v[1], v[2], 1e-3, ChannelLayout.of("t", v[0].shape(), 3), null, null),
                  w),
          SEED,
          x,
          lg,
          beta);
      GradCheck.check(
          v ->
              BatchNormFlow.batchForward(
                      v[0], v[1], v[2], 1e-3, ChannelLayout.of("t", v[0].shape(), 3), null, null)
                  .logAbsDet(),
          SEED,
          x,
          lg,
          beta);
      GradCheck.check(
          v ->
              BatchNormFlow.batchForward(
                      v[0], v[1], v[2], 1e-3, ChannelLayout.of("t", v[0].shape(), 3), null, null)
                  .value(),
          SEED,
          x,
          lg,
          beta);
    }
  }

  @Test
  @DisplayName("training mode refuses a batch of one row; arguments are checked")
  void badArguments() {
    BatchNormFlow b = new BatchNormFlow(2);
    assertThatThrownBy(() -> forward(b, Tensor.zeros(1, 2)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "BatchNormFlow.forward: training mode needs at least 2 values per channel to estimate"
                + " a variance, but the batch holds 1 (shape [1, 2]); use eval() for single rows");
    b.eval();
    assertThat(forward(b, Tensor.zeros(1, 2)).value().shape()).isEqualTo(Shape.of(1, 2));
    assertThatThrownBy(() -> new BatchNormFlow(2, 0, 0.1))
        .hasMessage("BatchNormFlow: eps must be > 0, but was 0.0");
    assertThatThrownBy(() -> new BatchNormFlow(2, 1e-5, 0))
        .hasMessage("BatchNormFlow: momentum must be in (0, 1], but was 0.0");
    assertThatThrownBy(() -> new BatchNormFlow(2, 1e-5, 1.5)).hasMessageContaining("but was 1.5");
  }
}
