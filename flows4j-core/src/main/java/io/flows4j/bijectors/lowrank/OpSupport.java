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

  /** Adds {@code g} into the one-element gradient of {@code v} when it needs one. */
  static void addGrad(Var v, double g) {
    if (v.requiresGrad()) {
      Tensor t = v.grad();
      t.setFlat(0, (float) (t.getFlat(0) + g));
    }
  }
}
