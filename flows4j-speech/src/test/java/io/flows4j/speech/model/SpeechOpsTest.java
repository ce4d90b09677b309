package io.flows4j.speech.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Gradient checks of every fused op against central finite differences, and forward values. */
class SpeechOpsTest {
  private static final long SEED = 812L;

  /** Tolerance of float32 forward values against double references. */
  private static final double VALUE_TOL = 1e-5;

  private static Tensor normal(long seed, int... dims) {
    return new Rng(seed).fillNormal(Tensor.zeros(dims), 0, 1);
  }

  private static Tensor mask(int[] lengths, int length) {
    return Masks.fromLengths(lengths, length);
  }

  @Test
  @DisplayName("layerNorm: gradients of x, gamma, beta match finite differences (seed 812)")
  void layerNormGradients() {
    GradCheck.check(
        v -> SpeechOps.layerNorm(v[0], v[1], v[2], 1e-4f),
        SEED,
        normal(SEED, 2, 5, 3),
        normal(SEED + 1, 5),
        normal(SEED + 2, 5));
  }

  @Test
  @DisplayName("layerNorm: zero mean and unit variance over channels, then gamma and beta")
  void layerNormValues() {
    Tensor x = normal(SEED, 2, 6, 4);
    Tensor g = normal(SEED + 1, 6);
    Tensor b = normal(SEED + 2, 6);
    Tensor y =
        SpeechOps.layerNorm(Var.constant(x), Var.constant(g), Var.constant(b), 1e-4f).value();
    for (int n = 0; n < 2; n++) {
      for (int t = 0; t < 4; t++) {
        double m = 0;
        for (int c = 0; c < 6; c++) {
          m += x.get(n, c, t);
        }
        m /= 6;
        double v = 0;
        for (int c = 0; c < 6; c++) {
          v += (x.get(n, c, t) - m) * (x.get(n, c, t) - m);
        }
        v /= 6;
        for (int c = 0; c < 6; c++) {
          double expected =
              g.getFlat(c) * (x.get(n, c, t) - m) / Math.sqrt(v + 1e-4) + b.getFlat(c);
          assertThat((double) y.get(n, c, t)).isCloseTo(expected, within(VALUE_TOL * 10));
        }
      }
    }
  }

  @Test
  @DisplayName("gatedTanh: tanh(a) sigmoid(b) and its gradient (seed 812)")
  void gatedTanh() {
    Tensor a = normal(SEED, 2, 6, 3);
    Tensor y = SpeechOps.gatedTanh(Var.constant(a)).value();
    double expected = Math.tanh(a.get(1, 2, 1)) / (1 + Math.exp(-a.get(1, 5, 1)));
    assertThat((double) y.get(1, 2, 1)).isCloseTo(expected, within(VALUE_TOL));
    GradCheck.check(v -> SpeechOps.gatedTanh(v[0]), SEED, a);
  }

  @Test
  @DisplayName("dropout: the same keep pattern scales by 1/(1-p); gradient (seed 812)")
  void dropout() {
    GradCheck.check(v -> SpeechOps.dropout(v[0], 0.3, new Rng(5)), SEED, normal(SEED, 2, 3, 4));
    Tensor x = Tensor.full(io.flows4j.tensor.Shape.of(1, 1, 4000), 1f);
    Tensor y = SpeechOps.dropout(Var.constant(x), 0.25, new Rng(9)).value();
    int kept = 0;
    for (int i = 0; i < y.size(); i++) {
      if (y.getFlat(i) != 0f) {
        assertThat((double) y.getFlat(i)).isCloseTo(1 / 0.75, within(1e-6));
        kept++;
      }
    }
    assertThat(kept).isBetween(2850, 3150); // 3000 expected, binomial sd 27
  }

  @Test
  @DisplayName("mask and addChannels: values and gradients with padding (seed 812)")
  void maskAndAddChannels() {
    Tensor m = mask(new int[] {3, 2}, 3);
    GradCheck.check(v -> SpeechOps.mask(v[0], m), SEED, normal(SEED, 2, 2, 3));
    GradCheck.check(
        v -> SpeechOps.addChannels(v[0], v[1], 2, m),
        SEED,
        normal(SEED, 2, 2, 3),
        normal(7, 2, 5, 3));
    Tensor a = normal(SEED, 2, 2, 3);
    Tensor b = normal(7, 2, 5, 3);
    Tensor y = SpeechOps.addChannels(Var.constant(a), Var.constant(b), 2, m).value();
    assertThat(y.get(1, 1, 1)).isEqualTo(a.get(1, 1, 1) + b.get(1, 3, 1));
    assertThat(y.get(1, 1, 2)).isZero();
  }

