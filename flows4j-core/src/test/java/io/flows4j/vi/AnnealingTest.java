package io.flows4j.vi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AnnealingTest {
  @Test
  @DisplayName("W2: beta_t = min(1, 0.01 + t/5000), from 0.01 at the first step to 1 at t = 4950")
  void w2Schedule() {
    Annealing a = Annealing.w2();
    assertThat(a.annealed()).isTrue();
    assertThat(a.beta(0)).isEqualTo(0.01);
    assertThat(a.beta(1)).isCloseTo(0.0102, within(1e-15));
    assertThat(a.beta(2500)).isCloseTo(0.51, within(1e-15));
    assertThat(a.beta(4949)).isCloseTo(0.9998, within(1e-12));
    assertThat(a.beta(4950)).isCloseTo(1.0, within(1e-15));
    assertThat(a.beta(5000)).isEqualTo(1.0);
    assertThat(a.beta(9999)).isEqualTo(1.0);
  }

  @Test
  @DisplayName("constant and none")
  void constant() {
    assertThat(Annealing.none().beta(0)).isEqualTo(1.0);
    assertThat(Annealing.none().beta(123_456)).isEqualTo(1.0);
    assertThat(Annealing.none().annealed()).isFalse();
    assertThat(Annealing.constant(0.5).beta(7)).isEqualTo(0.5);
    assertThat(Annealing.constant(2).beta(7)).isEqualTo(2.0);
  }

  @Test
  @DisplayName("bad schedules are refused with one-line messages")
  void validation() {
    assertThatThrownBy(() -> Annealing.constant(0))
        .hasMessage("Annealing: start must be finite and > 0, but was 0.0");
    assertThatThrownBy(() -> Annealing.linear(0.5, 0))
        .hasMessage("Annealing.linear: steps must be > 0, but was 0");
    assertThatThrownBy(() -> Annealing.linear(1.5, 10))
        .hasMessage("Annealing: start must be <= 1 when annealed over 10 steps, but was 1.5");
    assertThatThrownBy(() -> new Annealing(0.5, -1))
        .hasMessage("Annealing: steps must be >= 0, but was -1");
    assertThatThrownBy(() -> Annealing.none().beta(-1))
        .hasMessage("Annealing.beta: step must be >= 0, but was -1");
  }
}
