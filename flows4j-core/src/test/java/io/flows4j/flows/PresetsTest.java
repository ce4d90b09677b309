package io.flows4j.flows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.bijectors.residual.InvertibleResidualBlock;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Shape;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PresetsTest {

  private static long params(String name, int features, int layers, int... hidden) {
    return ((Module) Presets.transform(name, features, layers, hidden, 0)).parameterCount();
  }

  @Test
  @DisplayName("W1 and W3 presets have the peers' parameter counts (BENCHMARKS.md)")
  void parameterCountsMatchTheBenchmarks() {
    assertThat(params("realnvp", 2, 8, 64, 64)).isEqualTo(35_344);
    assertThat(params("maf", 2, 5, 64, 64)).isEqualTo(23_060);
    assertThat(params("nsf", 2, 8, 64, 64)).isEqualTo(46_264);
    assertThat(params("maf", 32, 5, 256, 256)).isEqualTo(453_440);
    // The peer's 35,896 also counts two untrained estimator settings per block (the geometric p
    // and the Poisson lambda that residual-flows registers as parameters): 35,880 + 8 * 2.
    assertThat(params("residual", 2, 8, 64, 64)).isEqualTo(35_896 - 8 * 2);
  }

  @Test
  @DisplayName("unknown names, coupling flows on one feature and bad sizes are refused")
  void badArguments() {
    assertThatThrownBy(() -> Presets.transform("glowish", 2, 2, new int[] {8}, 0))
        .hasMessage("flow: must be one of " + Presets.NAMES + ", but was 'glowish'");
    assertThatThrownBy(() -> Presets.transform("realnvp", 1, 2, new int[] {8}, 0))
        .hasMessageContaining("a coupling flow needs at least 2 features");
    assertThatThrownBy(() -> Presets.transform("maf", 2, 0, new int[] {8}, 0))
        .hasMessage("flow maf: layers must be >= 1, but was 0");
  }

  /** Contract of a whole preset: base class of the nested per-preset tests. */
  abstract static class PresetContract extends BijectorContractTest {
    abstract String name();

    @Override
    protected Bijector create(long seed) {
      Bijector b = Presets.transform(name(), 3, 4, new int[] {8, 8}, seed);
      perturb(b, seed, 0.1);
      return b;
    }

    @Override
    protected Shape eventShape() {
      return Shape.of(3);
    }
  }

  @Nested
  class RealNvpPreset extends PresetContract {
    @Override
    String name() {
      return "realnvp";
    }
  }

  @Nested
  class MafPreset extends PresetContract {
    @Override
    String name() {
      return "maf";
    }
  }

  @Nested
  class NsfPreset extends PresetContract {
    @Override
    String name() {
      return "nsf";
    }
  }

  @Nested
  class NsfAutoregressivePreset extends PresetContract {
    @Override
    String name() {
      return "nsf-ar";
    }
  }

  @Nested
  class ResidualPreset extends PresetContract {
    @Override
    String name() {
      return "residual";
    }

    @Override
    protected Bijector create(long seed) {
      Bijector b = super.create(seed);
      refresh((Module) b);
      return b;
    }

    /** Re-converges the singular-vector estimates after the perturbation moved the weights. */
    private void refresh(Module m) {
      if (m instanceof InvertibleResidualBlock r) {
        r.refreshSpectralNorm();
      }
      m.children().values().forEach(this::refresh);
    }
  }

  @Nested
  class NicePreset extends PresetContract {
    @Override
    String name() {
      return "nice";
    }
  }
}
