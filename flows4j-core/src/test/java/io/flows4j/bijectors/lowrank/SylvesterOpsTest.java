package io.flows4j.bijectors.lowrank;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SylvesterOpsTest {
  private static final int ROWS = 4;
  private static final int D = 4;
  private static final int M = 3;
  private static final int PACKED = M * (M - 1) / 2;

  /** Orthonormality of a float frame: float rounding of entries of order 1. */
  private static final double ORTHONORMAL_TOL = 1e-6;

  /** Float rounding of results computed in double, relative. */
  private static final double FLOAT_TOL = 2e-6;

  private static Var both(Transformed t) {
    int rows = t.value().shape().dim(0);
    return ShapeOps.concat(1, t.value(), ShapeOps.reshape(t.logAbsDet(), rows, 1));
  }

  private static void assertOrthonormal(Tensor q, int d, int m) {
    for (int a = 0; a < m; a++) {
      for (int c = 0; c < m; c++) {
        double s = 0;
        for (int i = 0; i < d; i++) {
          s += (double) q.getFlat(i * m + a) * q.getFlat(i * m + c);
        }
        assertThat(s).isCloseTo(a == c ? 1 : 0, Offset.offset(ORTHONORMAL_TOL));
      }
    }
  }

  @Test
  @DisplayName("both frames are orthonormal (seed 11)")
  void framesAreOrthonormal() {
    try (Tape t = Tape.noGrad()) {
      Tensor h = FrameOps.householder(t.input(GradCheck.uniform(11, -2, 2, 5, D)), M).value();
      assertOrthonormal(h, D, M);
      Tensor c =
          FrameOps.cayley(t.input(GradCheck.uniform(12, -3, 3, D * (D - 1) / 2)), D, M).value();
      assertOrthonormal(c, D, M);
    }
  }

  @Test
  @DisplayName("Householder frame gradients match finite differences (seed 13)")
  void householderGradients() {
    GradCheck.check(v -> FrameOps.householder(v[0], M), 13, GradCheck.uniform(14, -2, 2, 3, D));
  }

  @Test
  @DisplayName("Cayley frame gradients match finite differences (seed 15)")
  void cayleyGradients() {
    GradCheck.check(
        v -> FrameOps.cayley(v[0], D, M), 15, GradCheck.uniform(16, -1, 1, D * (D - 1) / 2));
  }

  /** Inputs: x, frame vectors, rUpper, rDiag, tUpper, tDiag, b. */
  private static Tensor[] inputs(long seed) {
    return new Tensor[] {
      GradCheck.uniform(seed, -2, 2, ROWS, D),
      GradCheck.uniform(seed + 1, -2, 2, 3, D),
      GradCheck.uniform(seed + 2, -1, 1, PACKED),
      GradCheck.uniform(seed + 3, -2, 2, M),
      GradCheck.uniform(seed + 4, -1, 1, PACKED),
      GradCheck.uniform(seed + 5, -2, 2, M),
      GradCheck.uniform(seed + 6, -0.5, 0.5, M)
    };
  }

  private static Transformed apply(Var[] v, boolean closed) {
    Var q = FrameOps.householder(v[1], M);
    return closed
        ? SylvesterOps.closed("test", v[0], q, v[2], v[3], v[4], v[5], v[6])
        : SylvesterOps.solve("test", v[0], q, v[2], v[3], v[4], v[5], v[6]);
  }

  /**
   * Step of the closed form's check: the product of reflections curves enough in the vectors that
   * the default step's truncation error (order step^2) reaches the tolerance.
   */
  private static final double CLOSED_STEP = 1e-3;

  @Test
  @DisplayName("closed-form gradients match finite differences, with a Householder frame (seed 21)")
  void closedGradients() {
    GradCheck.check(
        v -> both(apply(v, true)),
        21,
        CLOSED_STEP,
        GradCheck.ABS_TOL,
        GradCheck.REL_TOL,
        inputs(22));
  }

  @Test
  @DisplayName("implicit gradients of the numerical inverse match finite differences (seed 31)")
  void inverseGradients() {
    GradCheck.check(v -> both(apply(v, false)), 31, inputs(32));
  }

  @Test
  @DisplayName("closed form, numerical inverse and a double reference agree (seed 41)")
  void closedInverseAndReferenceAgree() {
    Tensor[] in = inputs(42);
    Transformed y;
    Transformed back;
    Tensor q;
    try (Tape t = Tape.noGrad()) {
      Var[] v = new Var[in.length];
      for (int i = 0; i < in.length; i++) {
        v[i] = t.input(in[i]);
      }
      q = FrameOps.householder(v[1], M).value();
      y = apply(v, true);
      v[0] = y.value();
      back = apply(v, false);
    }
    // reference: dense R, R~ in double, y = x + Q R tanh(R~ Q^T x + b)
    double[][] r = new double[M][M];
    double[][] rt = new double[M][M];
    for (int i = 0; i < M; i++) {
      r[i][i] = Math.tanh(in[3].getFlat(i));
      rt[i][i] = (1 - LowRankMath.MIN_SLOPE) * Math.tanh(in[5].getFlat(i));
      for (int j = i + 1; j < M; j++) {
        r[i][j] = in[2].getFlat(FrameOps.upperIndex(M, i, j));
        rt[i][j] = in[4].getFlat(FrameOps.upperIndex(M, i, j));
      }
    }
    Tensor x = in[0];
    for (int row = 0; row < ROWS; row++) {
      double[] v = new double[M];
      for (int c = 0; c < M; c++) {
        for (int i = 0; i < D; i++) {
          v[c] += q.getFlat(i * M + c) * x.get(row, i);
        }
      }
      double[] hz = new double[M];
      double ld = 0;
      for (int i = 0; i < M; i++) {
        double z = in[6].getFlat(i);
        for (int k = 0; k < M; k++) {
          z += rt[i][k] * v[k];
        }
        hz[i] = Math.tanh(z);
        ld += Math.log(1 + r[i][i] * rt[i][i] * (1 - hz[i] * hz[i]));
      }
      for (int i = 0; i < D; i++) {
        double s = x.get(row, i);
        for (int c = 0; c < M; c++) {
          for (int k = 0; k < M; k++) {
            s += q.getFlat(i * M + c) * r[c][k] * hz[k];
          }
        }
        assertThat((double) y.value().value().get(row, i))
            .isCloseTo(s, Offset.offset(FLOAT_TOL * (1 + Math.abs(s))));
        double xi = x.get(row, i);
        assertThat((double) back.value().value().get(row, i))
            .isCloseTo(xi, Offset.offset(FLOAT_TOL * (1 + Math.abs(xi))));
      }
      assertThat((double) y.logAbsDet().value().getFlat(row))
          .isCloseTo(ld, Offset.offset(FLOAT_TOL * (1 + Math.abs(ld))));
      assertThat((double) back.logAbsDet().value().getFlat(row))
          .isCloseTo(-ld, Offset.offset(FLOAT_TOL * (1 + Math.abs(ld))));
    }
  }

  @Test
  @DisplayName("huge raw parameters (scale 1e3, seed 51): the inverse stays finite and consistent")
  void hugeRawParameters() {
    Tensor[] in = inputs(52);
    for (int i = 2; i < in.length; i++) {
      for (int k = 0; k < in[i].size(); k++) {
        in[i].setFlat(k, in[i].getFlat(k) * 1e3f);
      }
    }
    Transformed back;
    Transformed fwd;
    try (Tape t = Tape.noGrad()) {
      Var[] v = new Var[in.length];
      for (int i = 0; i < in.length; i++) {
        v[i] = t.input(in[i]);
      }
      back = apply(v, false);
      v[0] = back.value();
      fwd = apply(v, true);
    }
    for (int row = 0; row < ROWS; row++) {
      float a = back.logAbsDet().value().getFlat(row);
      float c = fwd.logAbsDet().value().getFlat(row);
      assertThat(Float.isFinite(a) && Float.isFinite(c)).isTrue();
      assertThat((double) a + c).isCloseTo(0, Offset.offset(1e-4 * (1 + Math.abs(a))));
      assertThat((double) a).isLessThanOrEqualTo(-M * Math.log(LowRankMath.MIN_SLOPE) + 1e-4);
    }
    for (int k = 0; k < back.value().value().size(); k++) {
      assertThat(Float.isFinite(back.value().value().getFlat(k))).isTrue();
    }
  }
}
