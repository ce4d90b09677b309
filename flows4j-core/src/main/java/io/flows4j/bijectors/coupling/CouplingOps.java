package io.flows4j.bijectors.coupling;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.FusedOp;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;

/**
 * The fused ops of the coupling layers: gathering the conditioning columns, and the affine and
 * additive transforms of chosen features with their log-determinants, each one pass forward and one
 * pass backward.
 *
 * <p>The transforms take the features to transform ({@code features[t]}) and, for each, the group
 * of conditioner outputs that parameterises it ({@code groups[t]}); all other features are copied.
 * A coupling layer passes its transformed features and groups {@code 0 .. T-1}; an autoregressive
 * layer whose network outputs are grouped by feature passes groups equal to the features.
 */
final class CouplingOps {
  /** Rows per parallel task at one transformed feature; the loops are a few flops per element. */
  private static final int ELEMENTS_PER_TASK = 1 << 14;

  private CouplingOps() {}

  /**
   * The columns {@code cols} of {@code x}: {@code y[:, j] = x[:, cols[j]]}; the gradient is
   * scattered back, {@code dx[:, cols[j]] += dy[:, j]}.
   *
   * @param x of shape {@code [batch, D]}
   * @param cols column indices in {@code [0, D)}
   * @return of shape {@code [batch, cols.length]}
   */
  static Var gatherColumns(Var x, int[] cols) {
    Tensor xv = x.value();
    int rows = xv.dim(0);
    int d = xv.dim(1);
    int c = cols.length;
    Tensor y = Tape.newValue(Shape.of(rows, c));
    float[] xd = xv.data();
    int xo = xv.offset();
    float[] yd = y.data();
    int yo = y.offset();
    for (int r = 0; r < rows; r++) {
      int xr = xo + r * d;
      int yr = yo + r * c;
      for (int j = 0; j < c; j++) {
        yd[yr + j] = xd[xr + cols[j]];
      }
    }
    return Tape.result(
        y,
        out -> {
          if (!x.requiresGrad()) {
            return;
          }
          Tensor gy = out.grad();
          Tensor gx = x.grad();
          float[] gyd = gy.data();
          int gyo = gy.offset();
          float[] gxd = gx.data();
          int gxo = gx.offset();
          for (int r = 0; r < rows; r++) {
            int xr = gxo + r * d;
            int yr = gyo + r * c;
            for (int j = 0; j < c; j++) {
              gxd[xr + cols[j]] += gyd[yr + j];
            }
          }
        },
        x);
  }

  /**
   * The affine transform of chosen features with a soft-clipped log-scale (Dinh, Sohl-Dickstein &
   * Bengio 2017, "Density estimation using Real NVP"). With {@code t = h[:, 2g]}, {@code u = h[:,
   * 2g + 1]} and {@code s = u / (1 + |u| / bound)} for group {@code g = groups[j]} of feature
   * {@code f = features[j]}:
   *
   * <pre>
   *   forward:  z_f = x_f exp(s) + t,      logAbsDet = sum_j s
   *   inverse:  z_f = (x_f - t) exp(-s),   logAbsDet = -sum_j s
   * </pre>
   *
   * and {@code z_f = x_f} for the other features. Backward (forward direction): {@code dx_f += dz_f
   * exp(s)}, {@code dt += dz_f}, {@code du += (dz_f x_f exp(s) + dLogAbsDet) / (1 + |u| /
   * bound)^2}; the inverse likewise with {@code exp(-s)} and the signs flipped.
   *
   * @param x of shape {@code [batch, D]}
   * @param h conditioner output of shape {@code [batch, 2 G]}: (shift, raw log-scale) per group
   * @param features distinct features to transform
   * @param groups the group of each transformed feature
   * @param bound the soft-clip bound of the log-scale, {@code > 0}
   * @param inverse false for the forward (data to latent) direction
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit
   */
  static Transformed affine(
      Var x, Var h, int[] features, int[] groups, float bound, boolean inverse) {
    String op = inverse ? "AffineCoupling.inverse" : "AffineCoupling.forward";
    int[] identity = checkShapes(op, x, h, 2, features, groups);
    Tensor xv = x.value();
    Tensor hv = h.value();
    int rows = xv.dim(0);
    int d = xv.dim(1);
    int hc = hv.dim(1);
    int nt = features.length;
    float inv = 1f / bound;
    Tensor z = Tape.newValue(xv.shape());
    Tensor ld = Tape.newValue(Shape.of(rows));
    float[] xd = xv.data();
    int xo = xv.offset();
    float[] hd = hv.data();
    int ho = hv.offset();
    float[] zd = z.data();
    int zo = z.offset();
    float[] ldd = ld.data();
    int ldo = ld.offset();
    System.arraycopy(xd, xo, zd, zo, rows * d);
    Threads.parallelRange(
        rows,
        Math.max(1, ELEMENTS_PER_TASK / nt),
        (from, to) -> {
          for (int r = from; r < to; r++) {
            float sum = 0f;
            int xr = xo + r * d;
            int zr = zo + r * d;
            int hr = ho + r * hc;
            for (int j = 0; j < nt; j++) {
              int f = features[j];
              int g = 2 * groups[j];
              float shift = hd[hr + g];
              float u = hd[hr + g + 1];
              float s = u / (1f + Math.abs(u) * inv);
              float v = xd[xr + f];
              if (inverse) {
                zd[zr + f] = (v - shift) * (float) Math.exp(-s);
              } else {
                zd[zr + f] = v * (float) Math.exp(s) + shift;
              }
              sum += s;
            }
            ldd[ldo + r] = inverse ? -sum : sum;
          }
        });
    return FusedOp.transformed(
        z,
        ld,
        (gz, gld) -> {
          boolean wantX = x.requiresGrad() && gz != null;
          boolean wantH = h.requiresGrad();
          float[] gxd = wantX ? x.grad().data() : null;
          int gxo = wantX ? x.grad().offset() : 0;
          float[] ghd = wantH ? h.grad().data() : null;
          int gho = wantH ? h.grad().offset() : 0;
          float[] gzd = gz == null ? null : gz.data();
          int gzo = gz == null ? 0 : gz.offset();
          float[] gldd = gld == null ? null : gld.data();
          int gldo = gld == null ? 0 : gld.offset();
          Threads.parallelRange(
              rows,
              Math.max(1, ELEMENTS_PER_TASK / nt),
              (from, to) -> {
                for (int r = from; r < to; r++) {
                  int xr = r * d;
                  int hr = r * hc;
                  float gl = gldd == null ? 0f : gldd[gldo + r];
                  if (wantX) {
                    for (int f : identity) {
                      gxd[gxo + xr + f] += gzd[gzo + xr + f];
                    }
                  }
                  for (int j = 0; j < nt; j++) {
                    int f = features[j];
                    int g = 2 * groups[j];
                    float u = hd[ho + hr + g + 1];
                    float q = 1f + Math.abs(u) * inv;
                    float s = u / q;
                    float clip = 1f / (q * q);
                    float gzf = gzd == null ? 0f : gzd[gzo + xr + f];
                    if (inverse) {
                      float e = (float) Math.exp(-s);
                      float ge = gzf * e;
                      if (wantX) {
                        gxd[gxo + xr + f] += ge;
                      }
                      if (wantH) {
                        // z = (x - t) exp(-s): dz/dt = -exp(-s), dz/ds = -z; d logAbsDet/ds = -1
                        ghd[gho + hr + g] -= ge;
                        ghd[gho + hr + g + 1] -= (gzf * zd[zo + xr + f] + gl) * clip;
                      }
                    } else {
                      float e = (float) Math.exp(s);
                      float ge = gzf * e;
                      if (wantX) {
                        gxd[gxo + xr + f] += ge;
                      }
                      if (wantH) {
                        ghd[gho + hr + g] += gzf;
                        ghd[gho + hr + g + 1] += (ge * xd[xo + xr + f] + gl) * clip;
                      }
                    }
                  }
                }
              });
        },
        x,
        h);
  }

