package io.flows4j.bijectors.autoregressive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.bijectors.BijectorRegistry;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The contract on a MAF layer in the natural order, far from the identity, and MAF's specifics. */
class MaskedAffineAutoregressiveTest extends BijectorContractTest {
  /** Standard deviation of the noise added to every parameter. */
  static final double PERTURBATION = 0.3;

  /** Relative tolerance of float results against a double reference. */
  private static final double REFERENCE_TOL = 1e-5;

  /** Finite-difference step on parameters (tanh network, double-summed loss). */
  private static final double PARAM_STEP = 1e-2;

  /** Absolute and relative tolerance of parameter gradients against finite differences. */
  private static final double PARAM_ABS_TOL = 2e-3;

  private static final double PARAM_REL_TOL = 1e-2;

  @Override
  protected Bijector create(long seed) {
    MaskedAffineAutoregressive b =
        MaskedAffineAutoregressive.builder(3).hidden(8, 8).seed(seed).build();
    perturb(b, seed, PERTURBATION);
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(3);
  }

  @Override
  protected Structure structure() {
    return Structure.TRIANGULAR;
  }

  private static MaskedAffineAutoregressive smallTanh(long seed, boolean reversed) {
    MaskedAffineAutoregressive.Builder b =
        MaskedAffineAutoregressive.builder(3).hidden(5).activation(Activation.TANH).seed(seed);
    MaskedAffineAutoregressive maf = (reversed ? b.reversedOrder() : b).build();
    perturb(maf, seed, PERTURBATION);
    return maf;
  }

  @Test
  @DisplayName("forward = (x - mu) exp(-softclip(a)) from the MADE's output, in double (seed 5)")
  void forwardMatchesReference() {
    MaskedAffineAutoregressive maf = smallTanh(5, true);
    Tensor x = new Rng(6).fillNormal(Tensor.zeros(4, 3), 0, 1);
    double bound = MaskedAffineAutoregressive.DEFAULT_LOG_SCALE_BOUND;
    try (Tape t = Tape.noGrad()) {
      Tensor h = maf.made().forward(t.input(x)).value();
      Transformed f = maf.forward(t.input(x));
      for (int r = 0; r < 4; r++) {
        double ld = 0;
        for (int j = 0; j < 3; j++) {
          double a = h.get(r, 2 * j + 1);
          double s = a / (1 + Math.abs(a) / bound);
          double z = (x.get(r, j) - h.get(r, 2 * j)) * Math.exp(-s);
          ld -= s;
          assertThat((double) f.value().value().get(r, j))
              .isCloseTo(z, Offset.offset(REFERENCE_TOL * (1 + Math.abs(z))));
        }
        assertThat((double) f.logAbsDet().value().getFlat(r))
            .isCloseTo(ld, Offset.offset(REFERENCE_TOL * (1 + Math.abs(ld))));
      }
    }
  }

  @Test
  @DisplayName("a new layer is the identity: z = x exactly, log-det 0")
  void startsAtIdentity() {
    MaskedAffineAutoregressive maf = MaskedAffineAutoregressive.builder(4).seed(3).build();
    Tensor x = new Rng(4).fillNormal(Tensor.zeros(6, 4), 0, 2);
    try (Tape t = Tape.noGrad()) {
      Transformed f = maf.forward(t.input(x));
      assertThat(f.value().value().toArray()).containsExactly(x.toArray());
      for (float v : f.logAbsDet().value().toArray()) {
        assertThat(v == 0f).as("log-det %s", v).isTrue();
      }
    }
  }

  @Test
  @DisplayName("5 layers of MADE 2 x 64 on 2-D data hold BENCHMARKS.md's 23,060 parameters")
  void parameterCountOfW1() {
    long total = 0;
    for (int i = 0; i < 5; i++) {
      MaskedAffineAutoregressive.Builder b = MaskedAffineAutoregressive.builder(2).hidden(64, 64);
      total += (i % 2 == 0 ? b : b.reversedOrder()).build().parameterCount();
    }
    assertThat(total).isEqualTo(23_060);
  }

