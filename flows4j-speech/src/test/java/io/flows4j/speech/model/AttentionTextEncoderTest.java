package io.flows4j.speech.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The self-attention text encoder: masked-batch invariance, gradients reach every parameter. */
class AttentionTextEncoderTest {
  /**
   * Absolute agreement of an item's outputs alone and padded in a batch: float rounding of sums in
   * different GEMM shapes through three layers, on values of order 1.
   */
  private static final double LAYOUT_TOL = 1e-5;

  private static AttentionTextEncoder encoder(long seed) {
    // 3 layers, 2 heads of 8 channels, window 2 (clipped on these lengths), 32 filter channels.
    return new AttentionTextEncoder(10, 16, 3, 2, 2, 32, 3, 0.1, 6, seed);
  }

  private static int[][] tokens(long seed, int... lengths) {
    Rng rng = new Rng(seed);
    int[][] t = new int[lengths.length][];
    for (int b = 0; b < lengths.length; b++) {
      t[b] = new int[lengths[b]];
      for (int i = 0; i < lengths[b]; i++) {
        t[b][i] = rng.nextInt(10);
      }
    }
    return t;
  }

  @Test
  @DisplayName(
      "masked-batch invariance: each item's hidden states and means are the same alone and padded"
          + " with longer items (seed 4)")
  void batchInvariance() {
    AttentionTextEncoder enc = encoder(4);
    enc.eval();
    int[] lengths = {11, 6, 2};
    int[][] tok = tokens(4, lengths);
    try (Tape t = Tape.noGrad()) {
      TextEncoder.Output all = enc.forward(tok, 11, Masks.fromLengths(lengths, 11));
      for (int b = 0; b < 3; b++) {
        int n = lengths[b];
        TextEncoder.Output one =
            enc.forward(new int[][] {tok[b]}, n, Masks.fromLengths(new int[] {n}, n));
        compare(all.hidden().value(), one.hidden().value(), b, n);
        compare(all.mean().value(), one.mean().value(), b, n);
      }
    }
  }

  private static void compare(Tensor batch, Tensor alone, int b, int n) {
    for (int c = 0; c < batch.dim(1); c++) {
      for (int i = 0; i < batch.dim(2); i++) {
        if (i < n) {
          assertThat((double) batch.get(b, c, i))
              .as("item %d, channel %d, token %d", b, c, i)
              .isCloseTo(alone.get(0, c, i), within(LAYOUT_TOL));
        } else {
          assertThat(batch.get(b, c, i)).isZero();
        }
      }
    }
  }

  @Test
  @DisplayName("a backward pass in training mode gives every parameter a non-zero gradient")
  void gradientsReachEveryParameter() {
    AttentionTextEncoder enc = encoder(5);
    enc.train();
    int[] lengths = {9, 5};
    try (Tape t = Tape.record()) {
      TextEncoder.Output out = enc.forward(tokens(5, lengths), 9, Masks.fromLengths(lengths, 9));
      Tensor w = new Rng(6).fillNormal(Tensor.zeros(out.mean().shape().dims()), 0, 1);
      t.backward(
          io.flows4j.autodiff.Reductions.sum(
              io.flows4j.autodiff.ArithmeticOps.mul(out.mean(), t.input(w))));
    }
    for (Parameter p : enc.parameters()) {
      double norm = 0;
      for (int i = 0; i < p.size(); i++) {
        norm += Math.abs(p.grad().getFlat(i));
      }
      assertThat(norm).as(p.name()).isPositive();
    }
  }
}
