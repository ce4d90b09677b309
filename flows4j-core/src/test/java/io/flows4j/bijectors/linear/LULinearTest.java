package io.flows4j.bijectors.linear;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.bijectors.BijectorRegistry;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.StableMath;
import io.flows4j.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The contract on a perturbed LU-linear layer of 4 features, and the layer's specifics. */
class LULinearTest extends BijectorContractTest {
  /** Standard deviation of the noise added to every parameter. */
  private static final double PERTURBATION = 0.5;

  /** Tolerance of float results built with double accumulation, against double references. */
  private static final double REFERENCE_TOL = 1e-5;

  @Override
  protected Bijector create(long seed) {
    LULinear b = LULinear.randomRotation(4, seed);
    perturb(b, seed, PERTURBATION);
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(4);
  }

  /** The weight rebuilt in double from the parameters: {@code W[p[i]] = (L (U + diag s))[i]}. */
  private static double[][] referenceWeight(LULinear layer) {
    int d = layer.features();
    var params = layer.namedParameters();
    Tensor lo = params.get("lower").value();
    Tensor up = params.get("upper").value();
    Tensor raw = params.get("rawDiagonal").value();
    double[][] l = new double[d][d];
    double[][] u = new double[d][d];
    int li = 0;
    int ui = 0;
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < i; j++) {
        l[i][j] = lo.getFlat(li++);
      }
      l[i][i] = 1;
      u[i][i] = StableMath.softplus(raw.getFlat(i)) + LULinear.MIN_DIAGONAL;
      for (int j = i + 1; j < d; j++) {
        u[i][j] = up.getFlat(ui++);
      }
    }
    int[] p = layer.permutation();
    double[][] w = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        double s = 0;
        for (int k = 0; k < d; k++) {
          s += l[i][k] * u[k][j];
        }
        w[p[i]][j] = s;
      }
    }
    return w;
  }

  @Test
  @DisplayName("forward = W x + b with W = P L (U + diag s) in double, log-det = log|det W|")
  void forwardMatchesReference() {
    LULinear layer = (LULinear) create(SEED);
    double[][] w = referenceWeight(layer);
    Tensor b = layer.namedParameters().get("bias").value();
    Tensor x = new Rng(3).fillNormal(Tensor.zeros(5, 4), 0, 1);
    double logDet = logAbsDet(w);
    try (Tape t = Tape.noGrad()) {
      Transformed f = layer.forward(t.input(x));
      for (int r = 0; r < 5; r++) {
        for (int i = 0; i < 4; i++) {
          double z = b.getFlat(i);
          for (int j = 0; j < 4; j++) {
            z += w[i][j] * x.get(r, j);
          }
          assertThat((double) f.value().value().get(r, i))
              .isCloseTo(z, Offset.offset(REFERENCE_TOL * (1 + Math.abs(z))));
        }
        assertThat((double) f.logAbsDet().value().getFlat(r))
            .isCloseTo(logDet, Offset.offset(REFERENCE_TOL * (1 + Math.abs(logDet))));
      }
    }
  }

  @Test
  @DisplayName("randomRotation starts orthogonal (W W^T = I), with a random permutation")
  void randomRotationIsOrthogonal() {
    LULinear layer = LULinear.randomRotation(6, 17);
    Tensor w = layer.weight();
    for (int i = 0; i < 6; i++) {
      for (int j = 0; j < 6; j++) {
        double s = 0;
        for (int k = 0; k < 6; k++) {
          s += (double) w.get(i, k) * w.get(j, k);
        }
        assertThat(s).as("(W W^T)[%d][%d]", i, j).isCloseTo(i == j ? 1 : 0, Offset.offset(1e-5));
      }
    }
    assertThat(layer.permutation()).isNotEqualTo(new int[] {0, 1, 2, 3, 4, 5});
    assertThat(LULinear.randomRotation(6, 17).weight().toArray()).containsExactly(w.toArray());
  }

  @Test
  @DisplayName("identity starts at W = I")
  void identityStartsAtIdentity() {
    Tensor w = LULinear.identity(3).weight();
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        assertThat((double) w.get(i, j)).isCloseTo(i == j ? 1 : 0, Offset.offset(1e-7));
      }
    }
  }

  @Test
  @DisplayName("a diagonal driven to -1e4 stays at the floor: invertible, finite log-det")
  void diagonalHasAFloor() {
    LULinear layer = LULinear.identity(2);
    layer.namedParameters().get("rawDiagonal").value().fill(-1e4f);
    Tensor z = Tensor.of(new float[] {1f, -2f}, 1, 2);
    try (Tape t = Tape.noGrad()) {
      Transformed g = layer.inverse(t.input(z));
      assertThat((double) g.value().value().getFlat(0)).isCloseTo(1e3, Offset.offset(1e-1));
      assertThat((double) g.logAbsDet().value().getFlat(0))
          .isCloseTo(-2 * Math.log(LULinear.MIN_DIAGONAL), Offset.offset(1e-3));
    }
  }

  private static Var both(Transformed t) {
    int rows = t.value().shape().dim(0);
    return ShapeOps.concat(1, t.value(), ShapeOps.reshape(t.logAbsDet(), rows, 1));
  }

  @Test
  @DisplayName("weight and log-det backward rules match finite differences (seed 61)")
  void weightGradients() {
    int[] perm = {2, 0, 3, 1};
    Tensor lower = GradCheck.uniform(61, -1, 1, 6);
    Tensor upper = GradCheck.uniform(62, -1, 1, 6);
    Tensor raw = GradCheck.uniform(63, -2, 2, 4);
    GradCheck.check(
        v -> LuOps.weight(v[0], v[1], v[2], perm, LULinear.MIN_DIAGONAL), 64, lower, upper, raw);
    GradCheck.check(v -> LuOps.logDet(v[0], 3, -1.0, LULinear.MIN_DIAGONAL), 65, raw);
  }

  @Test
  @DisplayName("the triangular-solve backward rule matches finite differences (seed 71)")
  void solveGradients() {
    int[] perm = {1, 3, 0, 2};
    Tensor z = GradCheck.uniform(71, -2, 2, 3, 4);
    Tensor bias = GradCheck.uniform(72, -1, 1, 4);
    Tensor lower = GradCheck.uniform(73, -0.5, 0.5, 6);
    Tensor upper = GradCheck.uniform(74, -0.5, 0.5, 6);
    Tensor raw = GradCheck.uniform(75, 0, 2, 4);
    GradCheck.check(
        v ->
            LuOps.solve(
                "LULinear.inverse", v[0], v[1], v[2], v[3], v[4], perm, LULinear.MIN_DIAGONAL),
        76,
        z,
        bias,
        lower,
        upper,
        raw);
  }

  @Test
  @DisplayName("gradients of the whole layer in both directions match finite differences")
  void layerGradients() {
    LULinear layer = (LULinear) create(81);
    Tensor x = GradCheck.uniform(82, -1, 1, 3, 4);
    GradCheck.check(v -> both(layer.forward(v[0])), 83, x);
    GradCheck.check(v -> both(layer.inverse(v[0])), 84, x);
  }

  @Test
  @DisplayName("the spec stores the permutation, so the rebuilt layer with the state is identical")
  void specStoresThePermutation() {
    LULinear layer = (LULinear) create(91);
    LULinear rebuilt = (LULinear) BijectorRegistry.build(layer.spec());
    assertThat(rebuilt.permutation()).containsExactly(layer.permutation());
    rebuilt.loadStateDict(layer.stateDict());
    assertThat(rebuilt.weight().toArray()).containsExactly(layer.weight().toArray());
  }

  @Test
  @DisplayName("fewer than 2 features is refused")
  void rejectsOneFeature() {
    assertThatThrownBy(() -> LULinear.identity(1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("LULinear: features must be >= 2 (use ElementwiseAffine for one), but was 1");
  }

  /** {@code log|det A|} by LU with partial pivoting, in double. */
  private static double logAbsDet(double[][] a) {
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
      s += Math.log(Math.abs(m[c][c]));
      for (int r = c + 1; r < n; r++) {
        double f = m[r][c] / m[c][c];
        for (int k = c; k < n; k++) {
          m[r][k] -= f * m[c][k];
        }
      }
    }
    return s;
  }
}
