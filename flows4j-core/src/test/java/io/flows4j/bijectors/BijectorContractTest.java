package io.flows4j.bijectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The contract every bijector must meet. A layer's test extends this class and says how to build
 * the layer (with non-trivial parameters) and, where it applies, the structure of its Jacobian.
 *
 * <p>Checks: output shapes; round trips in both directions; forward and inverse log-determinants
 * cancel; the log-determinant equals {@code log|det J|} of a central finite-difference Jacobian (LU
 * in double) in both directions; the Jacobian structure; finite outputs for inputs of {@code
 * +-1e3}; every parameter receives a gradient; the JSON spec and saved state rebuild a bijector
 * whose log-density is identical.
 */
public abstract class BijectorContractTest {
  /** Seed of the layer's parameters and of the test inputs. */
  protected static final long SEED = 20261123L;

  /** Rows per test batch. */
  protected static final int BATCH = 5;

  /** Relative tolerance of round trips, from float32 rounding through a few layers. */
  protected static final double ROUND_TRIP_TOL = 2e-4;

  /** Finite-difference step for Jacobians. */
  protected static final double FD_STEP = 1e-3;

  /**
   * Tolerance on {@code log|det J|} per feature: a central difference with step {@link #FD_STEP} on
   * float32 outputs has a relative error near {@code eps32 / FD_STEP ~ 1e-4} per entry.
   */
  protected static final double LOG_DET_TOL_PER_FEATURE = 2e-3;

  /** Input magnitude of the extreme-input check. */
  protected static final float EXTREME = 1e3f;

  /** The structure of a Jacobian that a layer guarantees. */
  public enum Structure {
    /** No guaranteed zero pattern. */
    DENSE,
    /** {@code dy_i/dx_j = 0} for {@code j != i}. */
    DIAGONAL,
    /** {@code dy_i/dx_j = 0} for {@code j > i} in the order given by {@link #order()}. */
    TRIANGULAR,
    /** Outputs in {@link #identityFeatures()} equal their inputs. */
    COUPLING
  }

  /** Builds the bijector under test, with parameters that make it far from the identity. */
  protected abstract Bijector create(long seed);

  /** The shape of one input event, e.g. {@code [3]}. */
  protected abstract Shape eventShape();

  /**
   * The shape of one latent event: the input's by default; a layer that rearranges its input (a
   * squeeze, a multi-scale flow) gives its own, of the same number of elements.
   */
  protected Shape latentEventShape() {
    return eventShape();
  }

  /** The Jacobian structure the layer guarantees; dense by default. */
  protected Structure structure() {
    return Structure.DENSE;
  }

  /**
   * For {@link Structure#TRIANGULAR}: the autoregressive order, {@code order()[k]} is the feature
   * that comes k-th. Natural order by default.
   */
  protected int[] order() {
    int d = eventShape().size();
    int[] o = new int[d];
    for (int i = 0; i < d; i++) {
      o[i] = i;
    }
    return o;
  }

  /** For {@link Structure#COUPLING}: the features passed through unchanged. */
  protected int[] identityFeatures() {
    return new int[0];
  }

  /**
   * Whether inputs of {@code +-1e3} lie in the domain of the given direction. True by default; a
   * direction with a bounded domain (the inverse of a sigmoid, say) returns false, and the
   * extreme-input check then requires that direction to refuse such inputs with an {@link
   * InputOutsideDomainException} instead of returning NaN or infinities.
   */
  protected boolean extremeInputsInDomain(boolean forward) {
    return true;
  }

  /** Test inputs in the data space; standard normal by default. */
  protected Tensor input(long seed) {
    return new Rng(seed).fillNormal(Tensor.zeros(batchShape(BATCH)), 0, 1);
  }

  /** Test inputs in the latent space; standard normal by default. */
  protected Tensor latent(long seed) {
    return new Rng(seed + 1).fillNormal(Tensor.zeros(batchShape(latentEventShape(), BATCH)), 0, 1);
  }

  /** Sets every parameter to small random values, so zero-initialised layers are not trivial. */
  protected static void perturb(Bijector b, long seed, double scale) {
    if (b instanceof Module m) {
      Rng rng = new Rng(seed);
      for (Parameter p : m.parameters()) {
        Tensor v = p.value();
        for (int i = 0; i < v.size(); i++) {
          v.setFlat(i, v.getFlat(i) + (float) (scale * rng.nextGaussian()));
        }
      }
    }
  }

  private Shape batchShape(int n) {
    return batchShape(eventShape(), n);
  }

  private static Shape batchShape(Shape event, int n) {
    int[] e = event.dims();
    int[] d = new int[e.length + 1];
    d[0] = n;
    System.arraycopy(e, 0, d, 1, e.length);
    return Shape.of(d);
  }

  private static Transformed forward(Bijector b, Tensor x) {
    try (Tape t = Tape.noGrad()) {
      return b.forward(t.input(x));
    }
  }

  private static Transformed inverse(Bijector b, Tensor z) {
    try (Tape t = Tape.noGrad()) {
      return b.inverse(t.input(z));
    }
  }

