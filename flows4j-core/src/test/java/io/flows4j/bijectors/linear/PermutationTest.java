package io.flows4j.bijectors.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Tape;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.bijectors.BijectorRegistry;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The contract on a random permutation of 5 features, and the permutation's specifics. */
class PermutationTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    return Permutation.random(5, seed);
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(5);
  }

  @Test
  @DisplayName("the Jacobian is the permutation matrix: z_i = x_p(i) exactly, log-det 0")
  void forwardGathers() {
    Permutation p = Permutation.random(5, SEED);
    int[] perm = p.permutation();
    Tensor x = new Rng(SEED).fillNormal(Tensor.zeros(3, 5), 0, 1);
    try (Tape t = Tape.noGrad()) {
      Transformed f = p.forward(t.input(x));
      for (int r = 0; r < 3; r++) {
        for (int i = 0; i < 5; i++) {
          assertThat(f.value().value().get(r, i)).isEqualTo(x.get(r, perm[i]));
        }
        assertThat(f.logAbsDet().value().getFlat(r)).isZero();
      }
    }
  }

  @Test
  @DisplayName("a random permutation is not the identity, and the same seed gives the same one")
  void randomIsSeeded() {
    assertThat(Permutation.random(8, 3).permutation())
        .containsExactly(Permutation.random(8, 3).permutation())
        .isNotEqualTo(new int[] {0, 1, 2, 3, 4, 5, 6, 7});
  }

  @Test
  @DisplayName("reverse maps feature i to D-1-i")
  void reverse() {
    assertThat(Permutation.reverse(4).permutation()).containsExactly(3, 2, 1, 0);
  }

  @Test
  @DisplayName("the spec stores the permutation itself and rebuilds it")
  void specStoresThePermutation() {
    Permutation p = Permutation.random(6, 12);
    Json.Obj spec = p.spec();
    assertThat(spec.getArray("permutation").toIntArray()).containsExactly(p.permutation());
    Permutation rebuilt = (Permutation) BijectorRegistry.build(spec);
    assertThat(rebuilt.permutation()).containsExactly(p.permutation());
  }

  @Test
  @DisplayName("gradients of both directions match finite differences (seed 7)")
  void gradients() {
    Permutation p = Permutation.of(2, 0, 3, 1);
    Tensor x = GradCheck.uniform(7, -1, 1, 3, 4);
    GradCheck.check(v -> p.forward(v[0]).value(), 8, x);
    GradCheck.check(v -> p.inverse(v[0]).value(), 9, x);
  }

  @Test
  @DisplayName("an array that is not a permutation is refused with the array in the message")
  void rejectsNonPermutation() {
    assertThatThrownBy(() -> Permutation.of(0, 3, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Permutation: must be a permutation of 0..2, but was [0, 3, 1]");
    assertThatThrownBy(() -> Permutation.of(1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Permutation: must be a permutation of 0..1, but was [1, 1]");
  }
}
