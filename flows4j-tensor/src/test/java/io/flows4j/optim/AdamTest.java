package io.flows4j.optim;

import static io.flows4j.optim.OptimTesting.randomGradient;
import static io.flows4j.optim.OptimTesting.randomParameter;
import static io.flows4j.optim.OptimTesting.toDouble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Parameter;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AdamTest {
  /**
   * Float32 optimizer against a double reference, parameters of magnitude <= ~1.2 after at most 10
   * steps: each step rounds the parameter by half an ulp of 1 (6e-8) and the update by a few float
   * epsilons relative to lr; 10 steps stay below 1e-6.
   */
  private static final double TOL = 1e-6;

  /**
   * Adam in double, written from the paper's form {@code p -= lr * mHat / (sqrt(vHat) + eps)} with
   * {@code mHat = m / (1 - b1^t)}, {@code vHat = v / (1 - b2^t)}, which equals PyTorch's
   * rearrangement in exact arithmetic but shares no code with it.
   */
  private static final class ReferenceAdam {
    final double[] p;
    final double[] m;
    final double[] v;
    final double lr;
    final double b1;
    final double b2;
    final double eps;
    final double wd;
    final boolean decoupled;
    int t;

    ReferenceAdam(double[] p, AdamConfig c, boolean decoupled) {
      this.p = p.clone();
      this.m = new double[p.length];
      this.v = new double[p.length];
      this.lr = c.learningRate();
      this.b1 = c.beta1();
      this.b2 = c.beta2();
      this.eps = c.eps();
      this.wd = c.weightDecay();
      this.decoupled = decoupled;
    }

    void step(double[] grad) {
      t++;
      for (int i = 0; i < p.length; i++) {
        double g = grad[i];
        if (decoupled) {
          p[i] = p[i] - lr * wd * p[i];
        } else {
          g = g + wd * p[i];
        }
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        double mHat = m[i] / (1 - Math.pow(b1, t));
        double vHat = v[i] / (1 - Math.pow(b2, t));
        p[i] = p[i] - lr * mHat / (Math.sqrt(vHat) + eps);
      }
    }
  }

  @Test
  void handComputedTwoSteps() {
    // p = 1, g = 0.5 then -1, lr = 0.1, betas (0.9, 0.999), eps 1e-8. Step 1: m = 0.05,
    // v = 2.5e-4, mHat = 0.5, vHat = 0.25, p = 1 - 0.1 * 0.5 / (0.5 + 1e-8) = 0.900000002.
    // Step 2: m = -0.055, v = 1.24975e-3, mHat = -0.055 / 0.19, vHat = 1.24975e-3 / 1.999e-3,
    // p = 0.9 + 0.1 * 0.2894737 / 0.7906880 = 0.93661035.
    Parameter w = new Parameter("w", Tensor.of(new float[] {1f}, 1));
    Adam adam = new Adam(List.of(w), AdamConfig.of(0.1));
    w.grad().setFlat(0, 0.5f);
    adam.step();
    assertThat((double) w.value().getFlat(0)).isCloseTo(0.900000002, within(1e-7));
    w.grad().setFlat(0, -1f);
    adam.step();
    assertThat((double) w.value().getFlat(0)).isCloseTo(0.93661035, within(1e-7));
  }

  @ParameterizedTest(name = "seed {0}, lr {1}, betas ({2}, {3}), eps {4}, weight decay {5}")
  @CsvSource({
    "1, 1e-3, 0.9, 0.999, 1e-8, 0",
    "2, 1e-2, 0.9, 0.999, 1e-8, 0.1",
    "3, 5e-2, 0.5, 0.9, 1e-3, 0",
    "4, 1e-2, 0, 0.99, 0, 0.5",
  })
  void adamMatchesTheDoubleReference(
      long seed, double lr, double b1, double b2, double eps, double wd) {
    AdamConfig c = new AdamConfig(lr, b1, b2, eps, wd);
    checkAgainstReference(seed, c, false);
  }

  @ParameterizedTest(name = "seed {0}, lr {1}, weight decay {2}")
  @CsvSource({"5, 1e-3, 0.01", "6, 1e-2, 0.5", "7, 1e-2, 0"})
  void adamWMatchesTheDoubleReference(long seed, double lr, double wd) {
    checkAgainstReference(seed, AdamConfig.of(lr).withWeightDecay(wd), true);
  }

  private static void checkAgainstReference(long seed, AdamConfig c, boolean decoupled) {
    Random rng = new Random(seed);
    Parameter a = randomParameter("a", rng, 7, 5);
    Parameter b = randomParameter("b", rng, 13);
    ReferenceAdam refA = new ReferenceAdam(toDouble(a.value()), c, decoupled);
    ReferenceAdam refB = new ReferenceAdam(toDouble(b.value()), c, decoupled);
    Optimizer opt = decoupled ? new AdamW(List.of(a, b), c) : new Adam(List.of(a, b), c);
    for (int step = 1; step <= 10; step++) {
      randomGradient(a, rng);
      randomGradient(b, rng);
      refA.step(toDouble(a.grad()));
      refB.step(toDouble(b.grad()));
      opt.step();
      assertClose(a.value(), refA.p);
      assertClose(b.value(), refB.p);
    }
    assertThat(opt.stepCount()).isEqualTo(10);
  }

  private static void assertClose(Tensor actual, double[] expected) {
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual.getFlat(i))
          .as("element %d", i)
          .isCloseTo(expected[i], within(TOL));
    }
  }

  @Test
  @DisplayName("first step moves each element by lr against its gradient's sign (seed 11)")
  void firstStepIsSignDescent() {
    Random rng = new Random(11);
    Parameter w = randomParameter("w", rng, 64);
    randomGradient(w, rng);
    float[] before = w.value().toArray();
    double lr = 1e-3;
    new Adam(List.of(w), lr).step();
    for (int i = 0; i < w.size(); i++) {
      double moved = w.value().getFlat(i) - before[i];
      double expected = -lr * Math.signum(w.grad().getFlat(i));
      // |g| >= 0.01 so eps changes the move by at most 1e-6 relative; the rest is float rounding
      // of a parameter near 1 (6e-8).
      assertThat(moved).as("element %d", i).isCloseTo(expected, within(1e-7));
    }
  }

  @Test
  void adamWDecaysWeightsIndependentlyOfTheGradient() {
    // With a zero gradient the moments stay 0, so AdamW only multiplies by (1 - lr * wd).
    Parameter w = new Parameter("w", Tensor.of(new float[] {2f, -0.5f, 0f}, 3));
    AdamW opt = new AdamW(List.of(w), AdamConfig.of(0.1).withWeightDecay(0.5));
    opt.step();
    opt.step();
    assertThat(w.value().toArray()).containsExactly(2f * 0.95f * 0.95f, -0.5f * 0.95f * 0.95f, 0f);
  }

  @Test
  void adamWeightDecayIsAnL2GradientTerm() {
    // With a zero gradient Adam sees g = wd * p, so the first step is a sign step of size lr.
    Parameter w = new Parameter("w", Tensor.of(new float[] {2f, -0.5f}, 2));
    new Adam(List.of(w), AdamConfig.of(0.1).withWeightDecay(0.5)).step();
    assertThat(w.value().getFlat(0)).isCloseTo(1.9f, within(1e-6f));
    assertThat(w.value().getFlat(1)).isCloseTo(-0.4f, within(1e-6f));
  }

  @Test
  void stepReadsButDoesNotChangeTheGradient() {
    Random rng = new Random(12);
    Parameter w = randomParameter("w", rng, 10);
    randomGradient(w, rng);
    float[] g = w.grad().toArray();
    new Adam(List.of(w), 1e-3).step();
    assertThat(w.grad().toArray()).containsExactly(g);
  }

  @Test
  void zeroGradClearsEveryGradient() {
    Random rng = new Random(13);
    Parameter a = randomParameter("a", rng, 3);
    Parameter b = randomParameter("b", rng, 4);
    randomGradient(a, rng);
    randomGradient(b, rng);
    new Adam(List.of(a, b), 1e-3).zeroGrad();
    assertThat(a.grad().toArray()).containsOnly(0f);
    assertThat(b.grad().toArray()).containsOnly(0f);
  }

  @Test
  @DisplayName("the result does not depend on the thread count (seed 14)")
  void threadCountDoesNotChangeTheResult() {
    int saved = Threads.count();
    try {
      float[][] results = new float[2][];
      for (int threads = 1; threads <= 2; threads++) {
        Threads.setCount(threads);
        Random rng = new Random(14);
        Parameter w = randomParameter("w", rng, 5 * AbstractAdam.MIN_PER_TASK + 3);
        AdamW opt = new AdamW(List.of(w), AdamConfig.of(1e-2).withWeightDecay(0.1));
        for (int s = 0; s < 3; s++) {
          randomGradient(w, rng);
          opt.step();
        }
        results[threads - 1] = w.value().toArray();
      }
      assertThat(Arrays.equals(results[0], results[1])).isTrue();
    } finally {
      Threads.setCount(saved);
    }
  }

  @Test
  void updatesParametersThatAreViewsAtAnOffset() {
    float[] backing = {9f, 9f, 1f, 1f, 9f};
    Tensor view = Tensor.wrap(backing, 2, io.flows4j.tensor.Shape.of(2));
    Parameter w = new Parameter("w", view);
    w.grad().setFlat(0, 1f);
    w.grad().setFlat(1, -1f);
    new Adam(List.of(w), 0.1).step();
    assertThat(backing[0]).isEqualTo(9f);
    assertThat(backing[1]).isEqualTo(9f);
    assertThat(backing[2]).isCloseTo(0.9f, within(1e-6f));
    assertThat(backing[3]).isCloseTo(1.1f, within(1e-6f));
    assertThat(backing[4]).isEqualTo(9f);
  }
}
