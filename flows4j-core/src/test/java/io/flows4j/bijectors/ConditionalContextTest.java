package io.flows4j.bijectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * How a conditional layer uses its context, for every conditional family (the contract tests check
 * the layer at a fixed context; these check what the context does): the transformed features depend
 * on it, one context row broadcast equals that row repeated, the log-density's gradient reaches it,
 * bad contexts are refused with the expected shape, and the spec carries it.
 */
public abstract class ConditionalContextTest {
  protected static final long SEED = 20261123L;
  protected static final int ROWS = 6;

  /**
   * A conditional layer on {@link #features()} features and {@link #context()} context features.
   */
  protected abstract ConditionalBijector create(long seed);

  /** The same family built without context. */
  protected abstract Bijector createUnconditional(long seed);

  /** Elements per input row (for an image layer, {@code C H W}; see {@link #input}). */
  protected abstract int features();

  protected abstract int context();

  /** The features whose value must change with the context (all by default). */
  protected int[] contextDependentFeatures() {
    int[] all = new int[features()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return all;
  }

  /**
   * Test inputs, {@code [rows, features()]} standard normal by default; an image layer overrides
   * this to give {@code [rows, C, H, W]}.
   */
  protected Tensor input(long seed, int rows) {
    return normal(seed, rows, features());
  }

  protected static Tensor normal(long seed, int rows, int cols) {
    return new Rng(seed).fillNormal(Tensor.zeros(rows, cols), 0, 1);
  }

  /** Adds small random values to every parameter, so zero-initialised outputs are not trivial. */
  protected static <T> T perturbed(T b, long seed, double scale) {
    if (b instanceof Module m) {
      Rng rng = new Rng(seed);
      for (Parameter p : m.parameters()) {
        Tensor v = p.value();
        for (int i = 0; i < v.size(); i++) {
          v.setFlat(i, v.getFlat(i) + (float) (scale * rng.nextGaussian()));
        }
      }
    }
    return b;
  }

  @Test
  @DisplayName("the transformed features depend on the context, both directions (seed 20261123)")
  void contextChangesTheTransform() {
    ConditionalBijector b = create(SEED);
    assertThat(b.contextFeatures()).isEqualTo(context());
    Tensor x = input(SEED + 1, ROWS);
    Tensor c1 = normal(SEED + 2, ROWS, context());
    Tensor c2 = normal(SEED + 3, ROWS, context());
    try (Tape t = Tape.noGrad()) {
      Tensor f1 = b.forward(t.input(x), t.input(c1)).value().value().copy();
      Tensor f2 = b.forward(t.input(x), t.input(c2)).value().value().copy();
      Tensor i1 = b.inverse(t.input(x), t.input(c1)).value().value().copy();
      Tensor i2 = b.inverse(t.input(x), t.input(c2)).value().value().copy();
      // Flat indices within a row, so image layers ([rows, C, H, W]) are checked the same way.
      int d = features();
      for (int r = 0; r < ROWS; r++) {
        for (int j : contextDependentFeatures()) {
          assertThat(f1.getFlat(r * d + j))
              .as("forward row %d feature %d", r, j)
              .isNotEqualTo(f2.getFlat(r * d + j));
          assertThat(i1.getFlat(r * d + j))
              .as("inverse row %d feature %d", r, j)
              .isNotEqualTo(i2.getFlat(r * d + j));
        }
      }
    }
  }

  @Test
  @DisplayName("one context row gives the same result as that row repeated (seed 20261123)")
  void broadcastEqualsRepeat() {
    ConditionalBijector b = create(SEED);
    Tensor x = input(SEED + 4, ROWS);
    Tensor one = normal(SEED + 5, 1, context());
    Tensor repeated = Tensor.zeros(ROWS, context());
    for (int r = 0; r < ROWS; r++) {
      for (int j = 0; j < context(); j++) {
        repeated.set(one.get(0, j), r, j);
      }
    }
    try (Tape t = Tape.noGrad()) {
      for (boolean forward : new boolean[] {true, false}) {
        Transformed a =
            forward ? b.forward(t.input(x), t.input(one)) : b.inverse(t.input(x), t.input(one));
        Transformed c =
            forward
                ? b.forward(t.input(x), t.input(repeated))
                : b.inverse(t.input(x), t.input(repeated));
        assertThat(a.value().value().toArray()).containsExactly(c.value().value().toArray());
        assertThat(a.logAbsDet().value().toArray())
            .containsExactly(c.logAbsDet().value().toArray());
      }
    }
  }

  @Test
  @DisplayName("the gradient of value and log-det reaches the context, both directions")
  void gradientReachesTheContext() {
    ConditionalBijector b = create(SEED);
    for (boolean forward : new boolean[] {true, false}) {
      try (Tape t = Tape.record()) {
        Var c = t.tracked(normal(SEED + 6, ROWS, context()));
        Var x = t.input(input(SEED + 7, ROWS));
        Transformed out = forward ? b.forward(x, c) : b.inverse(x, c);
        t.backward(
            io.flows4j.autodiff.ArithmeticOps.add(
                Reductions.sum(out.logAbsDet()), Reductions.sum(out.value())));
        double norm = 0;
        for (int i = 0; i < c.grad().size(); i++) {
          assertThat(Float.isFinite(c.grad().getFlat(i))).as("finite gradient").isTrue();
          norm += Math.abs(c.grad().getFlat(i));
        }
        assertThat(norm).as(forward ? "forward" : "inverse").isPositive();
      }
    }
  }

  @Test
  @DisplayName("the context gradient matches central finite differences, both directions")
  void contextGradientMatchesFiniteDifferences() {
    ConditionalBijector b = create(SEED);
    Tensor x = input(SEED + 8, ROWS);
    Tensor c0 = normal(SEED + 9, ROWS, context());
    for (boolean forward : new boolean[] {true, false}) {
      Tensor grad;
      try (Tape t = Tape.record()) {
        Var c = t.tracked(c0.copy());
        Transformed out = forward ? b.forward(t.input(x), c) : b.inverse(t.input(x), c);
        t.backward(
            io.flows4j.autodiff.ArithmeticOps.add(
                Reductions.sum(out.logAbsDet()), Reductions.sum(out.value())));
        grad = c.grad().copy();
      }
      for (int i = 0; i < c0.size(); i++) {
        Tensor plus = c0.copy();
        Tensor minus = c0.copy();
        double step = contextFdStep();
        plus.setFlat(i, c0.getFlat(i) + (float) step);
        minus.setFlat(i, c0.getFlat(i) - (float) step);
        double fd = (loss(b, x, plus, forward) - loss(b, x, minus, forward)) / (2 * step);
        assertThat((double) grad.getFlat(i))
            .as("%s, context element %d", forward ? "forward" : "inverse", i)
            .isCloseTo(fd, org.assertj.core.data.Offset.offset(FD_TOL * Math.max(1, Math.abs(fd))));
      }
    }
  }

  /** Step of the central differences in the context. */
  private static final double FD_STEP = 1e-2;

  /**
   * The central-difference step in the context, {@link #FD_STEP} by default. A layer whose
   * conditioner has many ReLU units per row (a convolutional network, one unit per channel and
   * pixel) overrides it with a smaller one: a step of {@code 1e-2} then often moves some
   * pre-activation across its kink, and the difference quotient is no longer the derivative.
   */
  protected double contextFdStep() {
    return FD_STEP;
  }

  /** Tolerance of the context gradient against central differences of a float32 loss. */
  private static final double FD_TOL = 2e-2;

  private static double loss(ConditionalBijector b, Tensor x, Tensor c, boolean forward) {
    try (Tape t = Tape.noGrad()) {
      Transformed out =
          forward ? b.forward(t.input(x), t.input(c)) : b.inverse(t.input(x), t.input(c));
      double s = 0;
      for (int i = 0; i < out.logAbsDet().value().size(); i++) {
        s += out.logAbsDet().value().getFlat(i);
      }
      for (int i = 0; i < out.value().value().size(); i++) {
        s += out.value().value().getFlat(i);
      }
      return s;
    }
  }

  @Test
  @DisplayName("missing, unexpected and misshapen contexts are refused with the expected shape")
  void badContexts() {
    ConditionalBijector b = create(SEED);
    Bijector asBijector = (Bijector) b;
    int cf = context();
    try (Tape t = Tape.noGrad()) {
      Var x = t.input(input(SEED, ROWS));
      assertThatThrownBy(() -> asBijector.forward(x))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("context of " + cf + " features");
      assertThatThrownBy(() -> asBijector.inverse(x))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("context of " + cf + " features");
      assertThatThrownBy(() -> b.forward(x, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("needs a context of " + cf + " features");
      assertThatThrownBy(() -> b.forward(x, t.input(normal(SEED, ROWS, cf + 1))))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessageContaining("[" + ROWS + ", " + cf + "] or [1, " + cf + "]");
      assertThatThrownBy(() -> b.inverse(x, t.input(normal(SEED, ROWS - 1, cf))))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessageContaining("[" + ROWS + ", " + cf + "] or [1, " + cf + "]");
      Bijector plain = createUnconditional(SEED);
      assertThat(Contexts.isConditional(plain)).isFalse();
      if (plain instanceof ConditionalBijector pc) {
        assertThatThrownBy(() -> pc.forward(x, t.input(normal(SEED, ROWS, cf))))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("built without a context");
      }
    }
  }

  @Test
  @DisplayName("the spec carries the context; an unconditional spec has no context member")
  void specCarriesTheContext() {
    ConditionalBijector b = create(SEED);
    Bijector rebuilt = BijectorRegistry.build(b.spec());
    assertThat(Contexts.isConditional(rebuilt)).isTrue();
    assertThat(((ConditionalBijector) rebuilt).contextFeatures()).isEqualTo(context());
    assertThat(rebuilt.spec().write()).isEqualTo(b.spec().write());
    Json.Obj plain = createUnconditional(SEED).spec();
    assertThat(plain.write()).doesNotContain("\"context\"");
  }
}
