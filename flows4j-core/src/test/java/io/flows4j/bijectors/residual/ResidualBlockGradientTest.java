package io.flows4j.bijectors.residual;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Tensor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Gradients of a whole residual block (both directions, value and exact log-determinant) in its
 * input and every parameter, against central finite differences, for a network 2 -> 5 -> 2.
 */
class ResidualBlockGradientTest {
  /**
   * Tolerance of the fixed-point inverse in these checks: the default; a tenth of it is below what
   * float32 rounding of {@code g} lets the iteration settle to.
   */
  private static final double SOLVE_TOL = InvertibleResidualBlock.DEFAULT_TOLERANCE;

  /** x (or z), W0, b0, beta0, W1, b1, beta1: a network with Lipschitz constant well below 1. */
  static Tensor[] inputs(long seed) {
    return new Tensor[] {
      GradCheck.uniform(seed, -2, 2, 3, 2),
      GradCheck.uniform(seed + 1, -0.4, 0.4, 5, 2),
      GradCheck.uniform(seed + 2, -0.5, 0.5, 5),
      Tensor.of(new float[] {0.2f}, 1),
      GradCheck.uniform(seed + 3, -0.4, 0.4, 2, 5),
      GradCheck.uniform(seed + 4, -0.5, 0.5, 2),
      Tensor.of(new float[] {-0.4f}, 1)
    };
  }

  static Net net(Var[] v) {
    return new Net(new Var[] {v[1], v[4]}, new Var[] {v[2], v[5]}, new Var[] {v[3], v[6]});
  }

  @Test
  @DisplayName("forward value x + g(x): gradients in x and every parameter (seed 31)")
  void forwardValue() {
    GradCheck.check(
        v -> {
          Net net = net(v);
          return Net.residual(v[0], net.forward(v[0]));
        },
        32,
        inputs(31));
  }

  @Test
  @DisplayName("forward exact log-det: gradients in x and every parameter (seed 33)")
  void forwardLogDet() {
    GradCheck.check(
        v -> {
          Net net = net(v);
          return InvertibleResidualBlock.exactLogDet(net, net.forward(v[0]));
        },
        34,
        inputs(33));
  }

  @Test
  @DisplayName(
      "inverse value by fixed point: implicit gradients in z and every parameter (seed 35)")
  void inverseValue() {
    GradCheck.check(
        v -> InvertibleResidualBlock.invert(net(v), v[0], SOLVE_TOL, 1000, "test"), 36, inputs(35));
  }

  @Test
  @DisplayName("inverse log-det: gradients through the implicit inverse (seed 37)")
  void inverseLogDet() {
    GradCheck.check(
        v -> {
          Net net = net(v);
          Var x = InvertibleResidualBlock.invert(net, v[0], SOLVE_TOL, 1000, "test");
          return ArithmeticOps.neg(InvertibleResidualBlock.exactLogDet(net, net.forward(x)));
        },
        38,
        inputs(37));
  }

  @Test
  @DisplayName("the inverse solves x + g(x) = z to its tolerance (seed 39)")
  void inverseSolves() {
    Tensor[] in = inputs(39);
    try (Tape t = Tape.noGrad()) {
      Var[] v = new Var[in.length];
      for (int i = 0; i < in.length; i++) {
        v[i] = t.input(in[i]);
      }
      Net net = net(v);
      Var x = InvertibleResidualBlock.invert(net, v[0], 1e-6, 1000, "test");
      Tensor back = Net.residual(x, net.forward(x)).value();
      for (int i = 0; i < back.size(); i++) {
        assertThat((double) back.getFlat(i)).isCloseTo(in[0].getFlat(i), within(1e-5));
      }
    }
  }

  @Test
  @DisplayName("kernel off the tape: g, J v and J^T u agree with the tape and with differences")
  void kernelAgrees() {
    Tensor[] in = inputs(41);
    try (Tape t = Tape.noGrad()) {
      Var[] v = new Var[in.length];
      for (int i = 0; i < in.length; i++) {
        v[i] = t.input(in[i]);
      }
      Net net = net(v);
      NetKernel k = net.kernel();
      float[] x = in[0].toArray();
      int rows = 3;
      float[] g = new float[6];
      k.evaluate(x, rows, g, k.scratch(rows));
      Tensor tape = net.forward(v[0]).g().value();
      for (int i = 0; i < 6; i++) {
        assertThat(g[i]).isCloseTo(tape.getFlat(i), within(1e-6f));
      }
      NetKernel.Slopes s = k.slopes(x, rows);
      double h = 1e-3;
      for (int j = 0; j < 2; j++) {
        float[] e = new float[6];
        for (int r = 0; r < rows; r++) {
          e[r * 2 + j] = 1;
        }
        float[] jv = new float[6];
        s.jvp(e, jv);
        float[] plus = x.clone();
        float[] minus = x.clone();
        for (int r = 0; r < rows; r++) {
          plus[r * 2 + j] += (float) h;
          minus[r * 2 + j] -= (float) h;
        }
        float[] gp = new float[6];
        float[] gm = new float[6];
        k.evaluate(plus, rows, gp, k.scratch(rows));
        k.evaluate(minus, rows, gm, k.scratch(rows));
        float[] jtu = new float[6];
        for (int i = 0; i < 6; i++) {
          double fd = (gp[i] - gm[i]) / (2 * h);
          assertThat((double) jv[i]).as("J e_%d element %d", j, i).isCloseTo(fd, within(2e-3));
        }
        // (J^T e_j)_i = J_ji: compare with J e_i
        s.vjp(e, jtu);
        for (int i = 0; i < 2; i++) {
          float[] ei = new float[6];
          for (int r = 0; r < rows; r++) {
            ei[r * 2 + i] = 1;
          }
          float[] col = new float[6];
          s.jvp(ei, col);
          for (int r = 0; r < rows; r++) {
            assertThat(jtu[r * 2 + i]).isCloseTo(col[r * 2 + j], within(1e-6f));
          }
        }
      }
    }
  }
}
