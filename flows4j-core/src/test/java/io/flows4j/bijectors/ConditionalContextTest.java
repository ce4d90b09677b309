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

  /** Test inputs; standard normal by default. */
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
      for (int r = 0; r < ROWS; r++) {
        for (int j : contextDependentFeatures()) {
          assertThat(f1.get(r, j)).as("forward row %d feature %d", r, j).isNotEqualTo(f2.get(r, j));
          assertThat(i1.get(r, j)).as("inverse row %d feature %d", r, j).isNotEqualTo(i2.get(r, j));
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
  @DisplayName("the gradient of value and log-det reaches the context (seed 20261123)")
  void gradientReachesTheContext() {
    ConditionalBijector b = create(SEED);
    try (Tape t = Tape.record()) {
      Var c = t.tracked(normal(SEED + 6, ROWS, context()));
      Transformed out = b.forward(t.input(input(SEED + 7, ROWS)), c);
      t.backward(
          io.flows4j.autodiff.ArithmeticOps.add(
              Reductions.sum(out.logAbsDet()), Reductions.sum(out.value())));
      double norm = 0;
      for (int i = 0; i < c.grad().size(); i++) {
        assertThat(Float.isFinite(c.grad().getFlat(i))).isTrue();
        norm += Math.abs(c.grad().getFlat(i));
      }
      assertThat(norm).isPositive();
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
