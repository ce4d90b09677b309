package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.NonFiniteException;
import io.flows4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GradientsTest {

  private static Map<String, Parameter> params() {
    Map<String, Parameter> m = new LinkedHashMap<>();
    m.put("net.0.weight", new Parameter("weight", Tensor.zeros(4, 3)));
    m.put("net.0.bias", new Parameter("bias", Tensor.zeros(4)));
    m.put("net.1.weight", new Parameter("weight", Tensor.zeros(2, 4)));
    return m;
  }

  @Test
  void finiteGradientsPass() {
    Map<String, Parameter> m = params();
    m.get("net.0.bias").grad().fill(1e30f);
    assertThat(Gradients.firstNonFinite(m)).isEmpty();
    Gradients.requireFinite("step 3", m);
  }

  @Test
  void namesTheFirstParameterWithANonFiniteGradient() {
    Map<String, Parameter> m = params();
    m.get("net.1.weight").grad().set(Float.NaN, 0, 0);
    m.get("net.0.bias").grad().set(Float.NEGATIVE_INFINITY, 2);
    Gradients.NonFinite bad = Gradients.firstNonFinite(m).orElseThrow();
    assertThat(bad.name()).isEqualTo("net.0.bias");
    assertThat(bad.index()).isEqualTo(List.of(2));
    assertThatThrownBy(() -> Gradients.requireFinite("train step 12", m))
        .isInstanceOf(NonFiniteException.class)
        .hasMessage("train step 12: gradient of net.0.bias [4] is -Infinity at [2]");
    m.get("net.0.bias").zeroGrad();
    assertThatThrownBy(() -> Gradients.requireFinite("train step 13", m))
        .hasMessage("train step 13: gradient of net.1.weight [2, 4] is NaN at [0, 0]");
  }
}
