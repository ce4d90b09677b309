package io.flows4j.bijectors.image;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.FusedOp;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;

/**
 * The fused ops of the image coupling, each one pass forward and one backward over {@code [batch,
 * C, H, W]}: the conditioner's input (a channel slice, or the image with the transformed pixels of
 * a checkerboard zeroed), the context's per-channel bias with the ReLU after the first convolution,
 * and the affine transform of the masked elements with its log-determinant.
 */
final class ImageCouplingOps {
  /** Elements per parallel task: the loops cost a few flops (and one exp) per element. */
  private static final int ELEMENTS_PER_TASK = 1 << 14;

  private ImageCouplingOps() {}

  /**
   * Which pixels of an {@code H x W} plane a checkerboard of the given parity transforms: {@code (i
   * + j) % 2 != parity}; {@code null} (every pixel) for a channel mask, {@code parity < 0}.
   */
  static boolean[] transformedPixels(int height, int width, int parity) {
    if (parity < 0) {
      return null;
    }
    boolean[] t = new boolean[height * width];
    for (int i = 0; i < height; i++) {
      for (int j = 0; j < width; j++) {
        t[i * width + j] = (i + j) % 2 != parity;
      }
    }
    return t;
  }

  /**
   * Channels {@code [from, from + count)} of {@code x}; the gradient is added back into them.
   *
   * @param x of shape {@code [batch, C, H, W]}
   * @return of shape {@code [batch, count, H, W]}
   */
  static Var channels(Var x, int from, int count) {
    Shape s = x.shape();
    int batch = s.dim(0);
    int c = s.dim(1);
    int plane = s.dim(2) * s.dim(3);
    Tensor y = Tape.newValue(Shape.of(batch, count, s.dim(2), s.dim(3)));
    Tensor xv = x.value();
    for (int b = 0; b < batch; b++) {
      System.arraycopy(
          xv.data(),
          xv.offset() + (b * c + from) * plane,
          y.data(),
          y.offset() + b * count * plane,
          count * plane);
    }
    return Tape.result(
        y,
        out -> {
          if (!x.requiresGrad()) {
            return;
          }
          float[] gx = x.grad().data();
          int gxo = x.grad().offset();
          float[] gy = out.grad().data();
          int gyo = out.grad().offset();
          for (int b = 0; b < batch; b++) {
            int dst = gxo + (b * c + from) * plane;
            int src = gyo + b * count * plane;
            for (int i = 0; i < count * plane; i++) {
              gx[dst + i] += gy[src + i];
            }
          }
        },
        x);
  }

  /**
   * The image with the transformed pixels zeroed, {@code y = x} where {@code pixels[p]} is false
   * and 0 where it is true; the gradient passes where the value does.
   *
   * @param x of shape {@code [batch, C, H, W]}
   * @param pixels the transformed pixels of one plane, {@code H W} entries
   * @return of the shape of {@code x}
   */
  static Var maskTransformed(Var x, boolean[] pixels) {
    Tensor xv = x.value();
    int plane = pixels.length;
    int planes = xv.size() / plane;
    Tensor y = Tape.newValue(x.shape());
    float[] xd = xv.data();
    int xo = xv.offset();
    float[] yd = y.data();
    int yo = y.offset();
    for (int k = 0; k < planes; k++) {
      for (int p = 0; p < plane; p++) {
        yd[yo + k * plane + p] = pixels[p] ? 0f : xd[xo + k * plane + p];
      }
    }
    return Tape.result(
        y,
        out -> {
          if (!x.requiresGrad()) {
            return;
          }
          float[] gx = x.grad().data();
          int gxo = x.grad().offset();
          float[] gy = out.grad().data();
          int gyo = out.grad().offset();
          for (int k = 0; k < planes; k++) {
            for (int p = 0; p < plane; p++) {
              if (!pixels[p]) {
                gx[gxo + k * plane + p] += gy[gyo + k * plane + p];
              }
            }
          }
        },
        x);
  }

