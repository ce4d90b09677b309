package io.flows4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RngTest {
  /** Samples per moment test. */
  static final int N = 200_000;

  /** Moments must lie within this many standard errors of their expected value. */
  static final double Z = 5;

  @Test
  @DisplayName("normal fill has mean 0, variance 1, kurtosis 3 within 5 standard errors; seed 7")
  void normalMoments() {
    Tensor t = new Rng(7).fillNormal(Tensor.zeros(N), 0, 1);
    double m1 = 0;
    double m2 = 0;
    double m4 = 0;
    for (int i = 0; i < N; i++) {
      double v = t.getFlat(i);
      m1 += v;
      m2 += v * v;
      m4 += v * v * v * v;
    }
    m1 /= N;
    m2 /= N;
    m4 /= N;
    assertThat(Math.abs(m1)).isLessThan(Z / Math.sqrt(N));
    assertThat(Math.abs(m2 - 1)).isLessThan(Z * Math.sqrt(2.0 / N));
    assertThat(Math.abs(m4 - 3)).isLessThan(Z * Math.sqrt(96.0 / N));
    // P(|z| > 1.96) = 0.05
    int tail = 0;
    for (int i = 0; i < N; i++) {
      tail += Math.abs(t.getFlat(i)) > 1.959964 ? 1 : 0;
    }
    assertThat(Math.abs(tail / (double) N - 0.05)).isLessThan(Z * Math.sqrt(0.05 * 0.95 / N));
  }

  @Test
  @DisplayName("uniform fill stays in [lo, hi) with mean (lo + hi) / 2; seed 8")
  void uniform() {
    Tensor t = new Rng(8).fillUniform(Tensor.zeros(N), -2, 3);
    double sum = 0;
    for (int i = 0; i < N; i++) {
      float v = t.getFlat(i);
      assertThat(v).isBetween(-2f, 3f);
      sum += v;
    }
    assertThat(Math.abs(sum / N - 0.5)).isLessThan(Z * 5 / Math.sqrt(12.0 * N));
  }

  @Test
  @DisplayName("the same seed gives the same stream; a split stream differs; seed 9")
  void reproducible() {
    Rng a = new Rng(9);
    Rng b = new Rng(9);
    for (int i = 0; i < 100; i++) {
      assertThat(a.nextGaussian()).isEqualTo(b.nextGaussian());
      assertThat(a.nextUniform()).isEqualTo(b.nextUniform());
    }
    Rng c = a.split();
    assertThat(c.nextLong()).isNotEqualTo(a.nextLong());
    assertThat(Tensors.randomNormal(new Rng(3), 4, 5).toArray())
        .containsExactly(Tensors.randomNormal(new Rng(3), 4, 5).toArray());
  }

  @Test
  @DisplayName("permutation holds every index once; indices stay in range; seed 10")
  void permutationAndIndices() {
    Rng r = new Rng(10);
    int[] p = r.permutation(50);
    int[] sorted = p.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < 50; i++) {
      assertThat(sorted[i]).isEqualTo(i);
    }
    assertThat(p).isNotEqualTo(sorted);
    assertThat(java.util.Arrays.stream(r.indices(1000, 7)).allMatch(i -> i >= 0 && i < 7)).isTrue();
  }

  @Test
  void refusesBadArguments() {
    Rng r = new Rng(1);
    assertThatThrownBy(() -> r.fillUniform(Tensor.zeros(2), 1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Rng.fillUniform");
    assertThatThrownBy(() -> r.fillNormal(Tensor.zeros(2), 0, -1))
        .hasMessageContaining("std finite and >= 0");
    assertThatThrownBy(() -> r.nextInt(0)).hasMessage("Rng.nextInt: bound must be > 0, but was 0");
  }
}