  @Test
  @DisplayName("shapes: forward and inverse keep the batch and give one log-det per row")
  void shapes() {
    Bijector b = create(SEED);
    Tensor x = input(SEED);
    assertThat(latentEventShape().size()).isEqualTo(eventShape().size());
    assertThat(b.forwardEventShape(eventShape())).isEqualTo(latentEventShape());
    Transformed f = forward(b, x);
    assertThat(f.value().shape()).isEqualTo(batchShape(latentEventShape(), BATCH));
    assertThat(f.logAbsDet().shape()).isEqualTo(Shape.of(BATCH));
    Transformed g = inverse(b, latent(SEED));
    assertThat(g.value().shape()).isEqualTo(batchShape(BATCH));
    assertThat(g.logAbsDet().shape()).isEqualTo(Shape.of(BATCH));
  }

  @Test
  @DisplayName("round trip x -> z -> x (seed 20261123)")
  void roundTripFromData() {
    Bijector b = create(SEED);
    Tensor x = input(SEED);
    Tensor back = inverse(b, forward(b, x).value().value()).value().value();
    assertClose(back, x, ROUND_TRIP_TOL, "inverse(forward(x))");
  }

  @Test
  @DisplayName("round trip z -> x -> z (seed 20261123)")
  void roundTripFromLatent() {
    Bijector b = create(SEED);
    Tensor z = latent(SEED);
    Tensor back = forward(b, inverse(b, z).value().value()).value().value();
    assertClose(back, z, ROUND_TRIP_TOL, "forward(inverse(z))");
  }

  @Test
  @DisplayName("forward and inverse log-determinants cancel")
  void logDetsCancel() {
    Bijector b = create(SEED);
    Tensor x = input(SEED);
    Transformed f = forward(b, x);
    Transformed g = inverse(b, f.value().value());
    Tensor a = f.logAbsDet().value();
    Tensor c = g.logAbsDet().value();
    for (int i = 0; i < BATCH; i++) {
      assertThat((double) a.getFlat(i) + c.getFlat(i))
          .as("row %d: forward %s + inverse %s", i, a.getFlat(i), c.getFlat(i))
          .isCloseTo(0.0, org.assertj.core.data.Offset.offset(logDetTol()));
    }
  }

  @Test
  @DisplayName("forward log-det equals log|det J| of a finite-difference Jacobian")
  void forwardLogDetMatchesJacobian() {
    Bijector b = create(SEED);
    checkLogDet(b, input(SEED), true);
  }

  @Test
  @DisplayName("inverse log-det equals log|det J| of a finite-difference Jacobian")
  void inverseLogDetMatchesJacobian() {
    Bijector b = create(SEED);
    checkLogDet(b, latent(SEED), false);
  }

