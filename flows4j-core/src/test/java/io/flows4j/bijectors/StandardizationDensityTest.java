package io.flows4j.bijectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.data.Dataset;
import io.flows4j.data.Standardizer;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.io.Json;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Standardization first in a flow gives the exact density of raw data. */
class StandardizationDensityTest {
  private static final long SEED = 555L;

  @Test
  @DisplayName(
      "Flow(Standardization, N(0, I)).logProb(raw x) is the density of N(mean, diag(std^2)) at x")
  void exactDensityOfRawData() {
    Tensor raw = new Rng(SEED).fillNormal(Tensor.zeros(200, 2), 0, 1);
    for (int i = 0; i < 200; i++) {
      raw.setFlat(2 * i, 1000 + 25 * raw.getFlat(2 * i));
      raw.setFlat(2 * i + 1, -0.01f + 0.003f * raw.getFlat(2 * i + 1));
    }
    Standardizer s = Standardizer.fit(Dataset.fromTensor(raw, List.of("a", "b")));
    Standardization t = Standardization.of(s);
    assertThat(t.parameters()).as("nothing to train").isEmpty();
    assertThat(t.namedBuffers().keySet()).containsExactly("mean", "std");
    Flow flow = new Flow(t, new StandardNormal(2));
    Tensor lp = flow.logProb(raw);
    double[] mean = t.mean();
    double[] std = t.std();
    for (int i = 0; i < 200; i++) {
      double expected = 0;
      for (int j = 0; j < 2; j++) {
        double u = (raw.getFlat(2 * i + j) - mean[j]) / std[j];
        expected += -0.5 * u * u - Math.log(std[j]) - 0.5 * Math.log(2 * Math.PI);
      }
      assertThat((double) lp.getFlat(i)).isCloseTo(expected, Offset.offset(1e-4));
    }
    assertThat(t.logAbsDet()).isCloseTo(s.logAbsDet(), Offset.offset(1e-6));
  }

  @Test
  @DisplayName("the spec stores mean and std and rebuilds the same map without the state")
  void specStoresConstants() {
    Standardization t = new Standardization(new double[] {0.1, 2}, new double[] {3, 0.7});
    Json.Obj spec = (Json.Obj) Json.parse(t.spec().write());
    assertThat(spec.getString("type")).isEqualTo("standardization");
    Standardization rebuilt = (Standardization) BijectorRegistry.build(spec);
    assertThat(rebuilt.mean()).containsExactly(t.mean());
    assertThat(rebuilt.std()).containsExactly(t.std());
    Tensor x = new Rng(SEED).fillNormal(Tensor.zeros(3, 2), 0, 1);
    Flow a = new Flow(t, new StandardNormal(2));
    Flow b = new Flow(rebuilt, new StandardNormal(2));
    assertThat(b.logProb(x).toArray()).containsExactly(a.logProb(x).toArray());
  }

  @Test
  @DisplayName("bad constants and shapes are refused with clear messages")
  void badArguments() {
    assertThatThrownBy(() -> new Standardization(new double[] {0}, new double[] {0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Standardization: std[0] must be finite and > 0 in float32, but was 0.0");
    assertThatThrownBy(() -> new Standardization(new double[] {0, 1}, new double[] {1}))
        .hasMessageContaining("must be non-empty and of equal length, but had 2 and 1");
    assertThatThrownBy(() -> new Standardization(new double[] {Double.NaN}, new double[] {1}))
        .hasMessage("Standardization: mean[0] must be finite, but was NaN");
    Standardization t = new Standardization(new double[] {0, 1}, new double[] {1, 2});
    assertThatThrownBy(() -> new Flow(t, new StandardNormal(3)).logProb(Tensor.zeros(2, 3)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageContaining("Standardization.forward: input must have shape [batch, 2]");
  }
}
