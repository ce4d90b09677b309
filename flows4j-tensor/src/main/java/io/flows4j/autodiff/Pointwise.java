package io.flows4j.autodiff;

import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;

/**
 * The plumbing shared by unary elementwise ops: an arena output, the forward loop and the backward
 * loop, each run over contiguous index ranges (split across threads for large tensors). Each op
 * passes its two loops as lambdas; the lambdas are called once per range, not per element, so the
 * loop bodies compile separately and stay fast.
 */
final class Pointwise {
  /** Elements per task below which a loop runs on the calling thread alone. */
  static final int GRAIN = 1 << 15;

  private Pointwise() {}

  /** {@code d[dOff + i] = f(s[so + i])} for {@code i} in {@code [from, to)}. */
  @FunctionalInterface
  interface Forward {
    void run(float[] s, int so, float[] d, int dOff, int from, int to);
  }

  /**
   * {@code dx[dxo + i] += dy[dyo + i] * f'(x[xo + i], y[yo + i])} for {@code i} in {@code [from,
   * to)}.
   */
  @FunctionalInterface
  interface Backward {
    void run(
        float[] x,
        int xo,
        float[] y,
        int yo,
        float[] dy,
        int dyo,
        float[] dx,
        int dxo,
        int from,
        int to);
  }

  /** Applies a unary op to {@code x}, recording {@code bwd} as its backward loop. */
  static Var unary(Var x, Forward fwd, Backward bwd) {
    Tensor xv = x.value();
    Tensor y = Tape.newValue(x.shape());
    int n = y.size();
    float[] xd = xv.data();
    int xo = xv.offset();
    float[] yd = y.data();
    int yo = y.offset();
    Threads.parallelRange(n, GRAIN, (from, to) -> fwd.run(xd, xo, yd, yo, from, to));
    return Tape.result(
        y,
        out -> {
          if (!x.requiresGrad()) {
            return;
          }
          Tensor dy = out.grad();
          Tensor dx = x.grad();
          float[] dyd = dy.data();
          int dyo = dy.offset();
          float[] dxd = dx.data();
          int dxo = dx.offset();
          Threads.parallelRange(
              n, GRAIN, (from, to) -> bwd.run(xd, xo, yd, yo, dyd, dyo, dxd, dxo, from, to));
        },
        x);
  }
}