  @Test
  @DisplayName("the Jacobian has the structure the layer promises")
  void jacobianStructure() {
    Bijector b = create(SEED);
    Tensor x = input(SEED);
    int d = eventShape().size();
    for (int row = 0; row < BATCH; row++) {
      double[][] j = jacobian(b, x, row, true);
      switch (structure()) {
        case DENSE -> {}
        case DIAGONAL -> {
          for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
              if (i != k) {
                assertThat(j[i][k]).as("J[%d][%d] of a diagonal layer", i, k).isZero();
              }
            }
          }
        }
        case TRIANGULAR -> {
          int[] o = order();
          for (int a = 0; a < d; a++) {
            for (int c = a + 1; c < d; c++) {
              assertThat(j[o[a]][o[c]])
                  .as("d y%d / d x%d must be 0 (x%d comes later)", o[a], o[c], o[c])
                  .isZero();
            }
          }
        }
        case COUPLING -> {
          Tensor y = forward(b, x).value().value();
          int off = row * d;
          for (int i : identityFeatures()) {
            assertThat(y.getFlat(off + i))
                .as("identity feature %d", i)
                .isEqualTo(x.getFlat(off + i));
          }
        }
      }
    }
  }

  @Test
  @DisplayName(
      "outputs stay finite for inputs of +-1e3 in both directions (or are refused outside a domain)")
  void extremeInputsGiveFiniteOutputs() {
    Bijector b = create(SEED);
    Tensor x = input(SEED);
    Rng rng = new Rng(SEED + 7);
    for (int i = 0; i < x.size(); i++) {
      x.setFlat(i, rng.nextUniform() < 0.5 ? -EXTREME : EXTREME);
    }
    Tensor z = x.reshape(batchShape(latentEventShape(), BATCH));
    for (boolean fwd : new boolean[] {true, false}) {
      if (!extremeInputsInDomain(fwd)) {
        assertThatThrownBy(
                () -> {
                  Transformed unused = fwd ? forward(b, x) : inverse(b, z);
                })
            .as("%s of +-1e3, outside its domain", fwd ? "forward" : "inverse")
            .isInstanceOf(InputOutsideDomainException.class);
        continue;
      }
      Transformed t = fwd ? forward(b, x) : inverse(b, z);
      assertFinite(t.value().value(), (fwd ? "forward" : "inverse") + " value at +-1e3");
      assertFinite(t.logAbsDet().value(), (fwd ? "forward" : "inverse") + " log-det at +-1e3");
    }
  }

  @Test
  @DisplayName("every parameter receives a gradient from the log-density")
  void everyParameterGetsAGradient() {
    Bijector b = create(SEED);
    if (!(b instanceof Module m) || m.parameters().isEmpty()) {
      return;
    }
    Flow flow = new Flow(b, new StandardNormal(latentEventShape().dims()));
    flow.zeroGrad();
    try (Tape tape = Tape.record()) {
      Var lp = flow.logProb(tape.input(input(SEED)));
      tape.backward(io.flows4j.autodiff.Reductions.sum(lp));
    }
    for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
      Tensor g = e.getValue().grad();
      boolean any = false;
      for (int i = 0; i < g.size() && !any; i++) {
        any = g.getFlat(i) != 0f;
      }
      assertThat(any).as("parameter %s received no gradient", e.getKey()).isTrue();
      assertFinite(g, "gradient of " + e.getKey());
    }
  }

  @Test
  @DisplayName("spec + saved state rebuild a bijector with identical log-density")
  void saveAndLoadReproduceLogProb() {
    Bijector b = create(SEED);
    Flow flow = new Flow(b, new StandardNormal(latentEventShape().dims()));
    Tensor x = input(SEED);
    Tensor expected = flow.logProb(x);
    Json.Obj spec = Json.parse(b.spec().write()) instanceof Json.Obj o ? o : null;
    assertThat(spec).isNotNull();
    Bijector rebuilt = BijectorRegistry.build(spec);
    Flow other = new Flow(rebuilt, new StandardNormal(latentEventShape().dims()));
    other.loadStateDict(flow.stateDict());
    if (b instanceof Module m && !m.isTraining()) {
      // The mode is not part of the saved state; compare like with like.
      other.eval();
    }
    assertThat(other.logProb(x).toArray()).containsExactly(expected.toArray());
  }

  private double logDetTol() {
    return LOG_DET_TOL_PER_FEATURE * eventShape().size() + 1e-3;
  }

  private void checkLogDet(Bijector b, Tensor in, boolean fwd) {
    Tensor ld = (fwd ? forward(b, in) : inverse(b, in)).logAbsDet().value();
    for (int row = 0; row < BATCH; row++) {
      double[][] j = jacobian(b, in, row, fwd);
      double expected = logAbsDet(j);
      assertThat((double) ld.getFlat(row))
          .as("%s log|det J| of row %d", fwd ? "forward" : "inverse", row)
          .isCloseTo(expected, org.assertj.core.data.Offset.offset(logDetTol()));
    }
  }

  /** Central-difference Jacobian of one row, {@code J[i][k] = d out_i / d in_k}. */
  private double[][] jacobian(Bijector b, Tensor in, int row, boolean fwd) {
    int d = eventShape().size();
    double[][] j = new double[d][d];
    Tensor x = in.copy();
    int off = row * d;
    for (int k = 0; k < d; k++) {
      float saved = x.getFlat(off + k);
      double h = FD_STEP * Math.max(1.0, Math.abs(saved));
      x.setFlat(off + k, (float) (saved + h));
      float hp = x.getFlat(off + k);
      Tensor plus = (fwd ? forward(b, x) : inverse(b, x)).value().value().copy();
      x.setFlat(off + k, (float) (saved - h));
      float hm = x.getFlat(off + k);
      Tensor minus = (fwd ? forward(b, x) : inverse(b, x)).value().value();
      x.setFlat(off + k, saved);
      double width = (double) hp - hm;
      for (int i = 0; i < d; i++) {
        j[i][k] = ((double) plus.getFlat(off + i) - minus.getFlat(off + i)) / width;
      }
    }
    return j;
  }

  /** {@code log|det A|} by LU with partial pivoting, in double. */
  static double logAbsDet(double[][] a) {
    int n = a.length;
    double[][] m = new double[n][];
    for (int i = 0; i < n; i++) {
      m[i] = a[i].clone();
    }
    double s = 0;
    for (int c = 0; c < n; c++) {
      int p = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(m[r][c]) > Math.abs(m[p][c])) {
          p = r;
        }
      }
      double[] t = m[c];
      m[c] = m[p];
      m[p] = t;
      double piv = m[c][c];
      s += Math.log(Math.abs(piv));
      for (int r = c + 1; r < n; r++) {
        double f = m[r][c] / piv;
        for (int k = c; k < n; k++) {
          m[r][k] -= f * m[c][k];
        }
      }
    }
    return s;
  }

  private static void assertClose(Tensor actual, Tensor expected, double rel, String what) {
    for (int i = 0; i < expected.size(); i++) {
      double e = expected.getFlat(i);
      assertThat((double) actual.getFlat(i))
          .as("%s element %d", what, i)
          .isCloseTo(e, org.assertj.core.data.Offset.offset(rel * (1 + Math.abs(e))));
    }
  }

  private static void assertFinite(Tensor t, String what) {
    for (int i = 0; i < t.size(); i++) {
      assertThat(Float.isFinite(t.getFlat(i)))
          .as("%s element %d is %s", what, i, t.getFlat(i))
          .isTrue();
    }
  }
}
