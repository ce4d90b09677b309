package io.flows4j.speech.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The relative-position self-attention op: gradients, a double-precision reference, masking. */
class AttentionOpsTest {
  private static final long SEED = 9031L;

  /** Absolute tolerance of the float32 op against the double reference (values of order 1). */
  private static final double REFERENCE_TOL = 2e-5;

  /** Absolute tolerance of an item's output alone against the same item padded in a batch. */
  private static final double LAYOUT_TOL = 1e-5;

  private static Tensor normal(long seed, int... dims) {
    return new Rng(seed).fillNormal(Tensor.zeros(dims), 0, 1);
  }

  private static Var attend(Var qkv, Var rk, Var rv, Tensor mask, int heads) {
    return AttentionOps.relativeSelfAttention(qkv, rk, rv, mask, heads, 0, null);
  }

  /**
   * The op in double precision, written from the formula: for every item, head and valid query, the
   * scores with the clipped relative keys, a softmax over the valid keys, the weighted values plus
   * relative values; zero at padding.
   */
  private static double[][][] reference(
      Tensor qkv, Tensor rk, Tensor rv, int[] lengths, int heads) {
    int batch = qkv.dim(0);
    int hidden = qkv.dim(1) / 3;
    int len = qkv.dim(2);
    int d = hidden / heads;
    int w = (rk.dim(0) - 1) / 2;
    double[][][] y = new double[batch][hidden][len];
    for (int b = 0; b < batch; b++) {
      int n = lengths[b];
      for (int h = 0; h < heads; h++) {
        for (int i = 0; i < n; i++) {
          double[] s = new double[n];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j < n; j++) {
            int r = Math.min(Math.max(j - i, -w), w) + w;
            double acc = 0;
            for (int c = 0; c < d; c++) {
              double q = qkv.get(b, h * d + c, i);
              acc += q * qkv.get(b, hidden + h * d + c, j) + q * rk.get(r, c);
            }
            s[j] = acc / Math.sqrt(d);
            max = Math.max(max, s[j]);
          }
          double sum = 0;
          for (int j = 0; j < n; j++) {
            s[j] = Math.exp(s[j] - max);
            sum += s[j];
          }
          for (int c = 0; c < d; c++) {
            double acc = 0;
            for (int j = 0; j < n; j++) {
              int r = Math.min(Math.max(j - i, -w), w) + w;
              acc += s[j] / sum * (qkv.get(b, 2 * hidden + h * d + c, j) + rv.get(r, c));
            }
            y[b][h * d + c][i] = acc;
          }
        }
      }
    }
    return y;
  }

  @Test
  @DisplayName(
      "gradients of qkv and both relative embeddings, with padding and clipping (seed 9031)")
  void gradientsMasked() {
    // Window 1 on 6 positions: offsets up to 5 are clipped to +-1.
    Tensor mask = Masks.fromLengths(new int[] {6, 4}, 6);
    GradCheck.check(
        v -> attend(v[0], v[1], v[2], mask, 2),
        SEED,
        normal(SEED, 2, 12, 6),
        normal(SEED + 1, 3, 2),
        normal(SEED + 2, 3, 2));
  }

  @Test
  @DisplayName("gradients without a mask, one head, window 0 (seed 9032)")
  void gradientsUnmasked() {
    GradCheck.check(
        v -> attend(v[0], v[1], v[2], null, 1),
        SEED + 1,
        normal(SEED + 3, 1, 9, 5),
        normal(SEED + 4, 1, 3),
        normal(SEED + 5, 1, 3));
  }

  @Test
  @DisplayName("gradients with dropout on the attention weights, fixed masks (seed 9033)")
  void gradientsWithDropout() {
    Tensor mask = Masks.fromLengths(new int[] {5, 3}, 5);
    GradCheck.check(
        v -> AttentionOps.relativeSelfAttention(v[0], v[1], v[2], mask, 2, 0.3, new Rng(77)),
        SEED + 2,
        normal(SEED + 6, 2, 12, 5),
        normal(SEED + 7, 5, 2),
        normal(SEED + 8, 5, 2));
  }

  @Test
  @DisplayName("forward values match a naive double-precision loop; padding is exactly zero")
  void matchesReference() {
    int[] lengths = {7, 4, 1};
    Tensor qkv = normal(SEED + 9, 3, 18, 7);
    Tensor rk = normal(SEED + 10, 5, 2);
    Tensor rv = normal(SEED + 11, 5, 2);
    Tensor y =
        attend(
                Var.constant(qkv),
                Var.constant(rk),
                Var.constant(rv),
                Masks.fromLengths(lengths, 7),
                3)
            .value();
    double[][][] expected = reference(qkv, rk, rv, lengths, 3);
    for (int b = 0; b < 3; b++) {
      for (int c = 0; c < 6; c++) {
        for (int t = 0; t < 7; t++) {
          if (t < lengths[b]) {
            assertThat((double) y.get(b, c, t)).isCloseTo(expected[b][c][t], within(REFERENCE_TOL));
          } else {
            assertThat(y.get(b, c, t)).isZero();
          }
        }
      }
    }
  }

  @Test
  @DisplayName("padding keys get zero weight: NaN in the padding of qkv changes no bit")
  void paddingNeverRead() {
    int[] lengths = {6, 3};
    Tensor mask = Masks.fromLengths(lengths, 6);
    Tensor qkv = normal(SEED + 12, 2, 12, 6);
    Tensor rk = normal(SEED + 13, 9, 2);
    Tensor rv = normal(SEED + 14, 9, 2);
    float[] clean =
        attend(Var.constant(qkv), Var.constant(rk), Var.constant(rv), mask, 2).value().toArray();
    Tensor dirty = qkv.copy();
    for (int c = 0; c < 12; c++) {
      for (int t = 3; t < 6; t++) {
        dirty.set(Float.NaN, 1, c, t);
      }
    }
    float[] out =
        attend(Var.constant(dirty), Var.constant(rk), Var.constant(rv), mask, 2).value().toArray();
    assertThat(out).containsExactly(clean);
  }

  @Test
  @DisplayName("an item gives the same output alone and padded in a batch with a longer item")
  void batchInvariance() {
    Tensor qkv = normal(SEED + 15, 2, 12, 9);
    Tensor rk = normal(SEED + 16, 9, 2);
    Tensor rv = normal(SEED + 17, 9, 2);
    Tensor batch =
        attend(
                Var.constant(qkv),
                Var.constant(rk),
                Var.constant(rv),
                Masks.fromLengths(new int[] {9, 5}, 9),
                2)
            .value();
    Tensor one = Tensor.zeros(1, 12, 5);
    for (int c = 0; c < 12; c++) {
      for (int t = 0; t < 5; t++) {
        one.set(qkv.get(1, c, t), 0, c, t);
      }
    }
    Tensor alone = attend(Var.constant(one), Var.constant(rk), Var.constant(rv), null, 2).value();
    for (int c = 0; c < 4; c++) {
      for (int t = 0; t < 5; t++) {
        assertThat((double) batch.get(1, c, t)).isCloseTo(alone.get(0, c, t), within(LAYOUT_TOL));
      }
    }
  }

  @Test
  @DisplayName("dropout: masks repeat with the generator's seed and differ from no dropout")
  void dropoutMasks() {
    Tensor qkv = normal(SEED + 18, 1, 12, 8);
    Tensor rk = normal(SEED + 19, 9, 2);
    Tensor rv = normal(SEED + 20, 9, 2);
    try (Tape t = Tape.noGrad()) {
      float[] a =
          AttentionOps.relativeSelfAttention(
                  Var.constant(qkv), Var.constant(rk), Var.constant(rv), null, 2, 0.5, new Rng(1))
              .value()
              .toArray();
      float[] b =
          AttentionOps.relativeSelfAttention(
                  Var.constant(qkv), Var.constant(rk), Var.constant(rv), null, 2, 0.5, new Rng(1))
              .value()
              .toArray();
      float[] none =
          attend(Var.constant(qkv), Var.constant(rk), Var.constant(rv), null, 2).value().toArray();
      assertThat(b).containsExactly(a);
      assertThat(a).isNotEqualTo(none);
    }
  }

  @Test
  @DisplayName("bad shapes, heads and masks are refused with messages naming them")
  void badInput() {
    Var qkv = Var.constant(Tensor.zeros(2, 12, 4));
    Var rel = Var.constant(Tensor.zeros(3, 2));
    assertThatThrownBy(() -> attend(Var.constant(Tensor.zeros(2, 10, 4)), rel, rel, null, 2))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageContaining("qkv must be [batch, 3 hidden, length], but was [2, 10, 4]");
    assertThatThrownBy(() -> attend(qkv, rel, rel, null, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("heads must divide the 4 channels, but was 3");
    assertThatThrownBy(() -> attend(qkv, Var.constant(Tensor.zeros(4, 2)), rel, null, 2))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageContaining("[2 window + 1, 2]");
    Tensor holes = Masks.fromLengths(new int[] {4, 2}, 4);
    holes.set(1f, 1, 0, 3);
    assertThatThrownBy(() -> attend(qkv, rel, rel, holes, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("mask row 1 must be 1 on a prefix and 0 after it");
    assertThatThrownBy(() -> AttentionOps.relativeSelfAttention(qkv, rel, rel, null, 2, 0.1, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("dropout must be in [0, 1) with a generator");
  }
}
