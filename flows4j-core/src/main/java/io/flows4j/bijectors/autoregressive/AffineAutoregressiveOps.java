package io.flows4j.bijectors.autoregressive;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.ElementwiseKernels;

/**
 * The fused elementwise half of an affine autoregressive layer: given the data and the
 * conditioner's output, one pass computes the transformed values and the per-row log-determinant,
 * and one pass per output propagates gradients.
 *
 * <p>The conditioner output {@code h} of shape {@code [batch, 2 D]} is grouped by feature (as
 * {@link io.flows4j.nn.MADE} writes it): column {@code 2d} is the shift {@code mu_d} and column
 * {@code 2d + 1} the unconstrained log-scale {@code a_d}. The log-scale used is soft-clipped,
 * {@code s_d = a_d / (1 + |a_d| / B)}, so {@code |s_d| < B} and {@code exp(+-s_d)} cannot overflow
 * whatever the network outputs; {@code ds/da = 1 / (1 + |a| / B)^2} never vanishes, so a saturated
 * scale still receives a gradient.
 *
 * <p>Each op returns two nodes (value and log-determinant) made from one forward pass; each node
 * has its own backward rule, so a gradient arriving on either alone is handled, and the two rules
 * add into the same input gradients.
 */
final class AffineAutoregressiveOps {
  private AffineAutoregressiveOps() {}