  @Test
  @DisplayName("coupling forward and inverse: values, round trip and gradients (seed 812)")
  void coupling() {
    Tensor m = mask(new int[] {4, 3}, 4);
    Tensor x = normal(SEED, 2, 3, 4);
    Tensor st = normal(SEED + 1, 2, 6, 4);
    GradCheck.check(v -> SpeechOps.couplingForward(v[0], v[1], m), SEED, x, st);
    GradCheck.check(v -> SpeechOps.couplingInverse(v[0], v[1], m), SEED, x, st);
    Tensor z = SpeechOps.couplingForward(Var.constant(x), Var.constant(st), m).value();
    double expected = st.get(0, 1, 2) + Math.exp(st.get(0, 4, 2)) * x.get(0, 1, 2);
    assertThat((double) z.get(0, 1, 2)).isCloseTo(expected, within(VALUE_TOL * 10));
    assertThat(z.get(1, 0, 3)).isZero();
    Tensor back = SpeechOps.couplingInverse(Var.constant(z), Var.constant(st), m).value();
    assertThat((double) back.get(0, 2, 1)).isCloseTo(x.get(0, 2, 1), within(1e-5));
  }

  @Test
  @DisplayName("maskedChannelSum, scaledSum, scaleRows: values and gradients (seed 812)")
  void sums() {
    Tensor m = mask(new int[] {4, 2}, 4);
    Tensor x = normal(SEED, 2, 4, 4);
    GradCheck.check(v -> SpeechOps.maskedChannelSum(v[0], 2, 2, m, -1f), SEED, x);
    double expected = 0;
    for (int c = 2; c < 4; c++) {
      for (int t = 0; t < 2; t++) {
        expected -= x.get(1, c, t);
      }
    }
    Tensor s = SpeechOps.maskedChannelSum(Var.constant(x), 2, 2, m, -1f).value();
    assertThat((double) s.getFlat(1)).isCloseTo(expected, within(VALUE_TOL));
    GradCheck.check(v -> SpeechOps.scaledSum(v[0], new double[] {2, -3}), SEED, normal(SEED, 4));
    GradCheck.check(v -> SpeechOps.scaleRows(v[0], new double[] {0.5, 2}), SEED, normal(SEED, 2));
  }

  @Test
  @DisplayName("groupedMix and luWeight: gradients; groups take two channels of each half")
  void groupedMix() {
    GradCheck.check(
        v -> SpeechOps.groupedMix(v[0], v[1]), SEED, normal(SEED, 2, 8, 3), normal(4, 4, 4));
    int[] perm = {2, 0, 3, 1};
    float[] signs = {1, -1, 1, -1};
    GradCheck.check(
        v -> SpeechOps.luWeight(v[0], v[1], v[2], perm, signs),
        SEED,
        normal(SEED, 6),
        normal(SEED + 1, 6),
        normal(SEED + 2, 4).fill(0.1f));
    assertThat(SpeechOps.groupChannel(8, 0, 1)).isEqualTo(2);
    assertThat(SpeechOps.groupChannel(8, 1, 1)).isEqualTo(3);
    assertThat(SpeechOps.groupChannel(8, 2, 1)).isEqualTo(6);
    assertThat(SpeechOps.groupChannel(8, 3, 1)).isEqualTo(7);
    Tensor x = normal(SEED, 1, 8, 2);
    Tensor w = normal(3, 4, 4);
    Tensor y = SpeechOps.groupedMix(Var.constant(x), Var.constant(w)).value();
    int[] ch = {2, 3, 6, 7};
    double expected = 0;
    for (int l = 0; l < 4; l++) {
      expected += w.get(2, l) * x.get(0, ch[l], 1);
    }
    assertThat((double) y.get(0, 6, 1)).isCloseTo(expected, within(VALUE_TOL));
  }

