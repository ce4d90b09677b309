package io.flows4j.bijectors.image;

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
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The contract on a perturbed 1x1 convolution over [batch, 4, 4, 4], and the layer's specifics. */
class InvertibleConv1x1Test extends BijectorContractTest {
  /** Standard deviation of the noise added to every parameter. */
  private static final double PERTURBATION = 0.5;

  /** Tolerance of float results built with double accumulation, against double references. */
  private static final double REFERENCE_TOL = 1e-5;

  static final int C = 4;
  static final int H = 4;
  static final int W = 4;

  @Override
  protected Bijector create(long seed) {
    InvertibleConv1x1 b = ImageLayers.invertibleConv1x1(C, seed);
    perturb(b, seed, PERTURBATION);
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(C, H, W);
  }

  @Test
  @DisplayName("forward = W x at every pixel (double reference), log-det = H W log|det W|")
  void forwardMatchesReference() {
    InvertibleConv1x1 layer = (InvertibleConv1x1) create(SEED);
    Tensor w = layer.weight();
    double[][] wd = new double[C][C];
    for (int i = 0; i < C; i++) {
      for (int j = 0; j < C; j++) {
        wd[i][j] = w.get(i, j);
      }
    }
    Tensor x = new Rng(3).fillNormal(Tensor.zeros(2, C, H, W), 0, 1);
    double logDet = H * W * logAbsDet(wd);
    try (Tape t = Tape.noGrad()) {
      Transformed f = layer.forward(t.input(x));
      for (int b = 0; b < 2; b++) {
        for (int p = 0; p < H * W; p++) {
          for (int i = 0; i < C; i++) {
            double z = 0;
            for (int j = 0; j < C; j++) {
              z += wd[i][j] * x.getFlat((b * C + j) * H * W + p);
            }
            assertThat((double) f.value().value().getFlat((b * C + i) * H * W + p))
                .isCloseTo(z, Offset.offset(REFERENCE_TOL * (1 + Math.abs(z))));
          }
        }
        assertThat((double) f.logAbsDet().value().getFlat(b))
            .isCloseTo(logDet, Offset.offset(REFERENCE_TOL * (1 + Math.abs(logDet))));
      }
    }
  }

  @Test
  @DisplayName("randomRotation starts orthogonal (W W^T = I) and is reproducible from its seed")
  void randomRotationIsOrthogonal() {
    Tensor w = ImageLayers.invertibleConv1x1(6, 17).weight();
    for (int i = 0; i < 6; i++) {
      for (int j = 0; j < 6; j++) {
        double s = 0;
        for (int k = 0; k < 6; k++) {
          s += (double) w.get(i, k) * w.get(j, k);
        }
        assertThat(s).as("(W W^T)[%d][%d]", i, j).isCloseTo(i == j ? 1 : 0, Offset.offset(1e-5));
      }
    }
    assertThat(ImageLayers.invertibleConv1x1(6, 17).weight().toArray())
        .containsExactly(w.toArray());
  }

  private static Var both(Transformed t) {
    int rows = t.value().shape().dim(0);
    return ShapeOps.concat(
        1, ShapeOps.reshape(t.value(), rows, -1), ShapeOps.reshape(t.logAbsDet(), rows, 1));
  }

  @Test
  @DisplayName("gradients of the layer (input and parameters) in both directions match FD")
  void layerGradients() {
    InvertibleConv1x1 layer = (InvertibleConv1x1) create(81);
    Tensor x = GradCheck.uniform(82, -1, 1, 2, C, 3, 2);
    GradCheck.check(v -> both(layer.forward(v[0])), 83, x);
    GradCheck.check(v -> both(layer.inverse(v[0])), 84, x);
    // The parameters' gradients, through the same ops with the parameters as tracked inputs.
    var params = layer.namedParameters();
    Tensor lower = params.get("lower").value().copy();
    Tensor upper = params.get("upper").value().copy();
    Tensor raw = params.get("rawDiagonal").value().copy();
    int[] perm = layer.permutation();
    GradCheck.check(
        v ->
            io.flows4j.bijectors.linear.LuOps.solve(
                "test", v[0], null, v[1], v[2], v[3], perm, InvertibleConv1x1.MIN_DIAGONAL),
        85,
        x,
        lower,
        upper,
        raw);
  }

  @Test
  @DisplayName("the spec stores the permutation, so the rebuilt layer with the state is identical")
  void specStoresThePermutation() {
    InvertibleConv1x1 layer = (InvertibleConv1x1) create(91);
    InvertibleConv1x1 rebuilt = (InvertibleConv1x1) BijectorRegistry.build(layer.spec());
    assertThat(rebuilt.permutation()).containsExactly(layer.permutation());
    rebuilt.loadStateDict(layer.stateDict());
    assertThat(rebuilt.weight().toArray()).containsExactly(layer.weight().toArray());
  }

  @Test
  @DisplayName("wrong input shapes and fewer than 2 channels are refused with one-line messages")
  void refusesBadInput() {
    InvertibleConv1x1 layer = ImageLayers.invertibleConv1x1(C, 1);
    try (Tape t = Tape.noGrad()) {
      Var wrong = t.input(Tensor.zeros(2, C + 1, 3, 3));
      assertThatThrownBy(() -> layer.forward(wrong))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage(
              "InvertibleConv1x1.forward: input must have shape [batch, 4, height, width], but was"
                  + " [2, 5, 3, 3]");
      Var flat = t.input(Tensor.zeros(2, C));
      assertThatThrownBy(() -> layer.inverse(flat))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage(
              "InvertibleConv1x1.inverse: input must have shape [batch, 4, height, width], but was"
                  + " [2, 4]");
    }
    assertThatThrownBy(() -> ImageLayers.invertibleConv1x1(1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("InvertibleConv1x1: channels must be >= 2, but was 1");
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
