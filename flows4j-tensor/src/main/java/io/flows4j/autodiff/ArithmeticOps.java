package io.flows4j.autodiff;

import io.flows4j.tensor.Tensor;

/**
 * Elementwise arithmetic with the broadcasts a flow needs: {@code a} and {@code b} of equal shapes;
 * either one a row ({@code [D]} or {@code [1, D]}, repeated over the batch of a {@code [B, D]}); a
 * column ({@code [B, 1]}, one value per batch row); or a one-element scalar. The result has the
 * larger shape; the gradient of a broadcast operand is summed over the dimensions it was repeated
 * along.
 */
public final class ArithmeticOps {
  private static final int ADD = 0;
  private static final int SUB = 1;
  private static final int MUL = 2;
  private static final int DIV = 3;

  /** Contribution {@code dy * o} of a product's other factor {@code o}. */
  private static final int TIMES_OTHER = 0;

  /** Contribution {@code dy / o} to a quotient's numerator. */
  private static final int OVER_OTHER = 1;

  /** Contribution {@code dy * y / o}, minus the gradient of a quotient's denominator. */
  private static final int OUT_OVER_OTHER = 2;

  private ArithmeticOps() {}

  /**
   * Sum {@code a + b}, broadcasting as described in the class comment.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes fit no supported broadcast
   */
  public static Var add(Var a, Var b) {
    return binary("add", ADD, a, b);
  }

  /**
   * Difference {@code a - b}, broadcasting as described in the class comment.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes fit no supported broadcast
   */
  public static Var sub(Var a, Var b) {
    return binary("sub", SUB, a, b);
  }

  /**
   * Product {@code a * b}, elementwise, broadcasting as described in the class comment.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes fit no supported broadcast
   */
  public static Var mul(Var a, Var b) {
    return binary("mul", MUL, a, b);
  }

  /**
   * Quotient {@code a / b}, elementwise, broadcasting as described in the class comment.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes fit no supported broadcast
   */
  public static Var div(Var a, Var b) {
    return binary("div", DIV, a, b);
  }

  /** Negation {@code -x}, any shape. */
  public static Var neg(Var x) {
    return scale(x, -1f);
  }

  /** Scaling {@code c * x} by a constant, any shape. */
  public static Var scale(Var x, float c) {
    return Pointwise.unary(
        x,
        (s, so, d, dOff, from, to) -> {
          for (int i = from; i < to; i++) {
            d[dOff + i] = c * s[so + i];
          }
        },
        (xs, xo, ys, yo, dy, dyo, dx, dxo, from, to) -> {
          for (int i = from; i < to; i++) {
            dx[dxo + i] += c * dy[dyo + i];
          }
        });
  }

  /** Shift {@code x + c} by a constant, any shape. */
  public static Var addScalar(Var x, float c) {
    return Pointwise.unary(
        x,
        (s, so, d, dOff, from, to) -> {
          for (int i = from; i < to; i++) {
            d[dOff + i] = s[so + i] + c;
          }
        },
        (xs, xo, ys, yo, dy, dyo, dx, dxo, from, to) -> {
          for (int i = from; i < to; i++) {
            dx[dxo + i] += dy[dyo + i];
          }
        });
  }

  private static Var binary(String name, int op, Var a, Var b) {
    Broadcast bc = Broadcast.of(name, a.shape(), b.shape());
    Tensor av = a.value();
    Tensor bv = b.value();
    Tensor y = Tape.newValue(bc.out);
    forward(op, bc, av, bv, y);
    return Tape.result(
        y,
        out -> {
          Tensor dy = out.grad();
          if (a.requiresGrad()) {
            switch (op) {
              case ADD, SUB -> bc.accumulate(dy, 1f, a.grad(), bc.a);
              case MUL -> contribute(TIMES_OTHER, 1f, bc, dy, null, bv, bc.b, a.grad(), bc.a, out);
              default -> contribute(OVER_OTHER, 1f, bc, dy, null, bv, bc.b, a.grad(), bc.a, out);
            }
          }
          if (b.requiresGrad()) {
            switch (op) {
              case ADD -> bc.accumulate(dy, 1f, b.grad(), bc.b);
              case SUB -> bc.accumulate(dy, -1f, b.grad(), bc.b);
              case MUL -> contribute(TIMES_OTHER, 1f, bc, dy, null, av, bc.a, b.grad(), bc.b, out);
              default -> contribute(OUT_OVER_OTHER, -1f, bc, dy, y, bv, bc.b, b.grad(), bc.b, out);
            }
          }
        },
        a,
        b);
  }

