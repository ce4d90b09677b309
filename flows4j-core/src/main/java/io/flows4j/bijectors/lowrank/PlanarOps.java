package io.flows4j.bijectors.lowrank;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.FusedOp;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.StableMath;
import io.flows4j.tensor.Tensor;

/**
 * The fused ops of a planar layer (Rezende and Mohamed 2015), {@code g(x) = x + u^ h(w^T x + b)},
 * in both directions, with hand-written backward rules. Arithmetic is double inside, float in
 * storage.
 *
 * <p><b>Constraint.</b> With {@code H = sup h'} ({@code 1} for tanh, {@code max(1, s)} for a leaky
 * ReLU of negative slope {@code s}) and {@code a = w^T u}: {@code m = w^T u^ = (-1 + delta +
 * softplus(a)) / H}, realised by {@code u^ = u + (m - a) w / |w|^2}. Then every factor {@code 1 +
 * h'(z) m = (1 - h'/H) + (h'/H)(delta + softplus(a)) >= delta h'/H} is positive, and computed in
 * that form it suffers no cancellation (for tanh {@code 1 - h' = tanh^2}). {@code delta} is {@link
 * LowRankMath#MIN_SLOPE}; for tanh and slopes {@code s <= 1} the factor is at least {@code delta}
 * where {@code h' = 1}.
 *
 * <p><b>Numerical direction.</b> With {@code c = w^T y + b} and {@code z = w^T x + b}, {@code g(x)
 * = y} gives the scalar equation {@code z + m h(z) = c}, strictly increasing in {@code z}. For tanh
 * it is solved by {@link LowRankMath#solveTanh}; for the leaky ReLU it is piecewise linear with
 * {@code h(0) = 0}, so {@code z = c / (1 + m h'(c))} exactly (the sign of {@code z} is that of
 * {@code c}). Then {@code x = y - u^ h(z)}.
 *
 * <p><b>Gradients of the numerical direction</b> by implicit differentiation: with {@code L(x) =
 * log|det J(x)|} and incoming gradients {@code gx} (of {@code x}) and {@code s} (of {@code -L}),
 * {@code xb = gx - s dL/dx}, {@code lambda = J^-T xb = xb - (h' u^.xb / det) w} (Sherman-Morrison),
 * {@code dLoss/dy = lambda}, and the parameters get what the closed form's backward gives for the
 * output gradient {@code -lambda} and log-det gradient {@code -s} at {@code x}.
 */
final class PlanarOps {
  private PlanarOps() {}

  /** The activation {@code h} with its first two derivatives. */
  enum Kind {
    TANH,
    LEAKY_RELU
  }

  /** The per-call constants: {@code u^}, {@code m} and what their gradients need, in double. */
  private static final class Params {
    final int d;
    final Kind kind;
    final double slope;
    final double sup;
    final double[] u;
    final double[] w;
    final double[] uHat;
    final double b;
    final double a;
    final double norm2;
    final double m;

    /** {@code 1 + H m = delta + softplus(a)}, or 1 when {@code w = 0}. */
    final double mPlus;

    /** {@code dm/da = sigmoid(a) / H}. */
    final double dm;

    Params(Tensor uv, Tensor wv, Tensor bv, Kind kind, double slope) {
      this.d = uv.size();
      this.kind = kind;
      this.slope = slope;
      this.sup = kind == Kind.TANH ? 1 : Math.max(1, slope);
      u = new double[d];
      w = new double[d];
      uHat = new double[d];
      double dot = 0;
      double n2 = 0;
      for (int j = 0; j < d; j++) {
        u[j] = uv.getFlat(j);
        w[j] = wv.getFlat(j);
        dot += u[j] * w[j];
        n2 += w[j] * w[j];
      }
      a = dot;
      norm2 = n2;
      b = bv.getFlat(0);
      if (n2 > 0) {
        double sp = StableMath.softplus(a);
        mPlus = LowRankMath.MIN_SLOPE + sp;
        m = (-1 + mPlus) / sup;
        dm = StableMath.sigmoid(a) / sup;
        double k = (m - a) / n2;
        for (int j = 0; j < d; j++) {
          uHat[j] = u[j] + k * w[j];
        }
      } else {
        // w = 0: the layer is the shift x + u h(b); w^T u^ = 0 whatever u^ is.
        mPlus = 1;
        m = 0;
        dm = 0;
        System.arraycopy(u, 0, uHat, 0, d);
      }
    }

    double h(double z) {
      return switch (kind) {
        case TANH -> Math.tanh(z);
        case LEAKY_RELU -> z >= 0 ? z : slope * z;
      };
    }

    /** {@code h'} given {@code z} and {@code h(z)}. */
    double h1(double z, double hz) {
      return switch (kind) {
        case TANH -> 1 - hz * hz;
        case LEAKY_RELU -> z >= 0 ? 1 : slope;
      };
    }

