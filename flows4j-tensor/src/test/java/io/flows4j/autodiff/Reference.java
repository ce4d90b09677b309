package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;

/** Naive double-precision references for forward values, independent of the code under test. */
final class Reference {
  /** Absolute tolerance of a float32 forward value against its double reference. */
  static final double FORWARD_ABS = 1e-5;

  /** Relative tolerance of a float32 forward value against its double reference. */
  static final double FORWARD_REL = 1e-5;

  private Reference() {}

  /** The activation in double, written from its definition. */
  static double activation(Activation act, double x) {
    return switch (act) {
      case IDENTITY -> x;
      case RELU -> x > 0 ? x : 0;
      case LEAKY_RELU -> x > 0 ? x : 0.01 * x;
      case ELU -> x > 0 ? x : Math.exp(x) - 1;
      case TANH -> Math.tanh(x);
      case SIGMOID -> 1 / (1 + Math.exp(-x));
      case SOFTPLUS -> Math.log(1 + Math.exp(x));
      case LIPSWISH -> x / (1 + Math.exp(-x)) / 1.1;
    };
  }

  /** Asserts every element of {@code actual} matches {@code expected[i]} within the tolerances. */
  static void assertClose(Tensor actual, double[] expected) {
    assertThat(actual.size()).isEqualTo(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual.getFlat(i))
          .as("element %d", i)
          .isCloseTo(
              expected[i],
              org.assertj.core.data.Offset.offset(
                  FORWARD_ABS + FORWARD_REL * Math.abs(expected[i])));
    }
  }

  /** Values whose magnitude lies in {@code [lo, hi]}, with random signs: away from kinks at 0. */
  static Tensor awayFromZero(long seed, double lo, double hi, int... dims) {
    Tensor m = GradCheck.uniform(seed, lo, hi, dims);
    Tensor s = GradCheck.uniform(seed + 1, -1, 1, dims);
    for (int i = 0; i < m.size(); i++) {
      m.setFlat(i, s.getFlat(i) < 0 ? -m.getFlat(i) : m.getFlat(i));
    }
    return m;
  }
}
