package io.flows4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.MathOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MADETest {
  /** Finite-difference step for the perturbation check. */
  private static final float STEP = 0.25f;

  static Stream<Arguments> configurations() {
    return Stream.of(
        Arguments.of(
            "natural, cyclic, 2 hidden",
            made(5, 2, MADE.naturalOrder(5), MADE.HiddenDegrees.CYCLIC, 0, 8, 8)),
        Arguments.of(
            "reversed, cyclic", made(4, 3, MADE.reversedOrder(4), MADE.HiddenDegrees.CYCLIC, 0, 6)),
        Arguments.of(
            "shuffled, random degrees",
            made(6, 2, new int[] {3, 6, 1, 5, 2, 4}, MADE.HiddenDegrees.RANDOM, 0, 10, 10)),
        Arguments.of(
            "with context", made(4, 2, MADE.naturalOrder(4), MADE.HiddenDegrees.CYCLIC, 3, 7)),
        Arguments.of(
            "no hidden layer", made(4, 2, MADE.reversedOrder(4), MADE.HiddenDegrees.CYCLIC, 0)),
        Arguments.of(
            "one feature", made(1, 2, MADE.naturalOrder(1), MADE.HiddenDegrees.CYCLIC, 0, 4)),
        Arguments.of(
            "two features, 3 hidden layers, random",
            made(2, 1, MADE.naturalOrder(2), MADE.HiddenDegrees.RANDOM, 0, 5, 5, 5)));
  }

  private static MADE made(
      int d, int p, int[] degrees, MADE.HiddenDegrees mode, int context, int... hidden) {
    return MADE.builder(d, p)
        .hidden(hidden)
        .activation(Activation.TANH)
        .inputDegrees(degrees)
        .hiddenDegrees(mode)
        .context(context)
        .seed(17)
        .build();
  }

  private static Var apply(MADE m, Var x, Var c) {
    return m.contextFeatures() > 0 ? m.forward(x, c) : m.forward(x);
  }

  /**
   * The Jacobian of out[0, :] with respect to [x[0, :], c[0, :]], one row per output, by backward
   * through a one-hot weight.
   */
  private static float[][] jacobian(MADE m, Tensor x, Tensor c) {
    int outs = m.features() * m.paramsPerFeature();
    float[][] jac = new float[outs][];
    float[][] jc = new float[outs][];
    for (int o = 0; o < outs; o++) {
      Tensor onehot = Tensor.zeros(1, outs);
      onehot.set(1f, 0, o);
      try (Tape tape = Tape.record()) {
        Var xv = tape.tracked(x);
        Var cv = tape.tracked(c);
        Var y = apply(m, xv, cv);
        tape.backward(Reductions.sum(ArithmeticOps.mul(y, tape.input(onehot))));
        jac[o] = xv.grad().toArray();
        jc[o] = m.contextFeatures() > 0 ? cv.grad().toArray() : new float[0];
      }
    }
    for (Parameter p : m.parameters()) {
      p.zeroGrad();
    }
    return merge(jac, jc);
  }

  private static float[][] merge(float[][] jx, float[][] jc) {
    float[][] out = new float[jx.length][];
    for (int o = 0; o < jx.length; o++) {
      out[o] = new float[jx[o].length + jc[o].length];
      System.arraycopy(jx[o], 0, out[o], 0, jx[o].length);
      System.arraycopy(jc[o], 0, out[o], jx[o].length, jc[o].length);
    }
    return out;
  }

  /** Whether some chain of unmasked connections leads from input j to output o. */
  private static boolean[][] paths(MADE m) {
    int d = m.features();
    boolean[][] reach = new boolean[d][d];
    for (int j = 0; j < d; j++) {
      reach[j][j] = true;
    }
    for (MaskedLinear layer : m.layers()) {
      Tensor mask = layer.mask();
      int out = mask.dim(0);
      int in = mask.dim(1);
      boolean[][] next = new boolean[out][d];
      for (int k = 0; k < out; k++) {
        for (int i = 0; i < in; i++) {
          if (mask.get(k, i) != 0f) {
            for (int j = 0; j < d; j++) {
              next[k][j] |= reach[i][j];
            }
          }
        }
      }
      reach = next;
    }
    return reach;
  }

  @ParameterizedTest(name = "{0}, seed=17")
  @MethodSource("configurations")
  void outputsDependExactlyOnEarlierFeatures(String name, MADE m) {
    int d = m.features();
    int p = m.paramsPerFeature();
    int[] deg = m.inputDegrees();
    SplittableRandom r = new SplittableRandom(23);
    Tensor x = Init.uniform(Tensor.zeros(1, d), -1, 1, r);
    Tensor c = Init.uniform(Tensor.zeros(1, Math.max(1, m.contextFeatures())), -1, 1, r);
    float[][] jac = jacobian(m, x, c);
    boolean[][] paths = paths(m);
    boolean cyclic = !name.contains("random");
    for (int o = 0; o < d * p; o++) {
      int feature = o / p;
      for (int j = 0; j < d; j++) {
        boolean allowed = deg[j] < deg[feature];
        if (!allowed) {
          assertThat(jac[o][j]).as("d out%d / d x%d must be zero", o, j).isZero();
          assertThat(paths[o][j]).as("no mask path from x%d to out%d", j, o).isFalse();
        } else if (paths[o][j]) {
          // tanh units and random weights: a connected pair has a nonzero derivative.
          assertThat(jac[o][j]).as("d out%d / d x%d through the masks", o, j).isNotZero();
        }
        if (cyclic) {
          // Cyclic degrees in wide enough layers connect every allowed pair.
          assertThat(paths[o][j]).as("path x%d -> out%d", j, o).isEqualTo(allowed);
        }
      }
      for (int k = 0; k < m.contextFeatures(); k++) {
        assertThat(jac[o][d + k]).as("d out%d / d c%d", o, k).isNotZero();
      }
    }
    // Perturbing an input leaves every output that may not depend on it bit-for-bit unchanged.
    try (Tape tape = Tape.noGrad()) {
      float[] base = apply(m, tape.input(x), tape.input(c)).value().toArray();
      for (int j = 0; j < d; j++) {
        Tensor moved = x.copy();
        moved.set(moved.get(0, j) + STEP, 0, j);
        float[] y = apply(m, tape.input(moved), tape.input(c)).value().toArray();
        for (int o = 0; o < d * p; o++) {
          if (deg[j] >= deg[o / p]) {
            assertThat(y[o]).as("out%d after moving x%d", o, j).isEqualTo(base[o]);
          }
        }
      }
    }
  }

  @Test
  void hiddenDegreesCycleOrAreSeeded() {
    MADE cyclic = MADE.builder(4, 1).hidden(7).build();
    assertThat(cyclic.hiddenDegrees(0)).containsExactly(1, 2, 3, 1, 2, 3, 1);
    MADE withContext = MADE.builder(4, 1).hidden(6).context(2).build();
    assertThat(withContext.hiddenDegrees(0)).containsExactly(0, 1, 2, 3, 0, 1);
    MADE r1 =
        MADE.builder(5, 1).hidden(20).hiddenDegrees(MADE.HiddenDegrees.RANDOM).seed(3).build();
    MADE r2 =
        MADE.builder(5, 1).hidden(20).hiddenDegrees(MADE.HiddenDegrees.RANDOM).seed(3).build();
    assertThat(r1.hiddenDegrees(0)).containsExactly(r2.hiddenDegrees(0));
    for (int v : r1.hiddenDegrees(0)) {
      assertThat(v).isBetween(1, 4);
    }
  }

  @Test
  void masksAreAppliedToStoredWeightsAndGradients() {
    MADE m = MADE.builder(3, 2).hidden(4).seed(5).build();
    for (MaskedLinear layer : m.layers()) {
      Tensor mask = layer.mask();
      Tensor w = layer.weight().value();
      for (int i = 0; i < w.size(); i++) {
        if (mask.getFlat(i) == 0f) {
          assertThat(w.getFlat(i)).isZero();
        }
      }
    }
    try (Tape tape = Tape.record()) {
      Var y =
          m.forward(
              tape.input(Tensor.of(new float[] {0.3f, -0.7f, 1.1f, 0.2f, 0.5f, -0.4f}, 2, 3)));
      tape.backward(Reductions.sum(MathOps.square(y)));
    }
    for (MaskedLinear layer : m.layers()) {
      Tensor mask = layer.mask();
      Tensor g = layer.weight().grad();
      for (int i = 0; i < g.size(); i++) {
        if (mask.getFlat(i) == 0f) {
          assertThat(g.getFlat(i)).isZero();
        }
      }
    }
  }

  @Test
  void refusesADegreeListThatIsNotAPermutation() {
    assertThatThrownBy(() -> MADE.builder(3, 1).inputDegrees(new int[] {1, 1, 3}).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("MADE: inputDegrees must be a permutation of 1..3, but was [1, 1, 3]");
    assertThatThrownBy(() -> MADE.builder(3, 1).inputDegrees(new int[] {1, 2}).build())
        .hasMessage("MADE: inputDegrees must have 3 entries, but has 2");
  }

  @Test
  void zeroOutputStartsAtZero() {
    MADE m = MADE.builder(3, 2).hidden(5).zeroOutput(true).build();
    try (Tape tape = Tape.noGrad()) {
      assertThat(
              m.forward(tape.input(Tensor.full(io.flows4j.tensor.Shape.of(2, 3), 0.5f)))
                  .value()
                  .toArray())
          .containsOnly(0f);
    }
  }
}
