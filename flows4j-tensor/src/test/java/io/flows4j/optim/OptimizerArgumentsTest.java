package io.flows4j.optim;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.Parameter;
import io.flows4j.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptimizerArgumentsTest {
  private static final Parameter W = new Parameter("w", Tensor.zeros(3));

  @Test
  void refusesANonPositiveLearningRate() {
    assertThatThrownBy(() -> AdamConfig.of(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Adam: learning rate must be finite and > 0, but was 0.0");
    assertThatThrownBy(() -> AdamConfig.of(-1e-3))
        .hasMessage("Adam: learning rate must be finite and > 0, but was -0.001");
    assertThatThrownBy(() -> SgdConfig.of(Double.NaN))
        .hasMessage("Sgd: learning rate must be finite and > 0, but was NaN");
    Adam adam = new Adam(List.of(W), 1e-3);
    assertThatThrownBy(() -> adam.setLearningRate(Double.POSITIVE_INFINITY))
        .hasMessage("Adam: learning rate must be finite and > 0, but was Infinity");
  }

  @Test
  void refusesBetasOutsideTheUnitInterval() {
    assertThatThrownBy(() -> AdamConfig.of(1e-3).withBetas(1.0, 0.999))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Adam: beta1 must be in [0, 1), but was 1.0");
    assertThatThrownBy(() -> AdamConfig.of(1e-3).withBetas(0.9, -0.1))
        .hasMessage("Adam: beta2 must be in [0, 1), but was -0.1");
  }

  @Test
  void refusesNegativeEpsAndDecay() {
    assertThatThrownBy(() -> AdamConfig.of(1e-3).withEps(-1e-8))
        .hasMessage("Adam: eps must be finite and >= 0, but was -1.0E-8");
    assertThatThrownBy(() -> AdamConfig.of(1e-3).withWeightDecay(-1))
        .hasMessage("Adam: weight decay must be finite and >= 0, but was -1.0");
    assertThatThrownBy(() -> SgdConfig.of(1e-3).withMomentum(1))
        .hasMessage("Sgd: momentum must be in [0, 1), but was 1.0");
    assertThatThrownBy(() -> new SgdConfig(1e-3, 0, 0, true))
        .hasMessage("Sgd: nesterov momentum needs momentum > 0, but was 0");
  }

  @Test
  void refusesAnEmptyOrRepeatingParameterList() {
    assertThatThrownBy(() -> new Adam(List.of(), 1e-3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Adam: parameter list must not be empty, but was empty");
    assertThatThrownBy(() -> new Sgd(List.of(), 1e-3))
        .hasMessage("Sgd: parameter list must not be empty, but was empty");
    assertThatThrownBy(() -> new AdamW(List.of(W, W), AdamConfig.of(1e-3)))
        .hasMessage(
            "AdamW: each parameter must appear once, but '0.w' and '1.w' are the same parameter");
  }
}
