package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LossesTest {

  private static double normalLogDensity(double x, double mean, double logStd) {
    double sigma = Math.exp(logStd);
    return -0.5 * Math.pow((x - mean) / sigma, 2) - Math.log(sigma * Math.sqrt(2 * Math.PI));
  }

  @Test
  @DisplayName("standard normal log-density per row, seed=401")
  void standardNormalLogProb() {
    Tensor z = GradCheck.uniform(401, -2, 2, 3, 5);
    double[] expected = new double[3];
    for (int i = 0; i < z.size(); i++) {
      expected[i / 5] += normalLogDensity(z.getFlat(i), 0, 0);
    }
    try (Tape tape = Tape.noGrad()) {
      Var y = Losses.standardNormalLogProb(tape.input(z));
      assertThat(y.shape()).isEqualTo(Shape.of(3));
      Reference.assertClose(y.value(), expected);
    }
    GradCheck.check(v -> Losses.standardNormalLogProb(v[0]), 402, z);
  }

  @ParameterizedTest(name = "parameters shaped as x: {0}, seed=411")
  @ValueSource(booleans = {true, false})
  void normalLogProb(boolean full) {
    Tensor x = GradCheck.uniform(411, -2, 2, 3, 4);
    Tensor mean = full ? GradCheck.uniform(412, -1, 1, 3, 4) : GradCheck.uniform(412, -1, 1, 4);
    Tensor logStd =
        full ? GradCheck.uniform(413, -0.5, 0.5, 3, 4) : GradCheck.uniform(413, -0.5, 0.5, 1, 4);
    double[] expected = new double[3];
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 4; j++) {
        double m = full ? mean.get(i, j) : mean.get(j);
        double s = full ? logStd.get(i, j) : logStd.get(0, j);
        expected[i] += normalLogDensity(x.get(i, j), m, s);
      }
    }
    try (Tape tape = Tape.noGrad()) {
      Var y = Losses.normalLogProb(tape.input(x), tape.input(mean), tape.input(logStd));
      Reference.assertClose(y.value(), expected);
    }
    GradCheck.check(v -> Losses.normalLogProb(v[0], v[1], v[2]), 414, x, mean, logStd);
  }

  @Test
  void normalLogProbRefusesAColumnMean() {
    Var x = Var.constant(Tensor.zeros(3, 4));
    assertThatThrownBy(
            () ->
                Losses.normalLogProb(
                    x, Var.constant(Tensor.zeros(3, 1)), Var.constant(Tensor.zeros(4))))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageStartingWith("normalLogProb: mean and logStd must have the shape of x [3, 4]");
  }

  @Test
  @DisplayName("negative mean, seed=421")
  void meanNegative() {
    Tensor x = GradCheck.uniform(421, -3, 3, 6);
    double s = 0;
    for (int i = 0; i < 6; i++) {
      s += x.getFlat(i);
    }
    try (Tape tape = Tape.noGrad()) {
      Reference.assertClose(Losses.meanNegative(tape.input(x)).value(), new double[] {-s / 6});
    }
    GradCheck.check(v -> Losses.meanNegative(v[0]), 422, x);
    assertThatThrownBy(() -> Losses.meanNegative(Var.constant(Tensor.zeros(2, 3))))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("meanNegative: x must have shape [batch], but was [2, 3]");
  }
}