  @Test
  @DisplayName("W3: 5 layers of MADE 2 x 256 on 32-D data, (32+1)256 + (256+1)256 + (256+1)64 each")
  void parameterCountOfW3() {
    MaskedAffineAutoregressive maf =
        MaskedAffineAutoregressive.builder(32).hidden(256, 256).build();
    assertThat(5 * maf.parameterCount()).isEqualTo(5L * (33 * 256 + 257 * 256 + 257 * 64));
  }

  /** Value and log-det side by side, for gradient checks. */
  private static Var both(Transformed t) {
    int rows = t.value().shape().dim(0);
    return ShapeOps.concat(1, t.value(), ShapeOps.reshape(t.logAbsDet(), rows, 1));
  }

  @Test
  @DisplayName("input gradients of forward match finite differences (seed 41)")
  void forwardInputGradients() {
    MaskedAffineAutoregressive maf = smallTanh(41, false);
    Tensor x = GradCheck.uniform(42, -2, 2, 3, 3);
    GradCheck.check(v -> both(maf.forward(v[0])), 43, x);
  }

  @Test
  @DisplayName("input gradients of the sequential inverse match finite differences (seed 44)")
  void inverseInputGradients() {
    MaskedAffineAutoregressive maf = smallTanh(44, true);
    Tensor z = GradCheck.uniform(45, -2, 2, 3, 3);
    GradCheck.check(v -> both(maf.inverse(v[0])), 46, z);
  }

  @Test
  @DisplayName("parameter gradients through forward match finite differences (seed 51)")
  void forwardParameterGradients() {
    MaskedAffineAutoregressive maf = smallTanh(51, false);
    Tensor x = GradCheck.uniform(52, -2, 2, 3, 3);
    checkParameterGradients(maf, v -> both(maf.forward(v)), x, 53);
  }

  @Test
  @DisplayName("parameter gradients through the sequential inverse match finite differences")
  void inverseParameterGradients() {
    MaskedAffineAutoregressive maf = smallTanh(54, true);
    Tensor z = GradCheck.uniform(55, -2, 2, 3, 3);
    checkParameterGradients(maf, v -> both(maf.inverse(v)), z, 56);
  }

  /**
   * Compares the gradient of {@code L = sum(w * f(input))} with respect to every parameter element
   * with a central difference of {@code L} summed in double.
   */
  private static void checkParameterGradients(
      MaskedAffineAutoregressive maf, Function<Var, Var> f, Tensor input, long seed) {
    maf.zeroGrad();
    Tensor w;
    try (Tape tape = Tape.record()) {
      Var out = f.apply(tape.input(input));
      w = GradCheck.randomLike(out.value(), seed);
      Var loss = io.flows4j.autodiff.Reductions.sum(ShapeOps.reshape(weighted(out, w), -1));
      tape.backward(loss);
    }
    List<String> checked = new ArrayList<>();
    for (var e : maf.namedParameters().entrySet()) {
      Parameter p = e.getValue();
      Tensor v = p.value();
      for (int i = 0; i < v.size(); i++) {
        float saved = v.getFlat(i);
        v.setFlat(i, (float) (saved + PARAM_STEP));
        double plus = evaluate(f, input, w);
        v.setFlat(i, (float) (saved - PARAM_STEP));
        double minus = evaluate(f, input, w);
        v.setFlat(i, saved);
        double numeric = (plus - minus) / (2 * PARAM_STEP);
        double analytic = p.grad().getFlat(i);
        assertThat(Math.abs(analytic - numeric))
            .as("d L / d %s[%d]: analytic %s vs numeric %s", e.getKey(), i, analytic, numeric)
            .isLessThanOrEqualTo(PARAM_ABS_TOL + PARAM_REL_TOL * Math.abs(numeric));
      }
      checked.add(e.getKey());
    }
    assertThat(checked).hasSize(4);
  }

  private static Var weighted(Var out, Tensor w) {
    return io.flows4j.autodiff.ArithmeticOps.mul(out, Var.constant(w));
  }

  private static double evaluate(Function<Var, Var> f, Tensor input, Tensor w) {
    try (Tape tape = Tape.noGrad()) {
      Tensor out = f.apply(tape.input(input)).value();
      double s = 0;
      for (int k = 0; k < out.size(); k++) {
        s += (double) out.getFlat(k) * w.getFlat(k);
      }
      return s;
    }
  }

