package io.flows4j.optim;

import static io.flows4j.optim.OptimTesting.randomGradient;
import static io.flows4j.optim.OptimTesting.randomParameter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.Parameter;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OptimizerStateTest {

  static Stream<Arguments> optimizers() {
    Function<List<Parameter>, Optimizer> adam = ps -> new Adam(ps, 1e-2);
    Function<List<Parameter>, Optimizer> adamW =
        ps -> new AdamW(ps, AdamConfig.of(1e-2).withWeightDecay(0.1));
    Function<List<Parameter>, Optimizer> sgd =
        ps -> new Sgd(ps, SgdConfig.of(1e-2).withNesterov(0.9));
    return Stream.of(
        Arguments.of("Adam", adam), Arguments.of("AdamW", adamW), Arguments.of("Sgd", sgd));
  }

  private static List<Parameter> params(long seed) {
    Random rng = new Random(seed);
    return List.of(
        randomParameter("layer.weight", rng, 4, 3), randomParameter("layer.bias", rng, 3));
  }

  private static void train(Optimizer opt, Random rng, int steps) {
    for (int s = 0; s < steps; s++) {
      for (Parameter p : opt.parameters()) {
        randomGradient(p, rng);
      }
      opt.step();
    }
  }

  @ParameterizedTest(name = "{0}, seed 21")
  @MethodSource("optimizers")
  void resumingFromSavedStateGivesTheSameBits(
      String name, Function<List<Parameter>, Optimizer> make) {
    // Uninterrupted: 3 steps, then 4 more.
    Optimizer straight = make.apply(params(21));
    Random rng1 = new Random(99);
    train(straight, rng1, 3);
    Map<String, Tensor> saved = straight.state();
    train(straight, rng1, 4);

    // Interrupted: 3 steps, save, rebuild from copied values and the state, 4 more.
    Optimizer first = make.apply(params(21));
    Random rng2 = new Random(99);
    train(first, rng2, 3);
    List<Parameter> copies =
        first.parameters().stream().map(p -> new Parameter(p.name(), p.value().copy())).toList();
    Optimizer resumed = make.apply(copies);
    resumed.loadState(saved);
    assertThat(resumed.stepCount()).isEqualTo(3);
    train(resumed, rng2, 4);

    for (int i = 0; i < copies.size(); i++) {
      assertThat(copies.get(i).value().toArray())
          .containsExactly(straight.parameters().get(i).value().toArray());
    }
  }

  @Test
  void stateNamesTheBuffersAfterTheParameters() {
    Optimizer adam = new Adam(params(1), 1e-3);
    assertThat(adam.state().keySet())
        .containsExactly(
            "step",
            "0.layer.weight.exp_avg",
            "1.layer.bias.exp_avg",
            "0.layer.weight.exp_avg_sq",
            "1.layer.bias.exp_avg_sq");
    assertThat(new Sgd(params(1), 1e-3).state().keySet()).containsExactly("step");
    assertThat(new Sgd(params(1), SgdConfig.of(1e-3).withMomentum(0.5)).state().keySet())
        .containsExactly("step", "0.layer.weight.momentum_buffer", "1.layer.bias.momentum_buffer");
  }

  @Test
  void namedParametersKeyTheStateByTheirNames() {
    List<Parameter> ps = params(1);
    Map<String, Parameter> named = new LinkedHashMap<>();
    named.put("encoder.0.weight", ps.get(0));
    named.put("encoder.0.bias", ps.get(1));
    assertThat(new AdamW(named, AdamConfig.of(1e-3)).state().keySet())
        .containsExactly(
            "step",
            "encoder.0.weight.exp_avg",
            "encoder.0.bias.exp_avg",
            "encoder.0.weight.exp_avg_sq",
            "encoder.0.bias.exp_avg_sq");
  }

  @Test
  void stateIsACopy() {
    Optimizer adam = new Adam(params(2), 1e-3);
    Map<String, Tensor> state = adam.state();
    state.get("1.layer.bias.exp_avg").fill(5f);
    assertThat(adam.state().get("1.layer.bias.exp_avg").toArray()).containsOnly(0f);
  }

  @Test
  void refusesAMissingTensor() {
    Optimizer adam = new Adam(params(3), 1e-3);
    Map<String, Tensor> state = new LinkedHashMap<>(adam.state());
    state.remove("1.layer.bias.exp_avg_sq");
    assertThatThrownBy(() -> adam.loadState(state))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Adam.loadState: missing tensor '1.layer.bias.exp_avg_sq'");
  }

  @Test
  void refusesAnUnexpectedTensor() {
    Optimizer sgd = new Sgd(params(4), 1e-3);
    Map<String, Tensor> state = new Adam(params(4), 1e-3).state();
    assertThatThrownBy(() -> sgd.loadState(state))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Sgd.loadState: unexpected tensor '0.layer.weight.exp_avg'; this optimizer's state holds"
                + " 'step'");
  }

  @Test
  void refusesAWrongShapeAndChangesNothing() {
    Optimizer adam = new Adam(params(5), 1e-3);
    Map<String, Tensor> state = new LinkedHashMap<>(adam.state());
    state.put("step", Tensor.of(new float[] {7f}, 1));
    state.get("0.layer.weight.exp_avg").fill(1f);
    state.put("1.layer.bias.exp_avg", Tensor.zeros(4));
    assertThatThrownBy(() -> adam.loadState(state))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "Adam.loadState: tensor '1.layer.bias.exp_avg' must have the parameter's shape [3], but"
                + " was [4]");
    assertThat(adam.stepCount()).isZero();
    assertThat(adam.state().get("0.layer.weight.exp_avg").toArray()).containsOnly(0f);
  }

  @Test
  void refusesAFractionalStep() {
    Optimizer sgd = new Sgd(params(6), 1e-3);
    assertThatThrownBy(() -> sgd.loadState(Map.of("step", Tensor.of(new float[] {1.5f}, 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Sgd.loadState: step must be a whole number >= 0, but was 1.5");
  }

  @Test
  void repeatedNamesInAListGetDistinctKeys() {
    Random rng = new Random(7);
    Optimizer adam =
        new Adam(List.of(randomParameter("w", rng, 2), randomParameter("w", rng, 2)), 1e-3);
    assertThat(adam.state().keySet())
        .containsExactly("step", "0.w.exp_avg", "1.w.exp_avg", "0.w.exp_avg_sq", "1.w.exp_avg_sq");
  }
}
