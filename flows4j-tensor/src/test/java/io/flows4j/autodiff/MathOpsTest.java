package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class MathOpsTest {
  private static final float BOUND = 1.5f;

  static Stream<Arguments> functions() {
    return Stream.of(
        Arguments.of("exp", (UnaryOperator<Var>) MathOps::exp, (DoubleUnaryOperator) Math::exp),
        Arguments.of("log", (UnaryOperator<Var>) MathOps::log, (DoubleUnaryOperator) Math::log),
        Arguments.of(
            "square", (UnaryOperator<Var>) MathOps::square, (DoubleUnaryOperator) x -> x * x),
        Arguments.of("sqrt", (UnaryOperator<Var>) MathOps::sqrt, (DoubleUnaryOperator) Math::sqrt),
        Arguments.of("sin", (UnaryOperator<Var>) MathOps::sin, (DoubleUnaryOperator) Math::sin),
        Arguments.of("cos", (UnaryOperator<Var>) MathOps::cos, (DoubleUnaryOperator) Math::cos),
        Arguments.of("tanh", (UnaryOperator<Var>) MathOps::tanh, (DoubleUnaryOperator) Math::tanh),
        Arguments.of(
            "sigmoid",
            (UnaryOperator<Var>) MathOps::sigmoid,
            (DoubleUnaryOperator) x -> 1 / (1 + Math.exp(-x))),
        Arguments.of(
            "softplus",
            (UnaryOperator<Var>) MathOps::softplus,
            (DoubleUnaryOperator) x -> Math.log(1 + Math.exp(x))),
        Arguments.of(
            "logSigmoid",
            (UnaryOperator<Var>) MathOps::logSigmoid,
            (DoubleUnaryOperator) x -> -Math.log(1 + Math.exp(-x))),
        Arguments.of(
            "softClip",
            (UnaryOperator<Var>) x -> MathOps.softClip(x, BOUND),
            (DoubleUnaryOperator) x -> x / (1 + Math.abs(x) / BOUND)));
  }

  @ParameterizedTest(name = "{0} seed=201")
  @MethodSource("functions")
  void matchesReferenceAndFiniteDifferences(
      String name, UnaryOperator<Var> f, DoubleUnaryOperator reference) {
    boolean positive = name.equals("log") || name.equals("sqrt");
    // Positive inputs for log and sqrt; away from |x| = 0 for softClip's kink in the derivative.
    Tensor x =
        positive
            ? GradCheck.uniform(201, 0.5, 2.0, 3, 4)
            : Reference.awayFromZero(201, 0.1, 2.0, 3, 4);
    double[] expected = new double[x.size()];
    for (int i = 0; i < x.size(); i++) {
      expected[i] = reference.applyAsDouble(x.getFlat(i));
    }
    try (Tape tape = Tape.noGrad()) {
      Var y = f.apply(tape.input(x));
      assertThat(y.shape()).isEqualTo(x.shape());
      Reference.assertClose(y.value(), expected);
    }
    GradCheck.check(v -> f.apply(v[0]), 202, x);
  }

  @ParameterizedTest(name = "{0} seed=211")
  @EnumSource(Activation.class)
  void activationMatchesReferenceAndFiniteDifferences(Activation act) {
    Tensor x = Reference.awayFromZero(211, 0.1, 2.0, 3, 2, 2);
    double[] expected = new double[x.size()];
    for (int i = 0; i < x.size(); i++) {
      expected[i] = Reference.activation(act, x.getFlat(i));
    }
    try (Tape tape = Tape.noGrad()) {
      Reference.assertClose(MathOps.activation(tape.input(x), act).value(), expected);
    }
    GradCheck.check(v -> MathOps.activation(v[0], act), 212, x);
    // Twice on the same input: the second backward adds to a gradient that already exists.
    GradCheck.check(
        v -> ArithmeticOps.add(MathOps.activation(v[0], act), MathOps.activation(v[0], act)),
        213,
        x);
  }

  @Test
  void stableFunctionsStayFiniteAtExtremeInputs() {
    Tensor x = Tensor.of(new float[] {-1000f, -80f, 0f, 80f, 1000f}, 5);
    try (Tape tape = Tape.record()) {
      Var v = tape.tracked(x);
      Var sp = MathOps.softplus(v);
      Var ls = MathOps.logSigmoid(v);
      tape.backward(Reductions.sum(ArithmeticOps.add(sp, ls)));
      for (int i = 0; i < x.size(); i++) {
        assertThat(sp.value().getFlat(i)).isFinite();
        assertThat(ls.value().getFlat(i)).isFinite();
        assertThat(v.grad().getFlat(i)).isFinite();
      }
      assertThat(sp.value().getFlat(4)).isEqualTo(1000f);
      assertThat(ls.value().getFlat(0)).isEqualTo(-1000f);
      // d/dx [softplus(x) + logSigmoid(x)] = sigmoid(x) + sigmoid(-x) = 1 everywhere.
      for (int i = 0; i < x.size(); i++) {
        assertThat(v.grad().getFlat(i)).isEqualTo(1f);
      }
    }
  }

  @Test
  void softClipRefusesANonPositiveBound() {
    Var x = Var.constant(Tensor.zeros(2));
    assertThatThrownBy(() -> MathOps.softClip(x, 0f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("softClip: bound must be > 0 and finite, but was 0.0");
  }
}