  private static void forward(int op, Broadcast bc, Tensor av, Tensor bv, Tensor y) {
    float[] x = av.data();
    float[] w = bv.data();
    float[] d = y.data();
    int xo = av.offset();
    int wo = bv.offset();
    int o = y.offset();
    if (bc.a == Broadcast.Kind.SAME && bc.b == Broadcast.Kind.SAME) {
      int n = y.size();
      switch (op) {
        case ADD -> {
          for (int i = 0; i < n; i++) {
            d[o + i] = x[xo + i] + w[wo + i];
          }
        }
        case SUB -> {
          for (int i = 0; i < n; i++) {
            d[o + i] = x[xo + i] - w[wo + i];
          }
        }
        case MUL -> {
          for (int i = 0; i < n; i++) {
            d[o + i] = x[xo + i] * w[wo + i];
          }
        }
        default -> {
          for (int i = 0; i < n; i++) {
            d[o + i] = x[xo + i] / w[wo + i];
          }
        }
      }
      return;
    }
    int ars = bc.rowStride(bc.a);
    int acs = Broadcast.colStride(bc.a);
    int brs = bc.rowStride(bc.b);
    int bcs = Broadcast.colStride(bc.b);
    int cols = bc.cols;
    for (int i = 0; i < bc.rows; i++) {
      int ar = xo + i * ars;
      int br = wo + i * brs;
      int r = o + i * cols;
      switch (op) {
        case ADD -> {
          for (int j = 0; j < cols; j++) {
            d[r + j] = x[ar + j * acs] + w[br + j * bcs];
          }
        }
        case SUB -> {
          for (int j = 0; j < cols; j++) {
            d[r + j] = x[ar + j * acs] - w[br + j * bcs];
          }
        }
        case MUL -> {
          for (int j = 0; j < cols; j++) {
            d[r + j] = x[ar + j * acs] * w[br + j * bcs];
          }
        }
        default -> {
          for (int j = 0; j < cols; j++) {
            d[r + j] = x[ar + j * acs] / w[br + j * bcs];
          }
        }
      }
    }
  }

  /**
   * Adds {@code sign * c} into {@code target} (an operand laid out as {@code targetKind}), where
   * {@code c} is one of the contributions named by the constants above, formed from the output
   * gradient {@code dy}, the output {@code y} and the other operand {@code o}. A broadcast target
   * first collects the contributions in an output-shaped arena buffer, then sums them down.
   */
  private static void contribute(
      int form,
      float sign,
      Broadcast bc,
      Tensor dy,
      Tensor y,
      Tensor other,
      Broadcast.Kind otherKind,
      Tensor target,
      Broadcast.Kind targetKind,
      Var out) {
    boolean direct = targetKind == Broadcast.Kind.SAME;
    Tensor t = direct ? target : out.tape().alloc(bc.out);
    float[] g = dy.data();
    float[] yd = y == null ? null : y.data();
    float[] od = other.data();
    float[] td = t.data();
    int go = dy.offset();
    int yo = y == null ? 0 : y.offset();
    int oo = other.offset();
    int to = t.offset();
    int ors = bc.rowStride(otherKind);
    int ocs = Broadcast.colStride(otherKind);
    int cols = bc.cols;
    for (int i = 0; i < bc.rows; i++) {
      int r = i * cols;
      int orow = oo + i * ors;
      switch (form) {
        case TIMES_OTHER -> {
          for (int j = 0; j < cols; j++) {
            float v = g[go + r + j] * od[orow + j * ocs];
            td[to + r + j] = direct ? td[to + r + j] + sign * v : v;
          }
        }
        case OVER_OTHER -> {
          for (int j = 0; j < cols; j++) {
            float v = g[go + r + j] / od[orow + j * ocs];
            td[to + r + j] = direct ? td[to + r + j] + sign * v : v;
          }
        }
        default -> {
          for (int j = 0; j < cols; j++) {
            float v = g[go + r + j] * yd[yo + r + j] / od[orow + j * ocs];
            td[to + r + j] = direct ? td[to + r + j] + sign * v : v;
          }
        }
      }
    }
    if (!direct) {
      bc.accumulate(t, sign, target, targetKind);
    }
  }
}
