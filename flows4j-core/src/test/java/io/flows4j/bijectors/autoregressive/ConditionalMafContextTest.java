package io.flows4j.bijectors.autoregressive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How a conditional MAF layer uses its context. */
class ConditionalMafContextTest {
  private static final long SEED = 20261123L;
  private static final int FEATURES = 3;
  private static final int CONTEXT = 2;
  private static final int ROWS = 6;

  private static MaskedAffineAutoregressive layer() {
    MaskedAffineAutoregressive b =
        MaskedAffineAutoregressive.builder(FEATURES)
            .hidden(8, 8)
            .context(CONTEXT)
            .seed(SEED)
            .build();
    Rng rng = new Rng(SEED);
    for (var p : b.parameters()) {
      for (int i = 0; i < p.value().size(); i++) {
        p.value().setFlat(i, p.value().getFlat(i) + (float) (0.3 * rng.nextGaussian()));
      }
    }
    return b;
  }

  private static Tensor normal(long seed, int rows, int cols) {
    return new Rng(seed).fillNormal(Tensor.zeros(rows, cols), 0, 1);
  }

  @Test
  @DisplayName("every feature's transform, the first one's included, depends on the context")
  void contextChangesEveryFeature() {
    MaskedAffineAutoregressive b = layer();
    Tensor x = normal(SEED + 1, ROWS, FEATURES);
    Tensor z1;
    Tensor z2;
    try (Tape t = Tape.noGrad()) {
      z1 = b.forward(t.input(x), t.input(normal(SEED + 2, ROWS, CONTEXT))).value().value().copy();
      z2 = b.forward(t.input(x), t.input(normal(SEED + 3, ROWS, CONTEXT))).value().value().copy();
    }
    for (int r = 0; r < ROWS; r++) {
      for (int j = 0; j < FEATURES; j++) {
        assertThat(z1.get(r, j)).as("row %d feature %d", r, j).isNotEqualTo(z2.get(r, j));
      }
    }
  }

  @Test
  @DisplayName("one context row gives the same result as that row repeated for the batch")
  void broadcastEqualsRepeat() {
    MaskedAffineAutoregressive b = layer();
    Tensor x = normal(SEED + 4, ROWS, FEATURES);
    Tensor one = normal(SEED + 5, 1, CONTEXT);
    Tensor repeated = Tensor.zeros(ROWS, CONTEXT);
    for (int r = 0; r < ROWS; r++) {
      for (int j = 0; j < CONTEXT; j++) {
        repeated.set(one.get(0, j), r, j);
      }
    }
    try (Tape t = Tape.noGrad()) {
      Transformed a = b.forward(t.input(x), t.input(one));
      Transformed c = b.forward(t.input(x), t.input(repeated));
      assertThat(a.value().value().toArray()).containsExactly(c.value().value().toArray());
      assertThat(a.logAbsDet().value().toArray()).containsExactly(c.logAbsDet().value().toArray());
    }
  }

  @Test
  @DisplayName("the gradient of the log-density reaches the context (for an embedding network)")
  void gradientReachesTheContext() {
    MaskedAffineAutoregressive b = layer();
    try (Tape t = Tape.record()) {
      Var c = t.tracked(normal(SEED + 6, ROWS, CONTEXT));
      Transformed out = b.forward(t.input(normal(SEED + 7, ROWS, FEATURES)), c);
      t.backward(Reductions.sum(out.logAbsDet()));
      double norm = 0;
      for (int i = 0; i < c.grad().size(); i++) {
        norm += Math.abs(c.grad().getFlat(i));
      }
      assertThat(norm).isPositive();
    }
  }

  @Test
  @DisplayName("missing, unexpected and misshapen contexts are refused with the expected shape")
  void badContexts() {
    MaskedAffineAutoregressive b = layer();
    try (Tape t = Tape.noGrad()) {
      Var x = t.input(normal(SEED, ROWS, FEATURES));
      assertThatThrownBy(() -> b.forward(x))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("context of 2 features");
      assertThatThrownBy(() -> b.forward(x, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("needs a context of 2 features");
      assertThatThrownBy(() -> b.forward(x, t.input(normal(SEED, ROWS, 3))))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessageContaining("[6, 2] or [1, 2]");
      MaskedAffineAutoregressive plain = MaskedAffineAutoregressive.builder(FEATURES).build();
      assertThatThrownBy(() -> plain.forward(x, t.input(normal(SEED, ROWS, 2))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("built without a context");
      assertThatThrownBy(() -> b.given(t.input(normal(SEED, 1, 5))))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessageContaining("[n, 2]");
    }
  }
}
