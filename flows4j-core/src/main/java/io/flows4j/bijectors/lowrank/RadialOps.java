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
 * The fused ops of a radial layer (Rezende and Mohamed 2015) in both directions, with hand-written
 * backward rules; double inside, float in storage.
 *
 * <p>With {@code alpha = softplus(a')}, {@code gamma = alpha + beta = softplus(b') + delta alpha}
 * (so {@code beta = -(1 - delta) alpha + softplus(b') > -alpha}), {@code d = x - x0}, {@code r =
 * |d|}:
 *
 * <pre>
 *   g(x) = x0 + A(r) d,   A = 1 + beta / (alpha + r) = (gamma + r) / (alpha + r),
 *   log|det| = (D - 1) log A + log(P / (alpha + r)^2),   P = alpha gamma + 2 alpha r + r^2,
 * </pre>
 *
 * where {@code P / (alpha + r)^2 = 1 + beta alpha / (alpha + r)^2} is the radial slope {@code d|g -
 * x0| / dr}. Both factors are written as ratios of sums of positive terms, so neither cancels and
 * both are at least {@code delta} ({@code delta =} {@link LowRankMath#MIN_SLOPE}).
 *
 * <p><b>Inverse in closed form.</b> {@code |g(x) - x0| = r (gamma + r) / (alpha + r) = r_y} is the
 * quadratic {@code r^2 + B r - alpha r_y = 0}, {@code B = gamma - r_y}, whose product of roots
 * {@code -alpha r_y <= 0} leaves one root {@code r >= 0}: {@code r = (-B + sqrt(B^2 + 4 alpha r_y))
 * / 2} when {@code B <= 0} and {@code r = 2 alpha r_y / (B + sqrt(B^2 + 4 alpha r_y))} when {@code
 * B > 0}, each a sum of non-negative terms (no cancellation). Then {@code x = x0 + (y - x0) (alpha
 * + r) / (gamma + r)}, which is regular at {@code r_y = 0}.
 *
 * <p>Gradients of the inverse by implicit differentiation: {@code J = A I + A'(r) r e e^T} ({@code
 * e = d / r}) is symmetric with {@code J^-1 v = v / A - (A' / (A rho')) (d.v / r) d}, {@code rho' =
 * A + A' r}; then as for planar.
 */
final class RadialOps {
  private RadialOps() {}

  /** Per-call constants in double. */
  private static final class Params {
    final int d;
    final double[] x0;
    final double alpha;
    final double gamma;
    final double dAlpha;
    final double dGammaRaw;

    Params(Tensor x0v, Tensor ar, Tensor br) {
      d = x0v.size();
      x0 = new double[d];
      for (int j = 0; j < d; j++) {
        x0[j] = x0v.getFlat(j);
      }
      double a = ar.getFlat(0);
      double b = br.getFlat(0);
      alpha = StableMath.softplus(a);
      gamma = StableMath.softplus(b) + LowRankMath.MIN_SLOPE * alpha;
      dAlpha = StableMath.sigmoid(a);
      dGammaRaw = StableMath.sigmoid(b);
    }

    /** {@code log|det dg/dx|} at radius {@code r}. */
    double logDet(double r) {
      double ar = alpha + r;
      double p = alpha * gamma + 2 * alpha * r + r * r;
      return (d - 1) * (Math.log(gamma + r) - Math.log(ar)) + Math.log(p) - 2 * Math.log(ar);
    }
  }

  /** Gradient accumulators of {@code alpha}, {@code gamma} and {@code x0}. */
  private static final class Grads {
    final double[] x0;
    double alpha;
    double gamma;

    Grads(int d) {
      x0 = new double[d];
    }
  }

  /**
   * The closed form {@code y = x0 + A(r) (x - x0)}.
   *
   * @param x of shape {@code [batch, D]}
   * @param x0 the centre, of shape {@code [D]}
   * @param alphaRaw {@code a'} of shape {@code [1]}
   * @param betaRaw {@code b'} of shape {@code [1]}
   * @return {@code y} of shape {@code [batch, D]} and log-determinants of shape {@code [batch]}
   */
  static Transformed closed(String op, Var x, Var x0, Var alphaRaw, Var betaRaw) {
    checkShapes(op, x, x0, alphaRaw, betaRaw);
    Params p = new Params(x0.value(), alphaRaw.value(), betaRaw.value());
    int rows = x.shape().dim(0);
    int d = p.d;
    Tensor y = Tape.newValue(x.shape());
    Tensor ld = Tape.newValue(Shape.of(rows));
    float[] xs = x.value().data();
    int xo = x.value().offset();
    float[] ys = y.data();
    int yo = y.offset();
    for (int r = 0; r < rows; r++) {
      int off = r * d;
      double rad = radius(p, xs, xo + off);
      double a = (p.gamma + rad) / (p.alpha + rad);
      for (int j = 0; j < d; j++) {
        ys[yo + off + j] = (float) (p.x0[j] + a * (xs[xo + off + j] - p.x0[j]));
      }
      ld.setFlat(r, (float) p.logDet(rad));
    }
    if (!OpSupport.records(x, x0, alphaRaw, betaRaw)) {
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
          finish(p, g, x0, alphaRaw, betaRaw);
        },
        x,
        x0,
        alphaRaw,
        betaRaw);
  }

  /**
   * The inverse of {@link #closed} in closed form (see the class comment), with {@code log|det
   * dx/dy| = -log|det dg/dx|} at the solution.
   *
   * @param y of shape {@code [batch, D]}
   * @return {@code x} of shape {@code [batch, D]} and log-determinants of shape {@code [batch]}
   */
  static Transformed solve(String op, Var y, Var x0, Var alphaRaw, Var betaRaw) {
    checkShapes(op, y, x0, alphaRaw, betaRaw);
    Params p = new Params(x0.value(), alphaRaw.value(), betaRaw.value());
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
      double ry = radius(p, ys, yo + off);
      double rad = solveRadius(p.alpha, p.gamma, ry);
      double scale = (p.alpha + rad) / (p.gamma + rad);
      for (int j = 0; j < d; j++) {
        xs[xo + off + j] = (float) (p.x0[j] + scale * (ys[yo + off + j] - p.x0[j]));
      }
      ld.setFlat(r, (float) -p.logDet(rad));
    }
    if (!OpSupport.records(y, x0, alphaRaw, betaRaw)) {
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
            double rad = radius(p, xs, xo + off);
            double s = gl == null ? 0 : gl.getFlat(r);
            double ar = p.alpha + rad;
            double a = (p.gamma + rad) / ar;
            double aPrime = (p.alpha - p.gamma) / (ar * ar);
            double rho = (p.alpha * p.gamma + 2 * p.alpha * rad + rad * rad) / (ar * ar);
            // xb = gx - s dL/dx with dL/dx = L'(r) d / r; lambda = J^-1 xb.
            double lr = rad > 0 ? logDetPrime(p, rad) / rad : 0;
            double dxb = 0;
            for (int j = 0; j < d; j++) {
              double dj = xs[xo + off + j] - p.x0[j];
              double xb = (gx == null ? 0 : gx.getFlat(off + j)) - s * lr * dj;
              negLambda[j] = xb;
              dxb += dj * xb;
            }
            double c = rad > 0 ? aPrime * dxb / (a * rho * rad) : 0;
            for (int j = 0; j < d; j++) {
              double dj = xs[xo + off + j] - p.x0[j];
              negLambda[j] = -(negLambda[j] / a - c * dj);
            }
            if (gy != null) {
              for (int j = 0; j < d; j++) {
                gy.setFlat(off + j, (float) (gy.getFlat(off + j) - negLambda[j]));
              }
            }
            closedBackwardRow(p, xs, xo + off, negLambda, -s, g, unused);
          }
          finish(p, g, x0, alphaRaw, betaRaw);
        },
        y,
        x0,
        alphaRaw,
        betaRaw);
  }

  /**
   * The radius {@code r >= 0} with {@code r (gamma + r) / (alpha + r) = ry}, without cancellation;
   * see the class comment.
   */
  static double solveRadius(double alpha, double gamma, double ry) {
    double b = gamma - ry;
    double root = Math.sqrt(b * b + 4 * alpha * ry);
    // 2 alpha / (b + root) <= sqrt(alpha / ry) cannot overflow, while 2 alpha ry or ry / (b + root)
    // can be subnormal (r_y = 1e-300 beside alpha = 1e12) where the root is not.
    return b <= 0 ? 0.5 * (root - b) : 2 * alpha / (b + root) * ry;
  }

  /** {@code dL/dr} of {@link Params#logDet}. */
  private static double logDetPrime(Params p, double r) {
    double ar = p.alpha + r;
    double pp = p.alpha * p.gamma + 2 * p.alpha * r + r * r;
    return (p.d - 1) * (1 / (p.gamma + r) - 1 / ar) + 2 * ar / pp - 2 / ar;
  }

  /** One row of the closed form's backward; writes {@code dLoss/dx} into {@code gxRow}. */
  private static void closedBackwardRow(
      Params p, float[] xs, int off, double[] gy, double s, Grads g, double[] gxRow) {
    int d = p.d;
    double rad = radius(p, xs, off);
    double ar = p.alpha + rad;
    double a = (p.gamma + rad) / ar;
    double aPrime = (p.alpha - p.gamma) / (ar * ar);
    double pp = p.alpha * p.gamma + 2 * p.alpha * rad + rad * rad;
    double dy = 0;
    for (int j = 0; j < d; j++) {
      dy += (xs[off + j] - p.x0[j]) * gy[j];
    }
    // gx = A gy + ((A' dy + s L') / r) d; zero radial part at r = 0 (a kink of L there).
    double c = rad > 0 ? (aPrime * dy + s * logDetPrime(p, rad)) / rad : 0;
    for (int j = 0; j < d; j++) {
      gxRow[j] = a * gy[j] + c * (xs[off + j] - p.x0[j]);
      g.x0[j] += gy[j] - gxRow[j];
    }
    g.gamma += dy / ar + s * ((p.d - 1) / (p.gamma + rad) + p.alpha / pp);
    g.alpha += -a * dy / ar + s * (-(p.d - 1) / ar + (p.gamma + 2 * rad) / pp - 2 / ar);
  }

  /** Chains {@code alpha = softplus(a')} and {@code gamma = softplus(b') + delta alpha}. */
  private static void finish(Params p, Grads g, Var x0, Var alphaRaw, Var betaRaw) {
    OpSupport.addGrad(x0, g.x0);
    OpSupport.addGrad(alphaRaw, (g.alpha + LowRankMath.MIN_SLOPE * g.gamma) * p.dAlpha);
    OpSupport.addGrad(betaRaw, g.gamma * p.dGammaRaw);
  }

  private static double radius(Params p, float[] xs, int off) {
    double s = 0;
    for (int j = 0; j < p.d; j++) {
      double v = xs[off + j] - p.x0[j];
      s += v * v;
    }
    return Math.sqrt(s);
  }

  private static void checkShapes(String op, Var x, Var x0, Var a, Var b) {
    int d = x0.shape().size();
    Checks.requireShape(
        x.shape().rank() == 2
            && x.shape().dim(1) == d
            && x0.shape().equals(Shape.of(d))
            && a.shape().equals(Shape.of(1))
            && b.shape().equals(Shape.of(1)),
        "%s: input must have shape [batch, %d] with x0 of shape [%d] and alpha, beta [1], but were"
            + " %s, %s, %s, %s",
        op,
        d,
        d,
        x.shape(),
        x0.shape(),
        a.shape(),
        b.shape());
  }
}
