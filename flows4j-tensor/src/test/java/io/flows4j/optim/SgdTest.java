package io.flows4j.optim;

import static io.flows4j.optim.OptimTesting.randomGradient;
import static io.flows4j.optim.OptimTesting.randomParameter;
import static io.flows4j.optim.OptimTesting.toDouble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Parameter;
import io.flows4j.tensor.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SgdTest {
  /** Float32 against double after 10 steps on parameters of magnitude about 1 (see AdamTest). */
  private static final double TOL = 1e-6;

  /** SGD in double: the textbook heavy-ball / Nesterov recursions, with buffer starting at g. */
  private static void referenceStep(double[] p, double[] buf, double[] grad, int t, SgdConfig c) {
    for (int i = 0; i < p.length; i++) {
      double g = grad[i] + c.weightDecay() * p[i];
      double d = g;
      if (c.momentum() > 0) {
        buf[i] = t == 1 ? g : c.momentum() * buf[i] + g;
        d = c.nesterov() ? g + c.momentum() * buf[i] : buf[i];
      }
      p[i] -= c.learningRate() * d;
    }
  }

  @ParameterizedTest(name = "seed {0}, lr {1}, momentum {2}, weight decay {3}, nesterov {4}")
  @CsvSource({
    "1, 0.1, 0, 0, false",
    "2, 0.05, 0, 0.1, false",
    "3, 0.05, 0.9, 0, false",
    "4, 0.02, 0.9, 0.01, false",
    "5, 0.05, 0.9, 0, true",
    "6, 0.02, 0.5, 0.2, true",
  })
  void matchesTheDoubleReference(
      long seed, double lr, double momentum, double wd, boolean nesterov) {
    SgdConfig c = new SgdConfig(lr, momentum, wd, nesterov);
    Random rng = new Random(seed);
    Parameter w = randomParameter("w", rng, 6, 4);
    double[] p = toDouble(w.value());
    double[] buf = new double[p.length];
    Sgd sgd = new Sgd(List.of(w), c);
    for (int t = 1; t <= 10; t++) {
      randomGradient(w, rng);
      referenceStep(p, buf, toDouble(w.grad()), t, c);
      sgd.step();
      for (int i = 0; i < p.length; i++) {
        assertThat((double) w.value().getFlat(i))
            .as("step %d element %d", t, i)
            .isCloseTo(p[i], within(TOL));
      }
    }
  }

  @Test
  void handComputedMomentum() {
    // lr 0.1, mu 0.9, g = 1 twice: buf = 1, p = 1 - 0.1 = 0.9; buf = 1.9, p = 0.9 - 0.19 = 0.71.
    Parameter w = new Parameter("w", Tensor.of(new float[] {1f}, 1));
    Sgd sgd = new Sgd(List.of(w), SgdConfig.of(0.1).withMomentum(0.9));
    w.grad().setFlat(0, 1f);
    sgd.step();
    assertThat(w.value().getFlat(0)).isCloseTo(0.9f, within(1e-7f));
    sgd.step();
    assertThat(w.value().getFlat(0)).isCloseTo(0.71f, within(1e-7f));
  }

  @Test
  void handComputedNesterov() {
    // lr 0.1, mu 0.9, g = 1 twice: buf = 1, d = 1 + 0.9 = 1.9, p = 0.81; buf = 1.9,
    // d = 1 + 1.71 = 2.71, p = 0.81 - 0.271 = 0.539.
    Parameter w = new Parameter("w", Tensor.of(new float[] {1f}, 1));
    Sgd sgd = new Sgd(List.of(w), SgdConfig.of(0.1).withNesterov(0.9));
    w.grad().setFlat(0, 1f);
    sgd.step();
    assertThat(w.value().getFlat(0)).isCloseTo(0.81f, within(1e-7f));
    sgd.step();
    assertThat(w.value().getFlat(0)).isCloseTo(0.539f, within(1e-7f));
  }
}
