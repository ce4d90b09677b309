package io.flows4j.autodiff;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.StableMath;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;

/**
 * Elementwise functions of one tensor (any shape; the output has the input's shape). Each backward
 * rule uses whichever of input and output makes the derivative cheapest and most accurate, as noted
 * per method.
 */
public final class MathOps {
  private MathOps() {}

  /** {@code exp(x)}; the derivative reuses the output, {@code y}. */
  public static Var exp(Var x) {
    return Pointwise.unary(
        x,
        (s, so, d, dOff, from, to) -> {
          for (int i = from; i < to; i++) {
            d[dOff + i] = (float) Math.exp(s[so + i]);
          }
        },
        (xs, xo, ys, yo, dy, dyo, dx, dxo, from, to) -> {
          for (int i = from; i < to; i++) {
            dx[dxo + i] += dy[dyo + i] * ys[yo + i];
          }
        });
  }

  /** Natural logarithm {@code log(x)}; derivative {@code 1 / x}. */
  public static Var log(Var x) {
    return Pointwise.unary(
        x,
        (s, so, d, dOff, from, to) -> {
          for (int i = from; i < to; i++) {
            d[dOff + i] = (float) Math.log(s[so + i]);
          }
        },
        (xs, xo, ys, yo, dy, dyo, dx, dxo, from, to) -> {
          for (int i = from; i < to; i++) {
            dx[dxo + i] += dy[dyo + i] / xs[xo + i];
          }
        });
  }

  /** {@code x^2}; derivative {@code 2 x}. */
  public static Var square(Var x) {
    return Pointwise.unary(
        x,
        (s, so, d, dOff, from, to) -> {
          for (int i = from; i < to; i++) {
            float v = s[so + i];
            d[dOff + i] = v * v;
          }
        },
        (xs, xo, ys, yo, dy, dyo, dx, dxo, from, to) -> {
          for (int i = from; i < to; i++) {
            dx[dxo + i] += 2f * xs[xo + i] * dy[dyo + i];
          }
        });
  }

  /** {@code sqrt(x)}; derivative {@code 1 / (2 y)}. */
  public static Var sqrt(Var x) {
    return Pointwise.unary(
        x,
        (s, so, d, dOff, from, to) -> {
          for (int i = from; i < to; i++) {
            d[dOff + i] = (float) Math.sqrt(s[so + i]);
          }
        },
        (xs, xo, ys, yo, dy, dyo, dx, dxo, from, to) -> {
          for (int i = from; i < to; i++) {
            dx[dxo + i] += 0.5f * dy[dyo + i] / ys[yo + i];
          }
        });
  }

  /** {@code sin(x)}; derivative {@code cos(x)}. */
  public static Var sin(Var x) {
    return Pointwise.unary(
        x,
        (s, so, d, dOff, from, to) -> {
          for (int i = from; i < to; i++) {
            d[dOff + i] = (float) Math.sin(s[so + i]);
          }
        },
        (xs, xo, ys, yo, dy, dyo, dx, dxo, from, to) -> {
          for (int i = from; i < to; i++) {
            dx[dxo + i] += dy[dyo + i] * (float) Math.cos(xs[xo + i]);
          }
        });
  }

  /** {@code cos(x)}; derivative {@code -sin(x)}. */
  public static Var cos(Var x) {
    return Pointwise.unary(
        x,
        (s, so, d, dOff, from, to) -> {
          for (int i = from; i < to; i++) {
            d[dOff + i] = (float) Math.cos(s[so + i]);
          }
        },
        (xs, xo, ys, yo, dy, dyo, dx, dxo, from, to) -> {
          for (int i = from; i < to; i++) {
            dx[dxo + i] -= dy[dyo + i] * (float) Math.sin(xs[xo + i]);
          }
        });
  }

  /** {@code tanh(x)}; derivative {@code 1 - y^2}. */
  public static Var tanh(Var x) {
    return activation(x, Activation.TANH);
  }

  /** {@code sigmoid(x) = 1 / (1 + exp(-x))}; derivative {@code y (1 - y)}. */
  public static Var sigmoid(Var x) {
    return activation(x, Activation.SIGMOID);
  }

  /** {@code softplus(x) = log(1 + exp(x))}, stable at both tails ({@link StableMath#softplus}). */
  public static Var softplus(Var x) {
    return activation(x, Activation.SOFTPLUS);
  }

  /**
   * {@code log(sigmoid(x)) = -softplus(-x)}, stable at both tails; derivative {@code sigmoid(-x) =
   * -expm1(y)}, accurate where {@code y} is near 0.
   */
  public static Var logSigmoid(Var x) {
    return Pointwise.unary(
        x,
        (s, so, d, dOff, from, to) -> {
          for (int i = from; i < to; i++) {
            d[dOff + i] = (float) StableMath.logSigmoid(s[so + i]);
          }
        },
        (xs, xo, ys, yo, dy, dyo, dx, dxo, from, to) -> {
          for (int i = from; i < to; i++) {
            dx[dxo + i] += dy[dyo + i] * (float) -Math.expm1(ys[yo + i]);
          }
        });
  }

  /**
   * Soft clipping {@code y = x / (1 + |x| / bound)}: smooth, increasing, nearly the identity for
   * {@code |x| << bound} and bounded by {@code ±bound} (the bounded log-scale of zuko's affine
   * transforms); derivative {@code 1 / (1 + |x| / bound)^2}.
   *
   * @throws IllegalArgumentException unless {@code bound > 0} and finite
   */
  public static Var softClip(Var x, float bound) {
    Checks.requireArgument(
        bound > 0f && Float.isFinite(bound),
        "softClip: bound must be > 0 and finite, but was %s",
        bound);
    float inv = 1f / bound;
    return Pointwise.unary(
        x,
        (s, so, d, dOff, from, to) -> {
          for (int i = from; i < to; i++) {
            float v = s[so + i];
            d[dOff + i] = v / (1f + Math.abs(v) * inv);
          }
        },
        (xs, xo, ys, yo, dy, dyo, dx, dxo, from, to) -> {
          for (int i = from; i < to; i++) {
            float q = 1f + Math.abs(xs[xo + i]) * inv;
            dx[dxo + i] += dy[dyo + i] / (q * q);
          }
        });
  }

  /**
   * Applies an activation elementwise, {@code y = act(x)}, any shape. Prefer the activation fused
   * into {@link LinearOps#linear} where a dense layer precedes it.
   */
  public static Var activation(Var x, Activation act) {
    Tensor xv = x.value();
    Tensor y = Tape.newValue(x.shape());
    // Rows = the batch, so large inputs split across threads by rows.
    int rows = x.shape().rank() >= 2 ? x.shape().dim(0) : 1;
    int cols = rows == 0 ? 0 : y.size() / rows;
    ActivationKernels.forward(
        xv.data(), xv.offset(), null, 0, y.data(), y.offset(), null, 0, rows, cols, act);
    return Tape.result(
        y,
        out -> {
          if (!x.requiresGrad()) {
            return;
          }
          Tensor dy = out.grad();
          boolean accumulate = x.gradOrNull() != null;
          Tensor dx = x.gradForOverwrite();
          ActivationKernels.backward(
              dy.data(),
              dy.offset(),
              y.data(),
              y.offset(),
              xv.data(),
              xv.offset(),
              dx.data(),
              dx.offset(),
              accumulate,
              null,
              0,
              rows,
              cols,
              act);
        },
        x);
  }
}