  @Test
  @DisplayName("luWeight equals P L (U + diag(sign exp(logS))) computed by hand")
  void luWeightValue() {
    Tensor lower = Tensor.of(new float[] {0.5f, -1f, 2f, 0.25f, 0f, 1f}, 6);
    Tensor upper = Tensor.of(new float[] {1f, 2f, 3f, 4f, 5f, 6f}, 6);
    Tensor logS = Tensor.of(new float[] {0f, 0.5f, -0.5f, 1f}, 4);
    int[] perm = {1, 2, 3, 0};
    float[] signs = {1, -1, 1, 1};
    double[][] l = {{1, 0, 0, 0}, {0.5, 1, 0, 0}, {-1, 2, 1, 0}, {0.25, 0, 1, 1}};
    double[][] v = {
      {1, 1, 2, 3}, {0, -Math.exp(0.5), 4, 5}, {0, 0, Math.exp(-0.5), 6}, {0, 0, 0, Math.exp(1)}
    };
    Tensor w =
        SpeechOps.luWeight(
                Var.constant(lower), Var.constant(upper), Var.constant(logS), perm, signs)
            .value();
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 4; j++) {
        double e = 0;
        for (int k = 0; k < 4; k++) {
          e += l[i][k] * v[k][j];
        }
        assertThat((double) w.get(perm[i], j)).isCloseTo(e, within(1e-5));
      }
    }
  }

  @Test
  @DisplayName("squeeze and unsqueeze: frame pairs become channels, inverse, gradients")
  void squeeze() {
    Tensor x = normal(SEED, 2, 3, 4);
    Tensor y = SpeechOps.squeeze(Var.constant(x)).value();
    assertThat(y.shape().dims()).containsExactly(2, 6, 2);
    assertThat(y.get(1, 3 + 2, 1)).isEqualTo(x.get(1, 2, 3));
    assertThat(y.get(1, 2, 1)).isEqualTo(x.get(1, 2, 2));
    Tensor back = SpeechOps.unsqueeze(Var.constant(y)).value();
    assertThat(back.toArray()).containsExactly(x.toArray());
    GradCheck.check(v -> SpeechOps.squeeze(v[0]), SEED, x);
    GradCheck.check(v -> SpeechOps.unsqueeze(v[0]), SEED, y);
  }

  @Test
  @DisplayName("embed: scaled rows in the sequence layout, zero padding, table gradient")
  void embed() {
    int[][] tokens = {{2, 0, 2}, {1}};
    Tensor table = normal(SEED, 3, 4);
    Tensor y = SpeechOps.embed(Var.constant(table), tokens, 3, 2f).value();
    assertThat(y.get(0, 1, 2)).isEqualTo(2f * table.get(2, 1));
    assertThat(y.get(1, 3, 1)).isZero();
    GradCheck.check(v -> SpeechOps.embed(v[0], tokens, 3, 2f), SEED, table);
  }

  @Test
  @DisplayName("alignedSquaredError and durationSquaredError: values and gradients (seed 812)")
  void losses() {
    int[][] alignment = {{0, 0, 1, 2}, {0, 1}};
    Tensor z = normal(SEED, 2, 3, 4);
    Tensor mu = normal(SEED + 1, 2, 3, 3);
    GradCheck.check(v -> SpeechOps.alignedSquaredError(v[0], v[1], alignment), SEED, z, mu);
    double expected = 0;
    for (int b = 0; b < 2; b++) {
      for (int t = 0; t < alignment[b].length; t++) {
        for (int c = 0; c < 3; c++) {
          double d = z.get(b, c, t) - mu.get(b, c, alignment[b][t]);
          expected += 0.5 * d * d;
        }
      }
    }
    Tensor s = SpeechOps.alignedSquaredError(Var.constant(z), Var.constant(mu), alignment).value();
    assertThat((double) s.getFlat(0)).isCloseTo(expected, within(1e-4));
    double[][] target = {{0.5, 1.0, 0.0}, {2.0}};
    Tensor logw = normal(SEED + 2, 2, 1, 3);
    GradCheck.check(v -> SpeechOps.durationSquaredError(v[0], target), SEED, logw);
    double e2 = 0;
    for (int b = 0; b < 2; b++) {
      for (int i = 0; i < target[b].length; i++) {
        double d = logw.getFlat(b * 3 + i) - target[b][i];
        e2 += d * d;
      }
    }
    assertThat(
            (double) SpeechOps.durationSquaredError(Var.constant(logw), target).value().getFlat(0))
        .isCloseTo(e2, within(1e-4));
  }

  @Test
  @DisplayName("a recording tape makes no gradient for constants")
  void constantsNeedNoGradient() {
    try (Tape tape = Tape.record()) {
      Var y = SpeechOps.gatedTanh(tape.input(normal(SEED, 1, 2, 2)));
      assertThat(y.requiresGrad()).isFalse();
    }
  }
}
