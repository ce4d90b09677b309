package io.flows4j.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.io.FileFormatException;
import io.flows4j.tensor.NonFiniteException;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModuleTest {
  @TempDir Path dir;

  /** A coupling-like layer with a conditioner network and an own parameter. */
  static final class Coupling extends Module {
    final Parameter scale;
    final MLP net;

    Coupling(long seed) {
      scale = registerParameter("scale", Tensor.full(io.flows4j.tensor.Shape.of(2), 0.5f));
      net = registerModule("net", new MLP(new int[] {1, 3, 2}, Activation.RELU, seed));
    }
  }

  /** A flow-like container: a list of couplings under {@code coupling}. */
  static final class Flow extends Module {
    final List<Coupling> layers = new ArrayList<>();

    Flow(int n, long seed) {
      ListModule list = registerModule("coupling", new ListModule());
      for (int i = 0; i < n; i++) {
        layers.add(list.add(new Coupling(seed + i)));
      }
    }
  }

  static final class ListModule extends Module {
    private int size;

    <M extends Module> M add(M m) {
      return registerModule(Integer.toString(size++), m);
    }
  }

  @Test
  @DisplayName("dotted paths in registration order, depth first, seed=1")
  void namedParametersHaveDottedPathsInOrder() {
    Flow flow = new Flow(4, 1);
    LinkedHashMap<String, Parameter> named = flow.namedParameters();
    assertThat(named.keySet())
        .startsWith(
            "coupling.0.scale",
            "coupling.0.net.0.weight",
            "coupling.0.net.0.bias",
            "coupling.0.net.1.weight",
            "coupling.0.net.1.bias",
            "coupling.1.scale")
        .contains("coupling.3.net.0.weight")
        .hasSize(20);
    assertThat(named.get("coupling.3.net.0.weight"))
        .isSameAs(flow.layers.get(3).net.layers().get(0).weight());
    assertThat(named.get("coupling.3.net.0.weight").name()).isEqualTo("weight");
    assertThat(flow.parameters()).containsExactlyElementsOf(named.values());
    // 2 + (1*3 + 3) + (3*2 + 2) = 16 per coupling.
    assertThat(flow.parameterCount()).isEqualTo(64);
    assertThat(flow.toString()).startsWith("Flow (64 parameters)\n  coupling.0.scale [2]");
  }

  @Test
  void sharedParametersAreListedOnce() {
    Linear shared = new Linear(2, 2, 3);
    Sequential s = new Sequential(shared, new Linear(2, 2, 4), shared);
    assertThat(s.namedParameters().keySet())
        .containsExactly("0.weight", "0.bias", "1.weight", "1.bias");
  }

  @Test
  void refusesInvalidOrDuplicateNames() {
    Module m = new Module() {};
    assertThatThrownBy(
            () ->
                new Module() {
                  {
                    registerParameter("a.b", Tensor.zeros(1));
                  }
                })
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("names must be non-empty and contain no '.', but was 'a.b'");
    assertThatThrownBy(
            () ->
                new Module() {
                  {
                    registerParameter("w", Tensor.zeros(1));
                    registerModule("w", new Linear(1, 1, 0));
                  }
                })
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name 'w' is already registered");
    assertThat(m.namedParameters()).isEmpty();
  }

  @Test
  @DisplayName("state dicts are copies and load back exactly, seed=5")
  void stateDictRoundTrip() {
    Flow a = new Flow(2, 5);
    Flow b = new Flow(2, 50);
    Map<String, Tensor> state = a.stateDict();
    state.get("coupling.0.scale").setFlat(0, 9f);
    assertThat(a.layers.get(0).scale.value().getFlat(0)).isEqualTo(0.5f);
    Parameter held = b.namedParameters().get("coupling.1.net.0.weight");
    b.loadStateDict(state);
    assertThat(b.namedParameters().get("coupling.1.net.0.weight")).isSameAs(held);
    for (Map.Entry<String, Tensor> e : state.entrySet()) {
      assertThat(b.namedParameters().get(e.getKey()).value().toArray())
          .containsExactly(e.getValue().toArray());
    }
  }

  @Test
  @DisplayName("loadStateDict names every missing, unexpected and mis-shaped entry, seed=6")
  void loadStateDictErrors() {
    Flow f = new Flow(1, 6);
    Map<String, Tensor> before = f.stateDict();
    Map<String, Tensor> state = f.stateDict();
    state.remove("coupling.0.net.1.bias");
    state.remove("coupling.0.scale");
    state.put("coupling.0.extra", Tensor.zeros(1));
    state.put("coupling.0.net.0.weight", Tensor.zeros(3, 2));
    state.put("coupling.0.net.1.weight", Tensor.full(io.flows4j.tensor.Shape.of(2, 3), 7f));
    assertThatThrownBy(() -> f.loadStateDict(state))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "loadStateDict: state does not fit Flow: missing [coupling.0.net.1.bias,"
                + " coupling.0.scale]; unexpected [coupling.0.extra]; coupling.0.net.0.weight must"
                + " have shape [3, 1], but was [3, 2]");
    // Nothing was changed, not even the entries that fit.
    for (Map.Entry<String, Tensor> e : before.entrySet()) {
      assertThat(f.namedParameters().get(e.getKey()).value().toArray())
          .containsExactly(e.getValue().toArray());
    }
  }

  @Test
  @DisplayName("saved files load back to identical outputs, seed=7")
  void saveAndLoadFiles() throws IOException {
    MLP a = new MLP(new int[] {3, 8, 2}, Activation.TANH, 7);
    MLP b = new MLP(new int[] {3, 8, 2}, Activation.TANH, 70);
    Path file = dir.resolve("mlp.safetensors");
    a.saveState(file, Map.of("arch", "mlp 3-8-2"));
    assertThat(b.loadState(file)).containsEntry("arch", "mlp 3-8-2");
    Tensor x = Tensor.of(new float[] {0.1f, -0.2f, 0.3f, 1f, 2f, -3f}, 2, 3);
    try (Tape tape = Tape.noGrad()) {
      float[] ya = a.forward(tape.input(x)).value().toArray();
      float[] yb = b.forward(tape.input(x)).value().toArray();
      assertThat(yb).containsExactly(ya);
    }
    MLP other = new MLP(new int[] {3, 9, 2}, Activation.TANH, 7);
    assertThatThrownBy(() -> other.loadState(file))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0.weight must have shape [9, 3], but was [8, 3]");
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 1));
    assertThatThrownBy(() -> b.loadState(file))
        .isInstanceOf(FileFormatException.class)
        .hasMessageContaining("file is truncated");
  }

  @Test
  void zeroGradTrainEvalAndFiniteGradients() {
    Flow f = new Flow(2, 8);
    try (Tape tape = Tape.record()) {
      Var y = f.layers.get(1).net.forward(tape.input(Tensor.of(new float[] {1f, 2f}, 2, 1)));
      tape.backward(io.flows4j.autodiff.Reductions.sum(y));
    }
    Parameter bias = f.namedParameters().get("coupling.1.net.1.bias");
    assertThat(bias.grad().toArray()).containsExactly(2f, 2f);
    f.requireFiniteGradients("step 1");
    bias.grad().setFlat(1, Float.POSITIVE_INFINITY);
    assertThatThrownBy(() -> f.requireFiniteGradients("step 2"))
        .isInstanceOf(NonFiniteException.class)
        .hasMessage("step 2: gradient of coupling.1.net.1.bias [2] is +Infinity at [1]");
    f.zeroGrad();
    for (Parameter p : f.parameters()) {
      assertThat(p.grad().toArray()).containsOnly(0f);
    }
    assertThat(f.isTraining()).isTrue();
    f.eval();
    assertThat(f.layers.get(0).net.layers().get(1).isTraining()).isFalse();
    f.train();
    assertThat(f.layers.get(0).net.layers().get(1).isTraining()).isTrue();
  }

  /** A layer with a buffer: state that is saved but not trained. */
  static final class WithBuffer extends Module {
    final Parameter weight = registerParameter("weight", Tensor.full(Shape.of(2), 1f));
    final Tensor initialized = registerBuffer("initialized", Tensor.zeros(1));
  }

  @Test
  @DisplayName("buffers are saved and loaded with the state but are not parameters")
  void buffersAreStateButNotParameters() {
    Flow2 a = new Flow2();
    assertThat(a.parameters()).hasSize(1);
    assertThat(a.namedBuffers()).containsOnlyKeys("layer.initialized");
    assertThat(a.stateDict()).containsOnlyKeys("layer.weight", "layer.initialized");
    a.layer.initialized.setFlat(0, 1f);
    Flow2 b = new Flow2();
    b.loadStateDict(a.stateDict());
    assertThat(b.layer.initialized.getFlat(0)).isEqualTo(1f);
    java.util.Map<String, Tensor> partial = a.stateDict();
    partial.remove("layer.initialized");
    assertThatThrownBy(() -> b.loadStateDict(partial))
        .hasMessageContaining("missing [layer.initialized]");
  }

  static final class Flow2 extends Module {
    final WithBuffer layer = registerModule("layer", new WithBuffer());
  }
}