  @Test
  @DisplayName("IAF = the inverted MAF: its forward is MAF's inverse, its spec wraps MAF's")
  void iafIsTheInvertedMaf() {
    MaskedAffineAutoregressive.Builder b =
        MaskedAffineAutoregressive.builder(3).hidden(6).seed(9).reversedOrder();
    MaskedAffineAutoregressive maf = b.build();
    perturb(maf, 9, PERTURBATION);
    Bijector iaf = b.buildInverse();
    assertThat(iaf.spec().getString("type")).isEqualTo("inverted");
    assertThat(iaf.spec().getObject("inner")).isEqualTo(maf.spec());
    Bijector same = maf.inverted();
    Tensor x = new Rng(10).fillNormal(Tensor.zeros(4, 3), 0, 1);
    try (Tape t = Tape.noGrad()) {
      assertThat(same.forward(t.input(x)).value().value().toArray())
          .containsExactly(maf.inverse(t.input(x)).value().value().toArray());
    }
    assertThat(Bijectors.inverted(same)).isSameAs(maf);
  }

  @Test
  @DisplayName("the spec records every hyper-parameter and rebuilds the same spec")
  void specRoundTrip() {
    MaskedAffineAutoregressive maf =
        MaskedAffineAutoregressive.builder(4)
            .hidden(7, 9)
            .activation(Activation.ELU)
            .order(3, 1, 0, 2)
            .hiddenDegrees(io.flows4j.nn.MADE.HiddenDegrees.RANDOM)
            .seed(77)
            .logScaleBound(3.5)
            .build();
    Json.Obj spec = maf.spec();
    assertThat(spec.write())
        .isEqualTo(
            "{\"type\":\"masked-affine-autoregressive\",\"features\":4,\"hidden\":[7,9],"
                + "\"activation\":\"elu\",\"order\":[3,1,0,2],\"hiddenDegrees\":\"random\","
                + "\"seed\":77,\"logScaleBound\":3.5}");
    Bijector rebuilt = BijectorRegistry.build(spec);
    assertThat(rebuilt.spec()).isEqualTo(spec);
    MaskedAffineAutoregressive r = (MaskedAffineAutoregressive) rebuilt;
    for (int l = 0; l < 3; l++) {
      assertThat(r.made().layers().get(l).mask().toArray())
          .containsExactly(maf.made().layers().get(l).mask().toArray());
    }
  }

  @Test
  @DisplayName("an order that is not a permutation is refused with the order in the message")
  void rejectsBadOrder() {
    assertThatThrownBy(() -> MaskedAffineAutoregressive.builder(3).order(0, 2, 2).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "MaskedAffineAutoregressive: order must be a permutation of 0..2, but was [0, 2, 2]");
    assertThatThrownBy(() -> MaskedAffineAutoregressive.builder(3).order(0, 1).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("MaskedAffineAutoregressive: order must have 3 entries, but has 2");
  }

  @Test
  @DisplayName("an unknown activation in a spec is refused, listing the known ones")
  void rejectsUnknownActivation() {
    Json spec =
        Json.parse(
            MaskedAffineAutoregressive.builder(2)
                .build()
                .spec()
                .write()
                .replace("\"relu\"", "\"swish\""));
    assertThatThrownBy(() -> BijectorRegistry.build((Json.Obj) spec))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("MaskedAffineAutoregressive: activation must be one of [identity,")
        .hasMessageEndingWith("but was 'swish'");
  }

  @Test
  @DisplayName("inputs of the wrong width are refused naming the op and both shapes")
  void rejectsWrongWidth() {
    MaskedAffineAutoregressive maf = MaskedAffineAutoregressive.builder(3).build();
    try (Tape t = Tape.noGrad()) {
      Var x = t.input(Tensor.zeros(2, 4));
      assertThatThrownBy(() -> maf.inverse(x))
          .isInstanceOf(io.flows4j.tensor.ShapeMismatchException.class)
          .hasMessage(
              "MaskedAffineAutoregressive.inverse: input must have shape [batch, 3], but was [2,"
                  + " 4]");
    }
  }
}
