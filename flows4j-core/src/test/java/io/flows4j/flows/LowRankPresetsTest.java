package io.flows4j.flows;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.bijectors.Chain;
import io.flows4j.bijectors.lowrank.Orientation;
import io.flows4j.bijectors.lowrank.Planar;
import io.flows4j.bijectors.lowrank.Radial;
import io.flows4j.bijectors.lowrank.Sylvester;
import io.flows4j.tensor.Shape;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The planar, radial and Sylvester presets in both orientations. */
class LowRankPresetsTest {
  @Test
  @DisplayName("transform puts the closed form on forward, variationalTransform on inverse")
  void orientations() {
    for (String name : new String[] {"planar", "radial", "sylvester"}) {
      Chain density = Presets.transform(name, 2, 3, new int[] {64, 64}, 0);
      Chain sampling = Presets.variationalTransform(name, 2, 3, new int[] {64, 64}, 0);
      assertThat(density.spec().write()).contains("\"orientation\":\"density\"");
      assertThat(sampling.spec().write())
          .contains("\"orientation\":\"sampling\"")
          .doesNotContain("\"density\"");
    }
    Bijector first = Presets.variationalTransform("planar", 2, 1, new int[0], 0).layers().get(0);
    assertThat(((Planar) first).orientation()).isEqualTo(Orientation.SAMPLING);
    Bijector radial = Presets.transform("radial", 2, 1, new int[0], 0).layers().get(0);
    assertThat(((Radial) radial).orientation()).isEqualTo(Orientation.DENSITY);
  }

  @Test
  @DisplayName("other presets: variationalTransform equals transform")
  void otherPresetsUnchanged() {
    assertThat(Presets.variationalTransform("realnvp", 2, 2, new int[] {8}, 3).spec().write())
        .isEqualTo(Presets.transform("realnvp", 2, 2, new int[] {8}, 3).spec().write());
  }

  @Test
  @DisplayName("sylvester: rank = first hidden width, at most the features; no widths: D")
  void sylvesterRank() {
    Sylvester a =
        (Sylvester) Presets.transform("sylvester", 5, 1, new int[] {3}, 0).layers().get(0);
    Sylvester b =
        (Sylvester) Presets.transform("sylvester", 5, 1, new int[] {64, 64}, 0).layers().get(0);
    Sylvester c = (Sylvester) Presets.transform("sylvester", 5, 1, new int[0], 0).layers().get(0);
    assertThat(a.rank()).isEqualTo(3);
    assertThat(b.rank()).isEqualTo(5);
    assertThat(c.rank()).isEqualTo(5);
  }

  @Test
  @DisplayName("planar and radial ignore the hidden widths")
  void hiddenIgnored() {
    assertThat(Presets.flow("planar", 2, 4, new int[] {64, 64}, 0).parameterCount())
        .isEqualTo(Presets.flow("planar", 2, 4, new int[] {8}, 0).parameterCount())
        .isEqualTo(4 * (2 + 2 + 1));
    assertThat(Presets.flow("radial", 2, 4, new int[] {64, 64}, 0).parameterCount())
        .isEqualTo(4 * (2 + 1 + 1));
  }

  abstract static class Contract extends BijectorContractTest {
    abstract String name();

    abstract boolean variational();

    @Override
    protected Bijector create(long seed) {
      int[] hidden = {2};
      Bijector b =
          variational()
              ? Presets.variationalTransform(name(), 3, 4, hidden, seed)
              : Presets.transform(name(), 3, 4, hidden, seed);
      perturb(b, seed, 0.3);
      return b;
    }

    @Override
    protected Shape eventShape() {
      return Shape.of(3);
    }
  }

  @Nested
  class PlanarDensity extends Contract {
    @Override
    String name() {
      return "planar";
    }

    @Override
    boolean variational() {
      return false;
    }
  }

  @Nested
  class RadialVariational extends Contract {
    @Override
    String name() {
      return "radial";
    }

    @Override
    boolean variational() {
      return true;
    }
  }

  @Nested
  class SylvesterDensity extends Contract {
    @Override
    String name() {
      return "sylvester";
    }

    @Override
    boolean variational() {
      return false;
    }
  }

  @Nested
  class SylvesterVariational extends Contract {
    @Override
    String name() {
      return "sylvester";
    }

    @Override
    boolean variational() {
      return true;
    }
  }
}
