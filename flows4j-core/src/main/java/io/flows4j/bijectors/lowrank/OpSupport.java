package io.flows4j.bijectors.lowrank;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Tensor;

/** Small helpers of the fused ops in this package. */
final class OpSupport {
  private OpSupport() {}

  /** Whether an op with these inputs must record a backward rule. */
  static boolean records(Var... inputs) {
    if (!Tape.isRecording()) {
      return false;
    }
    for (Var v : inputs) {
      if (v.requiresGrad()) {
        return true;
      }
    }
    return false;
  }

  /** Adds {@code g} into {@code v}'s gradient when it needs one. */
  static void addGrad(Var v, double[] g) {
    if (v.requiresGrad()) {
      Tensor t = v.grad();
      float[] ts = t.data();
      int to = t.offset();
      for (int j = 0; j < g.length; j++) {
        ts[to + j] += (float) g[j];
      }
    }
  }

  /**
   * The backward of a closed-form row-wise op: for each of {@code rows} rows of {@code d} features,
   * the output gradient of the row ({@code gy} row, 0 when {@code gy} is null) and its log-det
   * gradient ({@code gl[r]}, 0 when null) go to {@code row}, which accumulates the parameter
   * gradients itself and writes the row's input gradient into its last argument; that is added into
   * {@code x.grad()} when {@code x} needs one.
   */
  static void backwardRows(Var x, Tensor gy, Tensor gl, int rows, int d, RowBackward row) {
    Tensor gx = x.requiresGrad() ? x.grad() : null;
    double[] gyRow = new double[d];
    double[] gxRow = new double[d];
    for (int r = 0; r < rows; r++) {
      int off = r * d;
      for (int j = 0; j < d; j++) {
        gyRow[j] = gy == null ? 0 : gy.getFlat(off + j);
      }
      double s = gl == null ? 0 : gl.getFlat(r);
      row.apply(off, gyRow, s, gxRow);
      if (gx != null) {
        for (int j = 0; j < d; j++) {
          gx.setFlat(off + j, (float) (gx.getFlat(off + j) + gxRow[j]));
        }
      }
    }
  }

  /** One row of {@link #backwardRows}. */
  @FunctionalInterface
  interface RowBackward {
    /**
     * Computes one row's backward.
     *
     * @param offset the row's first element in the flattened input
     * @param gy the row's output gradient
     * @param s the row's log-det gradient
     * @param gx receives the row's input gradient
     */
    void apply(int offset, double[] gy, double s, double[] gx);
  }

  /** Adds {@code g} into the one-element gradient of {@code v} when it needs one. */
  static void addGrad(Var v, double g) {
    if (v.requiresGrad()) {
      Tensor t = v.grad();
      t.setFlat(0, (float) (t.getFlat(0) + g));
    }
  }
}