  /**
   * {@code y[b, c, p] = max(0, h[b, c, p] + bias[b, c])}: a per-row, per-channel bias (the
   * context's contribution to the first convolution) and the ReLU in one pass. Backward, with
   * {@code m = y > 0}: {@code dh += dy m}, {@code dbias[b, c] += sum_p dy m}.
   *
   * @param h of shape {@code [batch, C, H, W]}
   * @param bias of shape {@code [batch, C]}
   * @return of the shape of {@code h}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code bias} is not {@code [batch, C]}
   */
  static Var addChannelBiasRelu(Var h, Var bias) {
    Shape s = h.shape();
    int batch = s.dim(0);
    int c = s.dim(1);
    int plane = s.dim(2) * s.dim(3);
    Checks.requireShape(
        bias.shape().equals(Shape.of(batch, c)),
        "ConvAffineCoupling: context bias must have shape [%d, %d], but was %s",
        batch,
        c,
        bias.shape());
    Tensor y = Tape.newValue(s);
    float[] hd = h.value().data();
    int ho = h.value().offset();
    float[] bd = bias.value().data();
    int bo = bias.value().offset();
    float[] yd = y.data();
    int yo = y.offset();
    for (int k = 0; k < batch * c; k++) {
      float bv = bd[bo + k];
      int base = k * plane;
      for (int p = 0; p < plane; p++) {
        yd[yo + base + p] = Math.max(0f, hd[ho + base + p] + bv);
      }
    }
    return Tape.result(
        y,
        out -> {
          float[] gy = out.grad().data();
          int gyo = out.grad().offset();
          float[] gh = h.requiresGrad() ? h.grad().data() : null;
          int gho = h.requiresGrad() ? h.grad().offset() : 0;
          float[] gb = bias.requiresGrad() ? bias.grad().data() : null;
          int gbo = bias.requiresGrad() ? bias.grad().offset() : 0;
          for (int k = 0; k < batch * c; k++) {
            int base = k * plane;
            float sum = 0f;
            for (int p = 0; p < plane; p++) {
              float g = yd[yo + base + p] > 0f ? gy[gyo + base + p] : 0f;
              sum += g;
              if (gh != null) {
                gh[gho + base + p] += g;
              }
            }
            if (gb != null) {
              gb[gbo + k] += sum;
            }
          }
        },
        h,
        bias);
  }