  /**
   * The additive transform of chosen features (Dinh, Krueger & Bengio 2014, "NICE: Non-linear
   * Independent Components Estimation"): {@code z_f = x_f + h[:, g]} forward, {@code z_f = x_f -
   * h[:, g]} inverse, for {@code g = groups[j]}, {@code f = features[j]}; the other features are
   * copied; the log-determinant is 0. Backward: {@code dx += dz}, {@code dh[:, g] += +-dz_f}.
   *
   * @param x of shape {@code [batch, D]}
   * @param h conditioner output of shape {@code [batch, G]}: one shift per group
   * @param features distinct features to transform
   * @param groups the group of each transformed feature
   * @param inverse false for the forward (data to latent) direction
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit
   */
  static Transformed additive(Var x, Var h, int[] features, int[] groups, boolean inverse) {
    String op = inverse ? "AdditiveCoupling.inverse" : "AdditiveCoupling.forward";
    checkShapes(op, x, h, 1, features, groups);
    Tensor xv = x.value();
    Tensor hv = h.value();
    int rows = xv.dim(0);
    int d = xv.dim(1);
    int hc = hv.dim(1);
    int nt = features.length;
    float sign = inverse ? -1f : 1f;
    Tensor z = Tape.newValue(xv.shape());
    float[] xd = xv.data();
    int xo = xv.offset();
    float[] hd = hv.data();
    int ho = hv.offset();
    float[] zd = z.data();
    int zo = z.offset();
    System.arraycopy(xd, xo, zd, zo, rows * d);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < nt; j++) {
        zd[zo + r * d + features[j]] += sign * hd[ho + r * hc + groups[j]];
      }
    }
    Tensor ld = Tape.newValue(Shape.of(rows)).fill(0f);
    Var value =
        Tape.result(
            z,
            out -> {
              Tensor gz = out.grad();
              float[] gzd = gz.data();
              int gzo = gz.offset();
              if (x.requiresGrad()) {
                Tensor gx = x.grad();
                float[] gxd = gx.data();
                int gxo = gx.offset();
                for (int i = 0; i < rows * d; i++) {
                  gxd[gxo + i] += gzd[gzo + i];
                }
              }
              if (h.requiresGrad()) {
                Tensor gh = h.grad();
                float[] ghd = gh.data();
                int gho = gh.offset();
                for (int r = 0; r < rows; r++) {
                  for (int j = 0; j < nt; j++) {
                    ghd[gho + r * hc + groups[j]] += sign * gzd[gzo + r * d + features[j]];
                  }
                }
              }
            },
            x,
            h);
    return new Transformed(value, Var.constant(ld));
  }

  /** Checks {@code x [B, D]} and {@code h [B, per * G]}; returns the untransformed features. */
  private static int[] checkShapes(String op, Var x, Var h, int per, int[] features, int[] groups) {
    Shape sx = x.shape();
    Shape sh = h.shape();
    Checks.requireShape(
        sx.rank() == 2, "%s: x must have shape [batch, features], but was %s", op, sx);
    Checks.requireShape(
        sh.rank() == 2 && sh.dim(0) == sx.dim(0) && sh.dim(1) % per == 0,
        "%s: conditioner output must have shape [%d, groups * %d], but was %s (x is %s)",
        op,
        sx.dim(0),
        per,
        sh,
        sx);
    return FusedOp.untransformed(op, features, groups, sx.dim(1), sh.dim(1) / per);
  }
}
