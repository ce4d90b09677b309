package io.flows4j.distributions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class UniformBoxTest {
  private static final long SEED = 2718L;

  private static final double[] LOW = {-1, 2};
  private static final double[] HIGH = {3, 2.5};

  @Test
  @DisplayName("logProb is -log volume inside (boundary included) and -infinity outside")
  void logProbInsideAndOutside() {
    UniformBox u = new UniformBox(LOW, HIGH);
    Tensor z =
        Tensor.of(
            new float[][] {{0, 2.2f}, {-1, 2}, {3, 2.5f}, {3.01f, 2.2f}, {0, 1.99f}, {-5, 7}});
    Tensor lp = Moments.logProb(u, z);
    float inside = (float) -Math.log(4 * 0.5);
    assertThat(lp.toArray())
        .containsExactly(
            inside,
            inside,
            inside,
            Float.NEGATIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.NEGATIVE_INFINITY);
  }

  @Test
  @DisplayName("the density integrates to 1 over a grid covering the box")
  void integratesToOne() {
    UniformBox u = new UniformBox(new double[] {-1, 0.5}, new double[] {1.5, 1});
    // Cell centres on a grid of step 1/64 from -4 to 4: the box edges fall on cell boundaries.
    int m = 512;
    double h = 8.0 / m;
    Tensor grid = Tensor.zeros(m * m, 2);
    for (int i = 0; i < m; i++) {
      for (int k = 0; k < m; k++) {
        grid.setFlat(2 * (i * m + k), (float) (-4 + (i + 0.5) * h));
        grid.setFlat(2 * (i * m + k) + 1, (float) (-4 + (k + 0.5) * h));
      }
    }
    Tensor lp = Moments.logProb(u, grid);
    double total = 0;
    for (int i = 0; i < m * m; i++) {
      total += Math.exp(lp.getFlat(i)) * h * h;
    }
    // Exact but for the float32 rounding of the log-density, 2^-24 relative.
    assertThat(total).isCloseTo(1.0, Offset.offset(1e-7));
  }

  @Test
  @DisplayName(
      "samples lie in the box with mean = centre and variance = width^2 / 12; temperature 0.5 halves the box (seed 2718)")
  void sampleMoments() {
    UniformBox u = new UniformBox(LOW, HIGH);
    int n = 20000;
    for (double temperature : new double[] {1, 0.5}) {
      Tensor x = u.sample(n, temperature, new Rng(SEED));
      Tensor lp = Moments.logProb(u, x);
      for (int i = 0; i < n; i++) {
        assertThat(Float.isFinite(lp.getFlat(i))).as("sample %d inside", i).isTrue();
      }
      for (int j = 0; j < 2; j++) {
        double w = temperature * (HIGH[j] - LOW[j]);
        double centre = 0.5 * (LOW[j] + HIGH[j]);
        Moments.assertMoments(x, j, centre, w * w / 12, "temperature " + temperature);
        for (int i = 0; i < n; i++) {
          assertThat(Math.abs(x.getFlat(2 * i + j) - centre)).isLessThanOrEqualTo(w / 2 + 1e-6);
        }
      }
    }
  }

  @Test
  @DisplayName("float rounding never carries a sample out of a box whose bounds are not floats")
  void samplesStayInsideNonFloatBounds() {
    UniformBox u = new UniformBox(new double[] {0.1}, new double[] {0.1 + 1e-7});
    Tensor x = u.sample(1000, 1, new Rng(SEED));
    Tensor lp = Moments.logProb(u, x);
    for (int i = 0; i < 1000; i++) {
      assertThat(Float.isFinite(lp.getFlat(i))).as("sample %s", x.getFlat(i)).isTrue();
    }
  }

  @Test
  @DisplayName(
      "sampleWithLogProb gives logProb of its own samples; logProb passes no gradient to z")
  void sampleWithLogProbAndGradient() {
    UniformBox u = new UniformBox(LOW, HIGH);
    Moments.assertSampleWithLogProbConsistent(u, SEED, 0);
    try (Tape t = Tape.record()) {
      Var z = t.tracked(Tensor.of(new float[][] {{0, 2.2f}, {1, 2.3f}}));
      t.backward(Reductions.sum(u.logProb(z)));
      assertThat(z.gradOrNull() == null ? new float[4] : z.grad().toArray()).containsOnly(0f);
    }
  }

  @Test
  @DisplayName("spec rebuilds the same box")
  void rebuildsFromSpec() {
    Moments.assertRebuildsExactly(
        new UniformBox(LOW, HIGH), new Rng(SEED).fillUniform(Tensor.zeros(9, 2), -2, 4));
  }

  @Test
  @DisplayName("bad arguments are refused with clear messages")
  void badArguments() {
    assertThatThrownBy(() -> new UniformBox(new double[] {0, 2}, new double[] {1, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "UniformBox: low must be < high in every feature, but feature 1 has low 2.0 >= high 1.0");
    assertThatThrownBy(() -> new UniformBox(new double[] {0}, new double[] {0}))
        .hasMessageContaining("feature 0 has low 0.0 >= high 0.0");
    assertThatThrownBy(() -> new UniformBox(new double[] {0, 1}, new double[] {1}))
        .hasMessage(
            "UniformBox: low and high must be non-empty and of equal length, but had 2 and 1");
    assertThatThrownBy(
            () -> new UniformBox(new double[] {0}, new double[] {Double.POSITIVE_INFINITY}))
        .hasMessageContaining("bounds must be finite");
    assertThatThrownBy(() -> new UniformBox(new double[] {-1e308}, new double[] {1e308}))
        .hasMessageContaining("must be finite, but [-1.0E308, 1.0E308] overflows");
    UniformBox u = new UniformBox(LOW, HIGH);
    Rng rng = new Rng(SEED);
    assertThatThrownBy(() -> u.sample(-3, 1, rng))
        .hasMessage("UniformBox.sample: n must be >= 0, but was -3");
    assertThatThrownBy(() -> u.sample(3, 0, rng))
        .hasMessage("UniformBox.sample: temperature must be > 0, but was 0.0");
    assertThatThrownBy(() -> Moments.logProb(u, Tensor.zeros(2, 3)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("UniformBox.logProb: input must have shape [batch, 2], but was [2, 3]");
  }
}
