package io.flows4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LayersTest {
  /** Tolerance of a float32 network output against its double reference. */
  private static final double FORWARD_TOL = 1e-5;

  private static Tensor randomInput(long seed, int rows, int cols) {
    return Init.uniform(Tensor.zeros(rows, cols), -1, 1, new SplittableRandom(seed));
  }

  @Test
  @DisplayName("Linear: PyTorch-like init within 1/sqrt(in), reproducible by seed, seed=1")
  void linearInit() {
    Linear a = new Linear(16, 8, 1);
    Linear b = new Linear(16, 8, 1);
    Linear c = new Linear(16, 8, 2);
    assertThat(a.weight().shape()).isEqualTo(Shape.of(8, 16));
    assertThat(a.bias().shape()).isEqualTo(Shape.of(8));
    assertThat(a.weight().value().toArray()).containsExactly(b.weight().value().toArray());
    assertThat(a.weight().value().toArray()).isNotEqualTo(c.weight().value().toArray());
    for (Parameter p : a.parameters()) {
      for (float v : p.value().toArray()) {
        assertThat(Math.abs(v)).isLessThanOrEqualTo(0.25f);
      }
    }
    assertThat(new Linear(16, 8, Activation.RELU, false, 1).parameters()).hasSize(1);
  }

  @Test
  @DisplayName("MLP forward equals a double reference, seed=2")
  void mlpForward() {
    MLP mlp = new MLP(new int[] {3, 5, 4, 2}, Activation.TANH, 2);
    Tensor x = randomInput(3, 6, 3);
    double[][] h = new double[6][];
    for (int i = 0; i < 6; i++) {
      h[i] = new double[] {x.get(i, 0), x.get(i, 1), x.get(i, 2)};
    }
    for (int l = 0; l < 3; l++) {
      Linear layer = mlp.layers().get(l);
      Tensor w = layer.weight().value();
      Tensor b = layer.bias().value();
      for (int i = 0; i < 6; i++) {
        double[] next = new double[layer.outFeatures()];
        for (int j = 0; j < next.length; j++) {
          double s = b.getFlat(j);
          for (int k = 0; k < layer.inFeatures(); k++) {
            s += w.get(j, k) * h[i][k];
          }
          next[j] = l < 2 ? Math.tanh(s) : s;
        }
        h[i] = next;
      }
    }
    assertThat(mlp.layers().get(2).activation()).isEqualTo(Activation.IDENTITY);
    try (Tape tape = Tape.noGrad()) {
      Tensor y = mlp.forward(tape.input(x)).value();
      assertThat(y.shape()).isEqualTo(Shape.of(6, 2));
      for (int i = 0; i < 6; i++) {
        for (int j = 0; j < 2; j++) {
          assertThat((double) y.get(i, j))
              .isCloseTo(h[i][j], org.assertj.core.data.Offset.offset(FORWARD_TOL));
        }
      }
    }
  }

  @Test
  @DisplayName("the benchmark conditioners have the published parameter counts")
  void parameterCountsMatchBenchmarks() {
    long realNvp = 0;
    long maf = 0;
    for (int i = 0; i < 8; i++) {
      realNvp += new MLP(new int[] {1, 64, 64, 2}, Activation.RELU, i).parameterCount();
    }
    for (int i = 0; i < 5; i++) {
      maf += MADE.builder(2, 2).hidden(64, 64).seed(i).build().parameterCount();
    }
    assertThat(realNvp).isEqualTo(35_344);
    assertThat(maf).isEqualTo(23_060);
  }

  @Test
  @DisplayName("a zero output layer outputs zeros yet still learns, seed=4")
  void zeroOutput() {
    MLP mlp = new MLP(new int[] {2, 8, 3}, Activation.RELU, 4, true);
    Tensor x = randomInput(5, 4, 2);
    try (Tape tape = Tape.record()) {
      Var y = mlp.forward(tape.input(x));
      assertThat(y.value().toArray()).containsOnly(0f);
      tape.backward(Reductions.sum(y));
    }
    assertThat(mlp.layers().get(1).weight().grad().toArray()).isNotEqualTo(new float[24]);
    assertThat(mlp.layers().get(1).bias().grad().toArray()).containsOnly(4f);
  }

  @Test
  @DisplayName("MLP with context equals the MLP on [x, c], seed=6")
  void contextIsAConcatenatedInput() {
    MLP withContext = new MLP(new int[] {2, 6, 3}, 2, Activation.TANH, 6, false);
    MLP concatenated = new MLP(new int[] {4, 6, 3}, Activation.TANH, 60);
    Tensor w = withContext.namedParameters().get("0.weight").value();
    Tensor v = withContext.namedParameters().get("0.context_weight").value();
    Tensor wc = concatenated.namedParameters().get("0.weight").value();
    for (int j = 0; j < 6; j++) {
      for (int k = 0; k < 2; k++) {
        wc.set(w.get(j, k), j, k);
        wc.set(v.get(j, k), j, k + 2);
      }
    }
    for (String n : new String[] {"0.bias", "1.weight", "1.bias"}) {
      concatenated
          .namedParameters()
          .get(n)
          .value()
          .copyFrom(withContext.namedParameters().get(n).value());
    }
    Tensor x = randomInput(7, 3, 2);
    Tensor c = randomInput(8, 3, 2);
    Tensor xc = Tensor.zeros(3, 4);
    for (int i = 0; i < 3; i++) {
      for (int k = 0; k < 2; k++) {
        xc.set(x.get(i, k), i, k);
        xc.set(c.get(i, k), i, k + 2);
      }
    }
    try (Tape tape = Tape.noGrad()) {
      Tensor a = withContext.forward(tape.input(x), tape.input(c)).value();
      Tensor b = concatenated.forward(tape.input(xc)).value();
      assertThat(a.allClose(b, 1e-6f)).isTrue();
    }
    assertThatThrownBy(() -> withContext.forward(Var.constant(x)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Linear.forward: this layer takes a context of 2 features");
  }

  @Test
  @DisplayName("ResidualBlock adds its input; Sequential chains, seed=9")
  void residualAndSequential() {
    MLP inner = new MLP(new int[] {3, 4, 3}, Activation.ELU, 9);
    ResidualBlock block = new ResidualBlock(inner);
    Sequential seq = new Sequential(block, new Linear(3, 2, 10));
    assertThat(seq.namedParameters().keySet())
        .containsExactly(
            "0.net.0.weight",
            "0.net.0.bias",
            "0.net.1.weight",
            "0.net.1.bias",
            "1.weight",
            "1.bias");
    Tensor x = randomInput(11, 2, 3);
    try (Tape tape = Tape.noGrad()) {
      Var xv = tape.input(x);
      Tensor expected = ArithmeticOps.add(xv, inner.forward(xv)).value();
      assertThat(block.forward(xv).value().toArray()).containsExactly(expected.toArray());
      assertThat(seq.forward(xv).shape()).isEqualTo(Shape.of(2, 2));
    }
    ResidualBlock bad = new ResidualBlock(new Linear(3, 2, 12));
    assertThatThrownBy(() -> bad.forward(Var.constant(x)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "ResidualBlock: net must keep the shape of its input [2, 3], but returned [2, 2]");
  }

  @Test
  @DisplayName("Init: bounds, moments and zeros, seed=13")
  void initializers() {
    SplittableRandom r = new SplittableRandom(13);
    Tensor u = Init.uniformFanIn(Tensor.zeros(1000), 4, r);
    for (float v : u.toArray()) {
      assertThat(v).isBetween(-0.5f, 0.5f);
    }
    Tensor n = Init.normal(Tensor.zeros(20_000), 1.0, 2.0, r);
    double mean = 0;
    double sq = 0;
    for (float v : n.toArray()) {
      mean += v;
      sq += v * v;
    }
    mean /= n.size();
    double std = Math.sqrt(sq / n.size() - mean * mean);
    // Standard errors: 2 / sqrt(20000) = 0.014 for the mean, about 0.01 for the std.
    assertThat(mean).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.06));
    assertThat(std).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.05));
    assertThat(Init.zeros(n).toArray()).containsOnly(0f);
    assertThatThrownBy(() -> Init.uniformFanIn(Tensor.zeros(1), 0, r))
        .hasMessage("Init.uniformFanIn: fanIn must be > 0, but was 0");
  }
}