    /** {@code h''} given {@code h(z)} and {@code h'(z)}. */
    double h2(double hz, double hp) {
      return kind == Kind.TANH ? -2 * hz * hp : 0;
    }

    /** {@code 1 + h' m}, without cancellation. */
    double det(double hz, double hp) {
      double q = hp / sup;
      double oneMinusQ = kind == Kind.TANH ? hz * hz : 1 - q;
      return oneMinusQ + q * mPlus;
    }

    /** {@code w^T row + b} for row {@code r} of a {@code [rows, d]} array. */
    double z(float[] xs, int off) {
      double s = b;
      for (int j = 0; j < d; j++) {
        s += w[j] * xs[off + j];
      }
      return s;
    }
  }

  /** Gradient accumulators of {@code u^}, {@code w} (direct), {@code b} and {@code m}. */
  private static final class Grads {
    final double[] uHat;
    final double[] w;
    double b;
    double m;

    Grads(int d) {
      uHat = new double[d];
      w = new double[d];
    }
  }

  /**
   * The closed form {@code y = x + u^ h(w^T x + b)}, {@code log|det dy/dx| = log(1 + h' m)}.
   *
   * @param x of shape {@code [batch, D]}
   * @param u raw {@code u} of shape {@code [D]}
   * @param w of shape {@code [D]}
   * @param b of shape {@code [1]}
   * @param slope the leaky ReLU's negative slope (unused for tanh)
   * @return {@code y} of shape {@code [batch, D]} and the log-determinants of shape {@code [batch]}
   */
  static Transformed closed(String op, Var x, Var u, Var w, Var b, Kind kind, double slope) {
    checkShapes(op, x, u, w, b);
    Params p = new Params(u.value(), w.value(), b.value(), kind, slope);
    int rows = x.shape().dim(0);
    int d = p.d;
    Tensor y = Tape.newValue(x.shape());
    Tensor ld = Tape.newValue(Shape.of(rows));
    float[] xs = x.value().data();
    int xo = x.value().offset();
    float[] ys = y.data();
    int yo = y.offset();
    float[] ls = ld.data();
    int lo = ld.offset();
    for (int r = 0; r < rows; r++) {
      int off = r * d;
      double z = p.z(xs, xo + off);
      double hz = p.h(z);
      double hp = p.h1(z, hz);
      for (int j = 0; j < d; j++) {
        ys[yo + off + j] = (float) (xs[xo + off + j] + p.uHat[j] * hz);
      }
      ls[lo + r] = (float) Math.log(p.det(hz, hp));
    }
    if (!OpSupport.records(x, u, w, b)) {
      return new Transformed(Var.constant(y), Var.constant(ld));
    }
    return FusedOp.transformed(
        y,
        ld,
        (gy, gl) -> {
          Grads g = new Grads(d);
          OpSupport.backwardRows(
              x,
              gy,
              gl,
              rows,
              d,
              (off, gyRow, s, gxRow) -> closedBackwardRow(p, xs, xo + off, gyRow, s, g, gxRow));
          finish(p, g, u, w, b);
        },
        x,
        u,
        w,
        b);
  }

