package io.flows4j.bijectors;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The fused per-channel affine op and the fused two-output plumbing, against finite differences.
 */
class ChannelAffineTest {
  private static final long SEED = 9001L;

  private static final double[] CENTER = {0.5, -1.0};
  private static final double[] FACTOR = {2.0, 0.25};

  private static Transformed apply(Var[] v, double[] center, double[] factor, boolean inverse) {
    ChannelLayout l = ChannelLayout.of("test", v[0].shape(), 2);
    ChannelAffine.Terms terms = new ChannelAffine.Terms(v[1], center, v[2], factor, v[3]);
    return inverse ? ChannelAffine.inverse(v[0], terms, l) : ChannelAffine.forward(v[0], terms, l);
  }

  private static void check(int... dims) {
    Tensor x = GradCheck.uniform(SEED, -2, 2, dims);
    Tensor bias = GradCheck.uniform(SEED + 4, -1, 1, 2);
    Tensor ls = GradCheck.uniform(SEED + 1, -0.5, 0.5, 2);
    Tensor sh = GradCheck.uniform(SEED + 2, -1, 1, 2);
    Tensor w = GradCheck.randomLike(x, SEED + 3);
    for (boolean inverse : new boolean[] {false, true}) {
      for (double[] center : new double[][] {null, CENTER}) {
        double[] factor = center == null ? null : FACTOR;
        GradCheck.check(
            v -> ElementwiseMapsTest.both(apply(v, center, factor, inverse), w),
            SEED,
            x,
            bias,
            ls,
            sh);
        GradCheck.check(v -> apply(v, center, factor, inverse).value(), SEED, x, bias, ls, sh);
        GradCheck.check(v -> apply(v, center, factor, inverse).logAbsDet(), SEED, x, bias, ls, sh);
      }
    }
  }

  @Test
  @DisplayName(
      "gradients on [batch, features] match finite differences, both directions (seed 9001)")
  void vectors() {
    check(4, 2);
  }

  @Test
  @DisplayName(
      "gradients on [batch, C, T] and [batch, C, H, W] match finite differences (seed 9001)")
  void sequencesAndImages() {
    check(3, 2, 5);
    check(2, 2, 3, 2);
  }

  @Test
  @DisplayName("results do not depend on the thread count (large image batch, 1 vs 2 threads)")
  void threadCountDoesNotChangeResults() {
    int before = Threads.count();
    Tensor x = GradCheck.uniform(SEED, -2, 2, 16, 4, 32, 32);
    Tensor ls = GradCheck.uniform(SEED + 1, -0.5, 0.5, 4);
    Tensor sh = GradCheck.uniform(SEED + 2, -1, 1, 4);
    float[][] out = new float[2][];
    float[][] gradLs = new float[2][];
    try {
      for (int threads = 1; threads <= 2; threads++) {
        Threads.setCount(threads);
        try (Tape tape = Tape.record()) {
          Var lv = tape.tracked(ls);
          Transformed t =
              ChannelAffine.forward(
                  tape.input(x),
                  new ChannelAffine.Terms(null, null, lv, null, tape.tracked(sh)),
                  ChannelLayout.of("t", x.shape(), 4));
          tape.backward(Reductions.sum(ElementwiseMapsTest.both(t, x)));
          out[threads - 1] = t.value().value().toArray();
          gradLs[threads - 1] = lv.grad().toArray();
        }
      }
    } finally {
      Threads.setCount(before);
    }
    assertThat(out[1]).containsExactly(out[0]);
    for (int c = 0; c < 4; c++) {
      assertThat((double) gradLs[1][c])
          .isCloseTo(
              gradLs[0][c], org.assertj.core.data.Offset.offset(1e-6 * Math.abs(gradLs[0][c])));
    }
  }
}