  /**
   * The affine transform of the masked elements with a soft-clipped log-scale. For transformed
   * channel {@code j} (channel {@code first + j} of {@code x}) at a transformed pixel {@code p},
   * with shift {@code t = h[:, j, p]}, raw log-scale {@code u = h[:, count + j, p]} and {@code s =
   * u / (1 + |u| / bound)}:
   *
   * <pre>
   *   forward:  z = x exp(s) + t,      logAbsDet = sum s
   *   inverse:  z = (x - t) exp(-s),   logAbsDet = -sum s
   * </pre>
   *
   * and {@code z = x} elsewhere. Backward (forward direction): {@code dx += dz exp(s)}, {@code dt
   * += dz}, {@code du += (dz x exp(s) + dLogAbsDet) / (1 + |u| / bound)^2}; the inverse likewise
   * with {@code exp(-s)} and the signs flipped ({@code dz/ds = -z}). Elements of {@code h} at
   * pixels that are not transformed receive no gradient.
   *
   * @param x of shape {@code [batch, C, H, W]}
   * @param h conditioner output of shape {@code [batch, 2 count, H, W]}: shifts, then raw
   *     log-scales
   * @param first the first transformed channel
   * @param count transformed channels
   * @param pixels transformed pixels of a plane, or {@code null} for all
   * @param bound the soft-clip bound of the log-scale, {@code > 0}
   * @param inverse false for the forward (data to latent) direction
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code h} does not fit {@code x}
   */
  static Transformed affine(
      String op,
      Var x,
      Var h,
      int first,
      int count,
      boolean[] pixels,
      float bound,
      boolean inverse) {
    Shape sx = x.shape();
    Shape expected = Shape.of(sx.dim(0), 2 * count, sx.dim(2), sx.dim(3));
    Checks.requireShape(
        h.shape().equals(expected),
        "%s: conditioner output must have shape %s, but was %s",
        op,
        expected,
        h.shape());
    int batch = sx.dim(0);
    int c = sx.dim(1);
    int plane = sx.dim(2) * sx.dim(3);
    int rowSize = c * plane;
    float inv = 1f / bound;
    Tensor xv = x.value();
    Tensor hv = h.value();
    Tensor z = Tape.newValue(sx);
    Tensor ld = Tape.newValue(Shape.of(batch));
    float[] xd = xv.data();
    int xo = xv.offset();
    float[] hd = hv.data();
    int ho = hv.offset();
    float[] zd = z.data();
    int zo = z.offset();
    float[] ldd = ld.data();
    int ldo = ld.offset();
    int perTask = Math.max(1, ELEMENTS_PER_TASK / rowSize);
    Threads.parallelRange(
        batch,
        perTask,
        (from, to) -> {
          for (int b = from; b < to; b++) {
            System.arraycopy(xd, xo + b * rowSize, zd, zo + b * rowSize, rowSize);
            double sum = 0;
            for (int j = 0; j < count; j++) {
              int xr = b * rowSize + (first + j) * plane;
              int tr = ho + (b * 2 * count + j) * plane;
              int ur = tr + count * plane;
              for (int p = 0; p < plane; p++) {
                if (pixels != null && !pixels[p]) {
                  continue;
                }
                float u = hd[ur + p];
                float s = u / (1f + Math.abs(u) * inv);
                float t = hd[tr + p];
                float v = xd[xo + xr + p];
                zd[zo + xr + p] =
                    inverse ? (v - t) * (float) Math.exp(-s) : v * (float) Math.exp(s) + t;
                sum += s;
              }
            }
            ldd[ldo + b] = (float) (inverse ? -sum : sum);
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
              batch,
              perTask,
              (from, to) -> {
                for (int b = from; b < to; b++) {
                  float gl = gldd == null ? 0f : gldd[gldo + b];
                  for (int ch = 0; ch < c; ch++) {
                    int j = ch - first;
                    int xr = b * rowSize + ch * plane;
                    boolean transformedChannel = j >= 0 && j < count;
                    if (!transformedChannel) {
                      if (wantX) {
                        for (int p = 0; p < plane; p++) {
                          gxd[gxo + xr + p] += gzd[gzo + xr + p];
                        }
                      }
                      continue;
                    }
                    int tr = (b * 2 * count + j) * plane;
                    int ur = tr + count * plane;
                    for (int p = 0; p < plane; p++) {
                      float gzv = gzd == null ? 0f : gzd[gzo + xr + p];
                      if (pixels != null && !pixels[p]) {
                        if (wantX) {
                          gxd[gxo + xr + p] += gzv;
                        }
                        continue;
                      }
                      float u = hd[ho + ur + p];
                      float q = 1f + Math.abs(u) * inv;
                      float s = u / q;
                      float clip = 1f / (q * q);
                      if (inverse) {
                        float e = (float) Math.exp(-s);
                        float ge = gzv * e;
                        if (wantX) {
                          gxd[gxo + xr + p] += ge;
                        }
                        if (wantH) {
                          // z = (x - t) exp(-s): dz/dt = -exp(-s), dz/ds = -z; dLogAbsDet/ds = -1
                          ghd[gho + tr + p] -= ge;
                          ghd[gho + ur + p] -= (gzv * zd[zo + xr + p] + gl) * clip;
                        }
                      } else {
                        float e = (float) Math.exp(s);
                        float ge = gzv * e;
                        if (wantX) {
                          gxd[gxo + xr + p] += ge;
                        }
                        if (wantH) {
                          ghd[gho + tr + p] += gzv;
                          ghd[gho + ur + p] += (ge * xd[xo + xr + p] + gl) * clip;
                        }
                      }
                    }
                  }
                }
              });
        },
        x,
        h);
  }
}