  /**
   * The numerical direction: {@code x} with {@code x + u^ h(w^T x + b) = y}, and {@code log|det
   * dx/dy| = -log(1 + h'(w^T x + b) m)}.
   *
   * @param y of shape {@code [batch, D]}
   * @return {@code x} of shape {@code [batch, D]} and the log-determinants of shape {@code [batch]}
   * @throws io.flows4j.bijectors.NonConvergenceException if a scalar solve fails (see {@link
   *     LowRankMath#solveTanh})
   */
  static Transformed solve(String op, Var y, Var u, Var w, Var b, Kind kind, double slope) {
    checkShapes(op, y, u, w, b);
    Params p = new Params(u.value(), w.value(), b.value(), kind, slope);
    int rows = y.shape().dim(0);
    int d = p.d;
    Tensor x = Tape.newValue(y.shape());
    Tensor ld = Tape.newValue(Shape.of(rows));
    float[] ys = y.value().data();
    int yo = y.value().offset();
    float[] xs = x.data();
    int xo = x.offset();
    for (int r = 0; r < rows; r++) {
      int off = r * d;
      double c = p.z(ys, yo + off);
      double z;
      if (kind == Kind.TANH) {
        z = LowRankMath.solveTanh(op, c, p.m, 1, 0);
      } else {
        double hc = c >= 0 ? 1 : slope;
        z = c / p.det(0, hc);
      }
      double hz = p.h(z);
      for (int j = 0; j < d; j++) {
        xs[xo + off + j] = (float) (ys[yo + off + j] - p.uHat[j] * hz);
      }
      ld.setFlat(r, (float) -Math.log(p.det(hz, p.h1(z, hz))));
    }
    if (!OpSupport.records(y, u, w, b)) {
      return new Transformed(Var.constant(x), Var.constant(ld));
    }
    return FusedOp.transformed(
        x,
        ld,
        (gx, gl) -> {
          Grads g = new Grads(d);
          Tensor gy = y.requiresGrad() ? y.grad() : null;
          double[] negLambda = new double[d];
          double[] unused = new double[d];
          for (int r = 0; r < rows; r++) {
            int off = r * d;
            double z = p.z(xs, xo + off);
            double hz = p.h(z);
            double hp = p.h1(z, hz);
            double det = p.det(hz, hp);
            double s = gl == null ? 0 : gl.getFlat(r);
            // xb = gx - s dL/dx, dL/dx = (m h'' / det) w; lambda = J^-T xb.
            double dl = s * p.m * p.h2(hz, hp) / det;
            double uxb = 0;
            for (int j = 0; j < d; j++) {
              double xb = (gx == null ? 0 : gx.getFlat(off + j)) - dl * p.w[j];
              negLambda[j] = xb;
              uxb += p.uHat[j] * xb;
            }
            double c = hp * uxb / det;
            for (int j = 0; j < d; j++) {
              negLambda[j] = c * p.w[j] - negLambda[j];
            }
            if (gy != null) {
              for (int j = 0; j < d; j++) {
                gy.setFlat(off + j, (float) (gy.getFlat(off + j) - negLambda[j]));
              }
            }
            closedBackwardRow(p, xs, xo + off, negLambda, -s, g, unused);
          }
          finish(p, g, u, w, b);
        },
        y,
        u,
        w,
        b);
  }

  /**
   * One row of the closed form's backward: given {@code gy} and the log-det gradient {@code s} at
   * input row {@code x}, adds the parameter gradients into {@code g} and writes {@code dLoss/dx}
   * into {@code gxRow}.
   */
  private static void closedBackwardRow(
      Params p, float[] xs, int off, double[] gy, double s, Grads g, double[] gxRow) {
    int d = p.d;
    double z = p.z(xs, off);
    double hz = p.h(z);
    double hp = p.h1(z, hz);
    double det = p.det(hz, hp);
    double uy = 0;
    for (int j = 0; j < d; j++) {
      uy += p.uHat[j] * gy[j];
    }
    double gz = hp * uy + s * p.m * p.h2(hz, hp) / det;
    for (int j = 0; j < d; j++) {
      gxRow[j] = gy[j] + gz * p.w[j];
      g.uHat[j] += hz * gy[j];
      g.w[j] += gz * xs[off + j];
    }
    g.b += gz;
    g.m += s * hp / det;
  }

  /**
   * Chains the accumulated gradients of {@code u^}, {@code m} and the direct {@code w} through
   * {@code u^ = u + k w / |w|^2}, {@code k = m(a) - a}, {@code m = m(a)}, {@code a = w^T u}.
   */
  private static void finish(Params p, Grads g, Var u, Var w, Var b) {
    int d = p.d;
    double[] gu = new double[d];
    double[] gw = new double[d];
    for (int j = 0; j < d; j++) {
      gu[j] = g.uHat[j];
      gw[j] = g.w[j];
    }
    if (p.norm2 > 0) {
      double n = p.norm2;
      double k = p.m - p.a;
      double wu = 0;
      for (int j = 0; j < d; j++) {
        wu += p.w[j] * g.uHat[j];
      }
      // d a contributes (dm/da - 1) (w.guHat / n) through k, and dm/da gm through m itself.
      double ca = (wu / n) * (p.dm - 1) + g.m * p.dm;
      double cw = -2 * k * wu / (n * n);
      for (int j = 0; j < d; j++) {
        gu[j] += ca * p.w[j];
        gw[j] += (k / n) * g.uHat[j] + ca * p.u[j] + cw * p.w[j];
      }
    }
    OpSupport.addGrad(u, gu);
    OpSupport.addGrad(w, gw);
    OpSupport.addGrad(b, g.b);
  }

  private static void checkShapes(String op, Var x, Var u, Var w, Var b) {
    int d = u.shape().size();
    Checks.requireShape(
        x.shape().rank() == 2
            && x.shape().dim(1) == d
            && u.shape().equals(Shape.of(d))
            && w.shape().equals(Shape.of(d))
            && b.shape().equals(Shape.of(1)),
        "%s: input must have shape [batch, %d] with u, w of shape [%d] and b [1], but were %s, %s,"
            + " %s, %s",
        op,
        d,
        d,
        x.shape(),
        u.shape(),
        w.shape(),
        b.shape());
  }
}
