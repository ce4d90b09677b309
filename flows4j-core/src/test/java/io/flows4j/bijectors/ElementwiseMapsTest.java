package io.flows4j.bijectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Tensor;
import java.util.function.DoubleUnaryOperator;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Values and log-determinants of Sigmoid, Logit and Tanh against double-precision references, their
 * stability at the tails, domain errors, and their fused backward rules against finite differences.
 */
class ElementwiseMapsTest {
  private static final long SEED = 424242L;

  /** Relative tolerance of float32 outputs against double references. */
  private static final double VALUE_TOL = 1e-6;

  /** Absolute tolerance of a per-row log-determinant (a few float ulps of its magnitude). */
  private static final double LOG_DET_TOL = 1e-5;

  private static Transformed forward(Bijector b, Tensor x) {
    try (Tape t = Tape.noGrad()) {
      return b.forward(t.input(x));
    }
  }

  private static Transformed inverse(Bijector b, Tensor z) {
    try (Tape t = Tape.noGrad()) {
      return b.inverse(t.input(z));
    }
  }

  /** Checks values and the per-row log-det of a direction against double references. */
  private static void checkAgainst(
      Transformed t, Tensor in, DoubleUnaryOperator f, DoubleUnaryOperator logDerivative) {
    int rows = in.shape().batch();
    int cols = in.shape().rowSize();
    for (int b = 0; b < rows; b++) {
      double ld = 0;
      for (int j = 0; j < cols; j++) {
        double x = in.getFlat(b * cols + j);
        double expected = f.applyAsDouble(x);
        assertThat((double) t.value().value().getFlat(b * cols + j))
            .as("value at x = %s", x)
            .isCloseTo(expected, Offset.offset(VALUE_TOL * Math.max(1, Math.abs(expected))));
        ld += logDerivative.applyAsDouble(x);
      }
      assertThat((double) t.logAbsDet().value().getFlat(b))
          .as("log-det of row %d", b)
          .isCloseTo(ld, Offset.offset(LOG_DET_TOL * Math.max(1, Math.abs(ld))));
    }
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  @Test
  @DisplayName("Sigmoid: values and log-dets match double references, also at |x| = 30 and 1000")
  void sigmoidMatchesReference() {
    Tensor x = Tensor.of(new float[] {-1000f, -30f, -2.5f, 0f, 0.3f, 4f, 30f, 1000f}, 2, 4);
    // log sigmoid'(x) = log sigmoid(x) + log sigmoid(-x), each -softplus, summed in double
    checkAgainst(
        forward(new Sigmoid(), x),
        x,
        ElementwiseMapsTest::sigmoid,
        v ->
            -(Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))))
                - (Math.max(-v, 0) + Math.log1p(Math.exp(-Math.abs(v)))));
    Tensor z = Tensor.of(new float[] {1e-30f, 0.01f, 0.5f, 0.999f}, 1, 4);
    checkAgainst(
        inverse(new Sigmoid(), z),
        z,
        v -> Math.log(v / (1 - v)),
        v -> -Math.log(v) - Math.log(1 - v));
  }

  @Test
  @DisplayName(
      "Logit with alpha: z = logit(alpha + (1 - 2 alpha) x), log-det with log(1 - 2 alpha)")
  void logitWithSqueezeMatchesReference() {
    double alpha = 0.05;
    double w = 1 - 2 * alpha;
    Tensor x = Tensor.of(new float[] {0f, 0.2f, 0.5f, 1f, -0.05f, 1.05f}, 2, 3);
    checkAgainst(
        forward(new Logit(alpha), x),
        x,
        v -> Math.log((alpha + w * v) / (1 - alpha - w * v)),
        v -> Math.log(w) - Math.log(alpha + w * v) - Math.log(1 - alpha - w * v));
    Tensor z = Tensor.of(new float[] {-40f, -3f, 0f, 2f, 50f, 1000f}, 2, 3);
    checkAgainst(
        inverse(new Logit(alpha), z),
        z,
        v -> (sigmoid(v) - alpha) / w,
        v -> -Math.log(w) - Math.log1p(Math.exp(-Math.abs(v))) * 2 - Math.abs(v));
  }

  @Test
  @DisplayName(
      "Tanh: stable log-det 2 (log 2 - x - softplus(-2x)), finite where log(1 - tanh^2) is not")
  void tanhMatchesReference() {
    Tensor x = Tensor.of(new float[] {-1000f, -20f, -0.7f, 0f, 0.1f, 3f, 50f, 1000f}, 2, 4);
    checkAgainst(
        forward(new Tanh(), x),
        x,
        Math::tanh,
        v ->
            2 * (Math.log(2) - v - (Math.max(-2 * v, 0) + Math.log1p(Math.exp(-Math.abs(2 * v))))));
    // The naive form loses everything at |x| = 20 already; the layer's must not.
    assertThat(Math.log(1 - Math.tanh(20.0) * Math.tanh(20.0))).isEqualTo(Double.NEGATIVE_INFINITY);
    Tensor z = Tensor.of(new float[] {-0.999999f, -0.5f, 0f, 0.25f, 0.9f, 0.999999f}, 2, 3);
    checkAgainst(
        inverse(new Tanh(), z),
        z,
        v -> 0.5 * Math.log((1 + v) / (1 - v)),
        v -> -Math.log((1 - v) * (1 + v)));
  }

  @Test
  @DisplayName(
      "inputs outside a direction's domain throw InputOutsideDomainException naming op, value and domain")
  void outsideDomainIsRefused() {
    Tensor x = Tensor.of(new float[] {0.5f, 0.25f, 1.5f, 0.1f}, 2, 2);
    assertThatThrownBy(() -> forward(new Logit(), x))
        .isInstanceOf(InputOutsideDomainException.class)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Logit.forward: input must lie in (0, 1), but element [1, 0] was 1.5");
    assertThatThrownBy(() -> inverse(new Sigmoid(), Tensor.of(new float[] {0f}, 1, 1)))
        .isInstanceOf(InputOutsideDomainException.class)
        .hasMessage("Sigmoid.inverse: input must lie in (0, 1), but element [0, 0] was 0.0");
    assertThatThrownBy(() -> inverse(new Tanh(), Tensor.of(new float[] {0f, -1f}, 1, 2)))
        .isInstanceOf(InputOutsideDomainException.class)
        .hasMessage("Tanh.inverse: input must lie in (-1, 1), but element [0, 1] was -1.0");
    assertThatThrownBy(() -> forward(new Logit(), Tensor.of(new float[] {Float.NaN}, 1, 1)))
        .isInstanceOf(InputOutsideDomainException.class)
        .hasMessageContaining("was NaN");
    assertThatThrownBy(() -> forward(new Logit(0.1), Tensor.of(new float[] {1.3f}, 1, 1)))
        .isInstanceOf(InputOutsideDomainException.class)
        .hasMessageContaining("Logit.forward: input must lie in (-0.125, 1.125)")
        .hasMessageContaining("was 1.3");
  }

  @Test
  @DisplayName("Logit refuses alpha outside [0, 0.5)")
  void logitRefusesBadAlpha() {
    assertThatThrownBy(() -> new Logit(0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Logit: alpha must be in [0, 0.5), but was 0.5");
    assertThatThrownBy(() -> new Logit(-0.1)).hasMessageContaining("but was -0.1");
  }

  /** {@code sum_j w_j value_j + logAbsDet} per row: both outputs feed one loss. */
  static Var both(Transformed t, Tensor w) {
    return ArithmeticOps.add(
        Reductions.sumRows(ArithmeticOps.mul(t.value(), Var.constant(w))), t.logAbsDet());
  }

  private static void gradCheckAllWays(Bijector b, boolean fwd, Tensor in) {
    Tensor w = GradCheck.randomLike(in, SEED + 1);
    GradCheck.check(v -> (fwd ? b.forward(v[0]) : b.inverse(v[0])).value(), SEED, in);
    GradCheck.check(v -> (fwd ? b.forward(v[0]) : b.inverse(v[0])).logAbsDet(), SEED, in);
    GradCheck.check(v -> both(fwd ? b.forward(v[0]) : b.inverse(v[0]), w), SEED, in);
  }

  @Test
  @DisplayName(
      "fused backward of each map (value only, log-det only, both) matches finite differences (seed 424242)")
  void backwardMatchesFiniteDifferences() {
    Tensor reals = GradCheck.uniform(SEED, -3, 3, 3, 4);
    Tensor unit = GradCheck.uniform(SEED + 2, 0.2, 0.8, 3, 4);
    Tensor symmetric = GradCheck.uniform(SEED + 3, -0.7, 0.7, 3, 4);
    gradCheckAllWays(new Sigmoid(), true, reals);
    gradCheckAllWays(new Sigmoid(), false, unit);
    gradCheckAllWays(new Logit(0.05), true, unit);
    gradCheckAllWays(new Logit(0.05), false, reals);
    gradCheckAllWays(new Tanh(), true, reals);
    gradCheckAllWays(new Tanh(), false, symmetric);
  }

  @Test
  @DisplayName("maps keep any input shape, e.g. images [batch, C, H, W]")
  void anyShape() {
    Tensor x = GradCheck.uniform(SEED, 0.1, 0.9, 2, 3, 2, 2);
    Transformed t = forward(new Logit(), x);
    assertThat(t.value().shape()).isEqualTo(x.shape());
    assertThat(t.logAbsDet().shape().dims()).containsExactly(2);
    Tensor back = inverse(new Logit(), t.value().value()).value().value();
    assertThat(back.allClose(x, 1e-6f)).isTrue();
  }
}
