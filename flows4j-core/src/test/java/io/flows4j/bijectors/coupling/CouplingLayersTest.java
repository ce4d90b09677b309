package io.flows4j.bijectors.coupling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.Tape;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorRegistry;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.Chain;
import io.flows4j.bijectors.Transformed;
import io.flows4j.bijectors.spline.RationalQuadraticSpline;
import io.flows4j.bijectors.spline.SplineAutoregressive;
import io.flows4j.io.Json;
import io.flows4j.nn.MADE;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Layer-level facts: parameter counts of BENCHMARKS.md, masks, identity at start, specs, errors.
 */
class CouplingLayersTest {
  static final int[] HIDDEN = {64, 64};

  private static Chain stack(int layers, boolean spline) {
    List<Bijector> list = new ArrayList<>();
    for (int i = 0; i < layers; i++) {
      CouplingMask m = CouplingMask.alternatingHalves(2, i);
      list.add(spline ? new SplineCoupling(m, HIDDEN, i) : new AffineCoupling(m, HIDDEN, i));
    }
    return Bijectors.chain(list);
  }

  @Test
  @DisplayName("W1 RealNVP: 8 affine couplings with MLP 1-64-64-2 have 35,344 parameters")
  void realNvpParameterCount() {
    assertThat(stack(8, false).parameterCount()).isEqualTo(35_344);
  }

  @Test
  @DisplayName("W1 NSF: 8 spline couplings with MLP 1-64-64-23 have 46,264 parameters")
  void nsfParameterCount() {
    assertThat(stack(8, true).parameterCount()).isEqualTo(46_264);
    SplineCoupling one = new SplineCoupling(CouplingMask.alternatingHalves(2, 0), HIDDEN, 0);
    assertThat(one.conditioner().sizes()).containsExactly(1, 64, 64, 23);
  }

  @Test
  @DisplayName("alternating halves: first floor(D/2) features, even layers transform the second")
  void alternatingHalves() {
    assertThat(CouplingMask.alternatingHalves(2, 0).transformedFeatures()).containsExactly(1);
    assertThat(CouplingMask.alternatingHalves(2, 1).transformedFeatures()).containsExactly(0);
    assertThat(CouplingMask.alternatingHalves(3, 0).conditioningFeatures()).containsExactly(0);
    assertThat(CouplingMask.alternatingHalves(3, 0).transformedFeatures()).containsExactly(1, 2);
    assertThat(CouplingMask.alternatingHalves(3, 1).transformedFeatures()).containsExactly(0);
    assertThat(CouplingMask.alternatingHalves(3, 5).conditioningFeatures()).containsExactly(1, 2);
    assertThat(CouplingMask.alternatingHalves(4, 2).flipped())
        .isEqualTo(CouplingMask.alternatingHalves(4, 3));
    assertThat(CouplingMask.fromBits(new int[] {1, 0, 1}).transformedFeatures())
        .containsExactly(0, 2);
    assertThatThrownBy(() -> CouplingMask.of(true, true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one feature must be transformed and one must condition");
    assertThatThrownBy(() -> CouplingMask.alternatingHalves(1, 0))
        .hasMessage("CouplingMask: features must be >= 2, but was 1");
    assertThatThrownBy(() -> CouplingMask.fromBits(new int[] {0, 2}))
        .hasMessage("CouplingMask: mask entries must be 0 or 1, but were [0, 2]");
  }

  @Test
  @DisplayName("freshly built layers are the identity with log-det 0 (zero-initialised outputs)")
  void startAtIdentity() {
    CouplingMask m = CouplingMask.alternatingHalves(4, 1);
    Bijector[] layers = {
      new AffineCoupling(m, HIDDEN, 1),
      new AdditiveCoupling(m, HIDDEN, 2),
      new SplineCoupling(m, HIDDEN, 3),
      new SplineAutoregressive(4, MADE.reversedOrder(4), HIDDEN, 4)
    };
    Tensor x = new Rng(5).fillNormal(Tensor.zeros(16, 4), 0, 2);
    for (Bijector b : layers) {
      for (boolean inverse : new boolean[] {false, true}) {
        try (Tape t = Tape.noGrad()) {
          Transformed out = inverse ? b.inverse(t.input(x)) : b.forward(t.input(x));
          for (int i = 0; i < x.size(); i++) {
            assertThat((double) out.value().value().getFlat(i))
                .as("%s element %d", b.getClass().getSimpleName(), i)
                .isCloseTo(x.getFlat(i), within(1e-5 * (1 + Math.abs(x.getFlat(i)))));
          }
          for (int r = 0; r < 16; r++) {
            assertThat((double) out.logAbsDet().value().getFlat(r)).isCloseTo(0.0, within(1e-5));
          }
        }
      }
    }
  }

  @Test
  @DisplayName("specs name every setting and rebuild layers with the same structure")
  void specs() {
    CouplingMask m = CouplingMask.of(false, true, true);
    AffineCoupling a = new AffineCoupling(m, new int[] {8, 4}, Activation.TANH, 2.5, 7);
    assertThat(a.spec().write())
        .isEqualTo(
            "{\"type\":\"affine-coupling\",\"features\":3,\"mask\":[0,1,1],\"hidden\":[8,4],"
                + "\"activation\":\"tanh\",\"scaleBound\":2.5}");
    SplineCoupling s =
        new SplineCoupling(
            m,
            new int[] {6},
            Activation.RELU,
            new RationalQuadraticSpline(5, 2.0, 1e-2, 2e-3, 1e-4),
            7);
    assertThat(s.spec().write())
        .isEqualTo(
            "{\"type\":\"spline-coupling\",\"features\":3,\"mask\":[0,1,1],\"hidden\":[6],"
                + "\"activation\":\"relu\",\"bins\":5,\"tailBound\":2.0,\"minBinWidth\":0.01,"
                + "\"minBinHeight\":0.002,\"minDerivative\":1.0E-4}");
    for (Module original :
        new Module[] {
          a,
          s,
          new AdditiveCoupling(m, new int[] {3}, Activation.ELU, 1),
          new SplineAutoregressive(
              3,
              new int[] {2, 3, 1},
              new int[] {9},
              Activation.TANH,
              new RationalQuadraticSpline(4, 1.5),
              1)
        }) {
      Json.Obj spec = ((Bijector) original).spec();
      Bijector rebuilt = BijectorRegistry.build((Json.Obj) Json.parse(spec.write()));
      assertThat(rebuilt.getClass()).isEqualTo(original.getClass());
      assertThat(rebuilt.spec().write()).isEqualTo(spec.write());
      assertThat(((Module) rebuilt).toString()).isEqualTo(original.toString());
    }
  }

  @Test
  @DisplayName("inputs of the wrong width are refused naming the layer and direction")
  void wrongWidth() {
    AffineCoupling a = new AffineCoupling(CouplingMask.alternatingHalves(2, 0), HIDDEN, 0);
    try (Tape t = Tape.noGrad()) {
      assertThatThrownBy(() -> a.inverse(t.input(Tensor.zeros(3, 4))))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage("AffineCoupling.inverse: input must have shape [batch, 2], but was [3, 4]");
    }
    assertThatThrownBy(
            () ->
                new AffineCoupling(
                    CouplingMask.alternatingHalves(2, 0), HIDDEN, Activation.RELU, 0.0, 0))
        .hasMessage("AffineCoupling: scaleBound must be > 0 and finite, but was 0.0");
  }
}