  /**
   * The normalizing direction: {@code z_d = (x_d - mu_d) exp(-s_d)}, {@code log|det| = -sum_d s_d}.
   *
   * @param x data of shape {@code [batch, D]}
   * @param h conditioner output of shape {@code [batch, 2 D]}
   * @param bound the soft-clipping bound {@code B > 0} of the log-scale
   * @return {@code z} of shape {@code [batch, D]} and its log-determinant of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit together
   */
  static Transformed forward(Var x, Var h, float bound) {
    checkShapes("MaskedAffineAutoregressive.forward", x, h);
    int rows = x.shape().dim(0);
    int d = x.shape().dim(1);
    float invBound = 1f / bound;
    boolean records = Tape.isRecording() && (x.requiresGrad() || h.requiresGrad());
    Tensor z = Tape.newValue(x.shape());
    Tensor ld = Tape.newValue(Shape.of(rows));
    // exp(-s), and ds/da when h needs a gradient; the backward rules reuse both.
    Tensor scale = Tape.newValue(x.shape());
    Tensor slope = records && h.requiresGrad() ? Tape.newValue(x.shape()) : null;
    float[] hs = h.value().data();
    int ho = h.value().offset();
    scales(hs, ho, rows, d, invBound, -1f, scale, slope, ld);
    float[] xs = x.value().data();
    int xo = x.value().offset();
    float[] zs = z.data();
    int zo = z.offset();
    float[] es = scale.data();
    int eo = scale.offset();
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < d; j++) {
        int i = r * d + j;
        double mu = hs[ho + r * 2 * d + 2 * j];
        zs[zo + i] = (float) ((xs[xo + i] - mu) * es[eo + i]);
      }
    }
    if (!records) {
      return new Transformed(Var.constant(z), Var.constant(ld));
    }
    Var zOut =
        Tape.result(
            z,
            out -> {
              Tensor gz = out.grad();
              float[] g = gz.data();
              int go = gz.offset();
              if (x.requiresGrad()) {
                Tensor gx = x.grad();
                float[] gxs = gx.data();
                int gxo = gx.offset();
                int n = rows * d;
                for (int i = 0; i < n; i++) {
                  gxs[gxo + i] += g[go + i] * es[eo + i];
                }
              }
              if (h.requiresGrad()) {
                Tensor gh = h.grad();
                float[] ghs = gh.data();
                int gho = gh.offset();
                float[] sl = slope.data();
                int so = slope.offset();
                for (int r = 0; r < rows; r++) {
                  for (int j = 0; j < d; j++) {
                    int i = r * d + j;
                    int c = gho + r * 2 * d + 2 * j;
                    float ge = g[go + i] * es[eo + i];
                    // dz/dmu = -exp(-s); dz/da = -z ds/da.
                    ghs[c] -= ge;
                    ghs[c + 1] -= g[go + i] * zs[zo + i] * sl[so + i];
                  }
                }
              }
            },
            x,
            h);
    Var ldOut = Tape.result(ld, out -> addLogDetGradient(out, h, slope, rows, d, -1f), h);
    return new Transformed(zOut, ldOut);
  }

  /**
   * The generative direction for one conditioner output: {@code x_d = z_d exp(s_d) + mu_d}, {@code
   * log|det| = sum_d s_d}. Exact for feature {@code d} when {@code h} was computed from an input
   * whose features before {@code d} (in the autoregressive order) are already final.
   *
   * @param z latent values of shape {@code [batch, D]}
   * @param h conditioner output of shape {@code [batch, 2 D]}
   * @param bound the soft-clipping bound {@code B > 0} of the log-scale
   * @return {@code x} of shape {@code [batch, D]} and its log-determinant of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit together
   */
  static Transformed inverse(Var z, Var h, float bound) {
    checkShapes("MaskedAffineAutoregressive.inverse", z, h);
    int rows = z.shape().dim(0);
    int d = z.shape().dim(1);
    float invBound = 1f / bound;
    boolean records = Tape.isRecording() && (z.requiresGrad() || h.requiresGrad());
    Tensor x = Tape.newValue(z.shape());
    Tensor ld = Tape.newValue(Shape.of(rows));
    // exp(s), and ds/da when h needs a gradient; the backward rules reuse both.
    Tensor scale = Tape.newValue(z.shape());
    Tensor slope = records && h.requiresGrad() ? Tape.newValue(z.shape()) : null;
    float[] hs = h.value().data();
    int ho = h.value().offset();
    scales(hs, ho, rows, d, invBound, 1f, scale, slope, ld);
    float[] zs = z.value().data();
    int zo = z.value().offset();
    float[] xs = x.data();
    int xo = x.offset();
    float[] es = scale.data();
    int eo = scale.offset();
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < d; j++) {
        int i = r * d + j;
        double mu = hs[ho + r * 2 * d + 2 * j];
        xs[xo + i] = (float) ((double) zs[zo + i] * es[eo + i] + mu);
      }
    }
    if (!records) {
      return new Transformed(Var.constant(x), Var.constant(ld));
    }
    Var xOut =
        Tape.result(
            x,
            out -> {
              Tensor gx = out.grad();
              float[] g = gx.data();
              int go = gx.offset();
              if (z.requiresGrad()) {
                Tensor gz = z.grad();
                float[] gzs = gz.data();
                int gzo = gz.offset();
                int n = rows * d;
                for (int i = 0; i < n; i++) {
                  gzs[gzo + i] += g[go + i] * es[eo + i];
                }
              }
              if (h.requiresGrad()) {
                Tensor gh = h.grad();
                float[] ghs = gh.data();
                int gho = gh.offset();
                float[] sl = slope.data();
                int so = slope.offset();
                for (int r = 0; r < rows; r++) {
                  for (int j = 0; j < d; j++) {
                    int i = r * d + j;
                    int c = gho + r * 2 * d + 2 * j;
                    // dx/dmu = 1; dx/da = z exp(s) ds/da.
                    ghs[c] += g[go + i];
                    ghs[c + 1] += g[go + i] * zs[zo + i] * es[eo + i] * sl[so + i];
                  }
                }
              }
            },
            z,
            h);
    Var ldOut = Tape.result(ld, out -> addLogDetGradient(out, h, slope, rows, d, 1f), h);
    return new Transformed(xOut, ldOut);
  }

  /**
   * From the raw log-scales in {@code h}: {@code scale = exp(sign * s)} (one vectorized pass),
   * {@code slope = ds/da} when not {@code null}, and {@code ld = sign * sum_d s_d} per row, summed
   * in double.
   */
  private static void scales(
      float[] hs,
      int ho,
      int rows,
      int d,
      float invBound,
      float sign,
      Tensor scale,
      Tensor slope,
      Tensor ld) {
    float[] es = scale.data();
    int eo = scale.offset();
    for (int r = 0; r < rows; r++) {
      double sum = 0;
      int hr = ho + r * 2 * d;
      for (int j = 0; j < d; j++) {
        float a = hs[hr + 2 * j + 1];
        float q = 1f + Math.abs(a) * invBound;
        float s = a / q;
        sum += s;
        es[eo + r * d + j] = sign * s;
        if (slope != null) {
          slope.data()[slope.offset() + r * d + j] = 1f / (q * q);
        }
      }
      ld.setFlat(r, (float) (sign * sum));
    }
    ElementwiseKernels.get().exp(es, eo, es, eo, rows * d);
  }

  /** {@code dL/da_d += sign * dL/dld * ds/da_d}, for a log-det {@code sign * sum_d s_d}. */
  private static void addLogDetGradient(Var out, Var h, Tensor slope, int rows, int d, float sign) {
    if (!h.requiresGrad()) {
      return;
    }
    Tensor gld = out.grad();
    Tensor gh = h.grad();
    float[] ghs = gh.data();
    int gho = gh.offset();
    float[] sl = slope.data();
    int so = slope.offset();
    for (int r = 0; r < rows; r++) {
      float g = sign * gld.getFlat(r);
      for (int j = 0; j < d; j++) {
        ghs[gho + r * 2 * d + 2 * j + 1] += g * sl[so + r * d + j];
      }
    }
  }

  private static void checkShapes(String op, Var x, Var h) {
    Shape sx = x.shape();
    Checks.requireShape(
        sx.rank() == 2, "%s: input must have shape [batch, features], but was %s", op, sx);
    Shape sh = h.shape();
    Checks.requireShape(
        sh.rank() == 2 && sh.dim(0) == sx.dim(0) && sh.dim(1) == 2 * sx.dim(1),
        "%s: conditioner output must have shape [%d, %d], but was %s (input %s)",
        op,
        sx.dim(0),
        2 * sx.dim(1),
        sh,
        sx);
  }
}
