package io.flows4j.speech.model;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The fused differentiable ops of the Glow-TTS model (Kim et al. 2020, "Glow-TTS: A Generative Flow
 * for Text-to-Speech via Monotonic Alignment Search"), each with a hand-written backward rule
 * checked by {@code GradCheck}. Sequences are {@code [batch, channels, length]}; a sequence mask is
 * a 0/1 tensor of shape {@code [batch, 1, length]} (the convention of {@code ConvOps.conv1d}).
 *
 * <p>Backward rules add into {@code input.grad()} only for inputs that require a gradient. Sums of
 * many terms accumulate in double.
 */
final class SpeechOps {
  private SpeechOps() {}

  // ------------------------------------------------------------------------------- layer norm

  /**
   * Layer normalisation over the channels of every position (Ba et al. 2016, "Layer
   * Normalization"):
   *
   * <pre>
   * y[b, c, t] = gamma[c] (x[b, c, t] - m[b, t]) / sqrt(v[b, t] + eps) + beta[c]
   * </pre>
   *
   * with {@code m} and {@code v} the mean and biased variance of {@code x[b, :, t]}.
   *
   * @param x of shape {@code [batch, channels, length]}
   * @param gamma of shape {@code [channels]}
   * @param beta of shape {@code [channels]}
   * @param eps added to the variance, {@code > 0}
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit
   */
  static Var layerNorm(Var x, Var gamma, Var beta, float eps) {
    Shape s = x.shape();
    Checks.requireShape(
        s.rank() == 3
            && gamma.shape().equals(Shape.of(s.dim(1)))
            && beta.shape().equals(Shape.of(s.dim(1))),
        "layerNorm: x must be [batch, channels, length] with gamma and beta [channels], but were"
            + " %s, %s and %s",
        s,
        gamma.shape(),
        beta.shape());
    int batch = s.dim(0);
    int ch = s.dim(1);
    int len = s.dim(2);
    Tensor y = Tape.newValue(s);
    Tensor stats = Tape.newValue(Shape.of(2, batch, len)); // mean, then 1 / std
    float[] xd = x.value().data();
    int xo = x.value().offset();
    float[] yd = y.data();
    float[] sd = stats.data();
    int so = stats.offset();
    float[] g = gamma.value().data();
    int go = gamma.value().offset();
    float[] bt = beta.value().data();
    int bo = beta.value().offset();
    double[] acc = new double[len];
    for (int b = 0; b < batch; b++) {
      int base = xo + b * ch * len;
      java.util.Arrays.fill(acc, 0);
      for (int c = 0; c < ch; c++) {
        int row = base + c * len;
        for (int t = 0; t < len; t++) {
          acc[t] += xd[row + t];
        }
      }
      int mo = so + b * len;
      int ro = so + (batch + b) * len;
      for (int t = 0; t < len; t++) {
        sd[mo + t] = (float) (acc[t] / ch);
      }
      java.util.Arrays.fill(acc, 0);
      for (int c = 0; c < ch; c++) {
        int row = base + c * len;
        for (int t = 0; t < len; t++) {
          double d = xd[row + t] - sd[mo + t];
          acc[t] += d * d;
        }
      }
      for (int t = 0; t < len; t++) {
        sd[ro + t] = (float) (1.0 / Math.sqrt(acc[t] / ch + eps));
      }
      int yb = y.offset() + b * ch * len;
      for (int c = 0; c < ch; c++) {
        int row = base + c * len;
        int yr = yb + c * len;
        float gc = g[go + c];
        float bc = bt[bo + c];
        for (int t = 0; t < len; t++) {
          yd[yr + t] = (xd[row + t] - sd[mo + t]) * sd[ro + t] * gc + bc;
        }
      }
    }
    return Tape.result(
        y,
        out -> layerNormBackward(x, gamma, beta, stats, out.grad(), batch, ch, len),
        x,
        gamma,
        beta);
  }

  private static void layerNormBackward(
      Var x, Var gamma, Var beta, Tensor stats, Tensor dy, int batch, int ch, int len) {
    float[] xd = x.value().data();
    int xo = x.value().offset();
    float[] sd = stats.data();
    int so = stats.offset();
    float[] gd = dy.data();
    int gdo = dy.offset();
    float[] g = gamma.value().data();
    int go = gamma.value().offset();
    double[] dGamma = new double[ch];
    double[] dBeta = new double[ch];
    double[] a = new double[len];
    double[] m = new double[len];
    float[] dx = x.requiresGrad() ? x.grad().data() : null;
    int dxo = x.requiresGrad() ? x.grad().offset() : 0;
    for (int b = 0; b < batch; b++) {
      int base = b * ch * len;
      int mo = so + b * len;
      int ro = so + (batch + b) * len;
      java.util.Arrays.fill(a, 0);
      java.util.Arrays.fill(m, 0);
      for (int c = 0; c < ch; c++) {
        int xr = xo + base + c * len;
        int gr = gdo + base + c * len;
        float gc = g[go + c];
        double sg = 0;
        double sb = 0;
        for (int t = 0; t < len; t++) {
          float xhat = (xd[xr + t] - sd[mo + t]) * sd[ro + t];
          float dyv = gd[gr + t];
          sg += dyv * xhat;
          sb += dyv;
          float dxhat = dyv * gc;
          a[t] += dxhat;
          m[t] += dxhat * xhat;
        }
        dGamma[c] += sg;
        dBeta[c] += sb;
      }
      if (dx == null) {
        continue;
      }
      for (int t = 0; t < len; t++) {
        a[t] /= ch;
        m[t] /= ch;
      }
      for (int c = 0; c < ch; c++) {
        int xr = xo + base + c * len;
        int gr = gdo + base + c * len;
        int dr = dxo + base + c * len;
        float gc = g[go + c];
        for (int t = 0; t < len; t++) {
          float r = sd[ro + t];
          float xhat = (xd[xr + t] - sd[mo + t]) * r;
          dx[dr + t] += (float) (r * (gd[gr + t] * gc - a[t] - xhat * m[t]));
        }
      }
    }
    addInto(gamma, dGamma);
    addInto(beta, dBeta);
  }

  // ------------------------------------------------------------------------------- activations

  /**
   * The gated activation of WaveNet (van den Oord et al. 2016): {@code y[b, c, t] = tanh(a[b, c,
   * t]) sigmoid(a[b, H + c, t])} for {@code c < H}.
   *
   * @param a of shape {@code [batch, 2H, length]}
   * @return of shape {@code [batch, H, length]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code a} is not rank 3 with an even number
   *     of channels
   */
  static Var gatedTanh(Var a) {
    Shape s = a.shape();
    Checks.requireShape(
        s.rank() == 3 && s.dim(1) % 2 == 0,
        "gatedTanh: input must be [batch, 2 hidden, length], but was %s",
        s);
    int batch = s.dim(0);
    int h = s.dim(1) / 2;
    int len = s.dim(2);
    Shape os = Shape.of(batch, h, len);
    Tensor y = Tape.newValue(os);
    // The two factors are kept for the backward rule: one tanh and one sigmoid per element.
    Tensor th = Tape.newValue(os);
    Tensor sg = Tape.newValue(os);
    float[] ad = a.value().data();
    int ao = a.value().offset();
    float[] yd = y.data();
    float[] td = th.data();
    float[] sd = sg.data();
    int n = h * len;
    for (int b = 0; b < batch; b++) {
      gatedRow(
          ad,
          ao + b * 2 * n,
          n,
          td,
          th.offset() + b * n,
          sd,
          sg.offset() + b * n,
          yd,
          y.offset() + b * n);
    }
    return Tape.result(
        y,
        out -> {
          if (!a.requiresGrad()) {
            return;
          }
          Tensor ga = a.grad();
          float[] gad = ga.data();
          float[] dy = out.grad().data();
          int dyo = out.grad().offset();
          for (int b = 0; b < batch; b++) {
            int dst = ga.offset() + b * 2 * n;
            int src = b * n;
            for (int i = 0; i < n; i++) {
              float tv = td[th.offset() + src + i];
              float sv = sd[sg.offset() + src + i];
              float g = dy[dyo + src + i];
              gad[dst + i] += g * sv * (1 - tv * tv);
              gad[dst + n + i] += g * tv * sv * (1 - sv);
            }
          }
        },
        a);
  }

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  /**
   * One row of the gated activation with {@link VectorMath}'s bit-reproducible tanh and sigmoid
   * (their scalar twins in the tail give the same bits as a lane).
   */
  private static void gatedRow(
      float[] a, int ao, int n, float[] t, int to, float[] s, int so, float[] y, int yo) {
    int i = 0;
    for (int bound = SPECIES.loopBound(n); i < bound; i += SPECIES.length()) {
      FloatVector tv = VectorMath.tanh(FloatVector.fromArray(SPECIES, a, ao + i));
      FloatVector sv = VectorMath.sigmoid(FloatVector.fromArray(SPECIES, a, ao + n + i));
      tv.intoArray(t, to + i);
      sv.intoArray(s, so + i);
      tv.mul(sv).intoArray(y, yo + i);
    }
    for (; i < n; i++) {
      float tv = VectorMath.tanh(a[ao + i]);
      float sv = VectorMath.sigmoid(a[ao + n + i]);
      t[to + i] = tv;
      s[so + i] = sv;
      y[yo + i] = tv * sv;
    }
  }

  /**
   * Inverted dropout: each element is kept with probability {@code 1 - p} and scaled by {@code 1 /
   * (1 - p)}, or set to zero. The identity (the same node) when {@code p == 0}.
   *
   * @param x any shape
   * @param p drop probability in {@code [0, 1)}
   * @param rng the source of the keep decisions
   * @throws IllegalArgumentException if {@code p} is outside {@code [0, 1)}
   */
  static Var dropout(Var x, double p, Rng rng) {
    Checks.requireArgument(
        p >= 0 && p < 1, "dropout: probability must be in [0, 1), but was %s", p);
    if (p == 0) {
      return x;
    }
    int n = x.value().size();
    Tensor keep = Tape.newValue(x.shape());
    Tensor y = Tape.newValue(x.shape());
    float[] kd = keep.data();
    float[] xd = x.value().data();
    int xo = x.value().offset();
    float[] yd = y.data();
    // Four keep decisions per 64 random bits: an element is dropped when its 16-bit slice is
    // below p * 2^16 (p is rounded to a multiple of 2^-16, far below any meaningful precision).
    long threshold = Math.round(p * 65536);
    float scale = (float) (65536.0 / (65536 - threshold));
    long bits = 0;
    for (int i = 0; i < n; i++) {
      if ((i & 3) == 0) {
        bits = rng.nextLong();
      }
      float k = (bits & 0xFFFF) < threshold ? 0f : scale;
      bits >>>= 16;
      kd[keep.offset() + i] = k;
      yd[y.offset() + i] = xd[xo + i] * k;
    }
    return Tape.result(
        y,
        out -> {
          if (x.requiresGrad()) {
            Tensor gx = x.grad();
            float[] dy = out.grad().data();
            for (int i = 0; i < n; i++) {
              gx.data()[gx.offset() + i] += dy[out.grad().offset() + i] * kd[keep.offset() + i];
            }
          }
        },
        x);
  }

  // ------------------------------------------------------------------------------- masks, adds

  /**
   * {@code y[b, c, t] = x[b, c, t] m[b, t]}; {@code x} itself when {@code mask} is null.
   *
   * @param x of shape {@code [batch, channels, length]}
   * @param mask of shape {@code [batch, 1, length]}, or {@code null}
   */
  static Var mask(Var x, Tensor mask) {
    if (mask == null) {
      return x;
    }
    Shape s = x.shape();
    requireMask("mask", s, mask);
    int batch = s.dim(0);
    int ch = s.dim(1);
    int len = s.dim(2);
    Tensor y = Tape.newValue(s);
    float[] xd = x.value().data();
    int xo = x.value().offset();
    float[] md = mask.data();
    int mo = mask.offset();
    for (int b = 0; b < batch; b++) {
      for (int c = 0; c < ch; c++) {
        int row = (b * ch + c) * len;
        for (int t = 0; t < len; t++) {
          y.data()[y.offset() + row + t] = xd[xo + row + t] * md[mo + b * len + t];
        }
      }
    }
    return Tape.result(
        y,
        out -> {
          if (x.requiresGrad()) {
            Tensor gx = x.grad();
            Tensor dy = out.grad();
            for (int b = 0; b < batch; b++) {
              for (int c = 0; c < ch; c++) {
                int row = (b * ch + c) * len;
                for (int t = 0; t < len; t++) {
                  gx.data()[gx.offset() + row + t] +=
                      dy.data()[dy.offset() + row + t] * md[mo + b * len + t];
                }
              }
            }
          }
        },
        x);
  }

  /**
   * Adds a channel slice of {@code b} to {@code a}, then masks: {@code y[n, c, t] = (a[n, c, t] +
   * b[n, from + c, t]) m[n, t]} (no mask when {@code mask} is null). Used for WaveNet's residual
   * and skip paths without copying the halves of the 1x1 convolution's output.
   *
   * @param a of shape {@code [batch, C, length]}
   * @param b of shape {@code [batch, C', length]} with {@code from + C <= C'}
   * @param from the first channel of {@code b} to add
   * @param mask of shape {@code [batch, 1, length]}, or {@code null}
   */
  static Var addChannels(Var a, Var b, int from, Tensor mask) {
    Shape sa = a.shape();
    Shape sb = b.shape();
    Checks.requireShape(
        sa.rank() == 3
            && sb.rank() == 3
            && sa.dim(0) == sb.dim(0)
            && sa.dim(2) == sb.dim(2)
            && from >= 0
            && from + sa.dim(1) <= sb.dim(1),
        "addChannels: channels [%d, %d) of %s must fit %s",
        from,
        from + sa.dim(1),
        sb,
        sa);
    if (mask != null) {
      requireMask("addChannels", sa, mask);
    }
    int batch = sa.dim(0);
    int ch = sa.dim(1);
    int chB = sb.dim(1);
    int len = sa.dim(2);
    Tensor y = Tape.newValue(sa);
    float[] ad = a.value().data();
    int ao = a.value().offset();
    float[] bd = b.value().data();
    int bo = b.value().offset();
    float[] yd = y.data();
    for (int n = 0; n < batch; n++) {
      for (int c = 0; c < ch; c++) {
        int ra = (n * ch + c) * len;
        int rb = bo + (n * chB + from + c) * len;
        for (int t = 0; t < len; t++) {
          float v = ad[ao + ra + t] + bd[rb + t];
          yd[y.offset() + ra + t] = mask == null ? v : v * mask.data()[mask.offset() + n * len + t];
        }
      }
    }
    return Tape.result(
        y,
        out -> {
          Tensor dy = out.grad();
          Tensor ga = a.requiresGrad() ? a.grad() : null;
          Tensor gb = b.requiresGrad() ? b.grad() : null;
          for (int n = 0; n < batch; n++) {
            for (int c = 0; c < ch; c++) {
              int ra = (n * ch + c) * len;
              int rb = (n * chB + from + c) * len;
              for (int t = 0; t < len; t++) {
                float g = dy.data()[dy.offset() + ra + t];
                if (mask != null) {
                  g *= mask.data()[mask.offset() + n * len + t];
                }
                if (ga != null) {
                  ga.data()[ga.offset() + ra + t] += g;
                }
                if (gb != null) {
                  gb.data()[gb.offset() + rb + t] += g;
                }
              }
            }
          }
        },
        a,
        b);
  }

  // ------------------------------------------------------------------------------- coupling

  /**
   * The affine coupling transform of Glow-TTS's decoder, normalizing direction:
   *
   * <pre>
   * z[b, c, t] = (m[b, c, t] + exp(s[b, c, t]) x[b, c, t]) mask[b, t],
   * m = stats[:, :D], s = stats[:, D:]
   * </pre>
   *
   * @param x the transformed half, of shape {@code [batch, D, length]}
   * @param stats the conditioner's output, of shape {@code [batch, 2D, length]}
   * @param mask of shape {@code [batch, 1, length]}, or {@code null}
   */
  static Var couplingForward(Var x, Var stats, Tensor mask) {
    return coupling(x, stats, mask, true);
  }

  /**
   * The inverse of {@link #couplingForward}: {@code x = (z - m) exp(-s) mask}.
   *
   * @param z of shape {@code [batch, D, length]}
   * @param stats of shape {@code [batch, 2D, length]}
   * @param mask of shape {@code [batch, 1, length]}, or {@code null}
   */
  static Var couplingInverse(Var z, Var stats, Tensor mask) {
    return coupling(z, stats, mask, false);
  }

  private static Var coupling(Var x, Var stats, Tensor mask, boolean forward) {
    Shape s = x.shape();
    Checks.requireShape(
        s.rank() == 3 && stats.shape().equals(Shape.of(s.dim(0), 2 * s.dim(1), s.dim(2))),
        "coupling: stats must have shape [batch, 2 D, length] for input %s, but was %s",
        s,
        stats.shape());
    if (mask != null) {
      requireMask("coupling", s, mask);
    }
    int batch = s.dim(0);
    int d = s.dim(1);
    int len = s.dim(2);
    Tensor y = Tape.newValue(s);
    float[] xd = x.value().data();
    int xo = x.value().offset();
    float[] st = stats.value().data();
    int sto = stats.value().offset();
    float[] yd = y.data();
    for (int b = 0; b < batch; b++) {
      for (int c = 0; c < d; c++) {
        int row = (b * d + c) * len;
        int mr = sto + (b * 2 * d + c) * len;
        int sr = mr + d * len;
        for (int t = 0; t < len; t++) {
          float m = mask == null ? 1f : mask.data()[mask.offset() + b * len + t];
          float v =
              forward
                  ? st[mr + t] + (float) Math.exp(st[sr + t]) * xd[xo + row + t]
                  : (xd[xo + row + t] - st[mr + t]) * (float) Math.exp(-st[sr + t]);
          yd[y.offset() + row + t] = v * m;
        }
      }
    }
    return Tape.result(
        y,
        out -> {
          Tensor dy = out.grad();
          Tensor gx = x.requiresGrad() ? x.grad() : null;
          Tensor gs = stats.requiresGrad() ? stats.grad() : null;
          for (int b = 0; b < batch; b++) {
            for (int c = 0; c < d; c++) {
              int row = (b * d + c) * len;
              int mr = (b * 2 * d + c) * len;
              int sr = mr + d * len;
              for (int t = 0; t < len; t++) {
                float m = mask == null ? 1f : mask.data()[mask.offset() + b * len + t];
                float g = dy.data()[dy.offset() + row + t] * m;
                float xv = xd[xo + row + t];
                float sv = st[sto + sr + t];
                if (forward) {
                  float e = (float) Math.exp(sv);
                  if (gx != null) {
                    gx.data()[gx.offset() + row + t] += g * e;
                  }
                  if (gs != null) {
                    gs.data()[gs.offset() + mr + t] += g;
                    gs.data()[gs.offset() + sr + t] += g * e * xv;
                  }
                } else {
                  float e = (float) Math.exp(-sv);
                  if (gx != null) {
                    gx.data()[gx.offset() + row + t] += g * e;
                  }
                  if (gs != null) {
                    gs.data()[gs.offset() + mr + t] -= g * e;
                    gs.data()[gs.offset() + sr + t] -= g * e * (xv - st[sto + mr + t]);
                  }
                }
              }
            }
          }
        },
        x,
        stats);
  }

  /**
   * Per-row masked sum over a channel range: {@code y[b] = sign sum_{c in [from, from + count)}
   * sum_t x[b, c, t] m[b, t]}; a coupling's log-determinant.
   *
   * @param x of shape {@code [batch, channels, length]}
   * @param mask of shape {@code [batch, 1, length]}, or {@code null}
   * @return of shape {@code [batch]}
   */
  static Var maskedChannelSum(Var x, int from, int count, Tensor mask, float sign) {
    Shape s = x.shape();
    Checks.requireShape(
        s.rank() == 3 && from >= 0 && count >= 0 && from + count <= s.dim(1),
        "maskedChannelSum: channels [%d, %d) must fit %s",
        from,
        from + count,
        s);
    if (mask != null) {
      requireMask("maskedChannelSum", s, mask);
    }
    int batch = s.dim(0);
    int ch = s.dim(1);
    int len = s.dim(2);
    Tensor y = Tape.newValue(Shape.of(batch));
    float[] xd = x.value().data();
    int xo = x.value().offset();
    for (int b = 0; b < batch; b++) {
      double acc = 0;
      for (int c = from; c < from + count; c++) {
        int row = xo + (b * ch + c) * len;
        for (int t = 0; t < len; t++) {
          float m = mask == null ? 1f : mask.data()[mask.offset() + b * len + t];
          acc += xd[row + t] * m;
        }
      }
      y.setFlat(b, (float) (sign * acc));
    }
    return Tape.result(
        y,
        out -> {
          if (!x.requiresGrad()) {
            return;
          }
          Tensor gx = x.grad();
          for (int b = 0; b < batch; b++) {
            float g = sign * out.grad().getFlat(b);
            for (int c = from; c < from + count; c++) {
              int row = gx.offset() + (b * ch + c) * len;
              for (int t = 0; t < len; t++) {
                float m = mask == null ? 1f : mask.data()[mask.offset() + b * len + t];
                gx.data()[row + t] += g * m;
              }
            }
          }
        },
        x);
  }

  // ------------------------------------------------------------------------------- 1x1 mixing

  /**
   * The channel index of element {@code k} (0..3) of group {@code g} in Glow-TTS's grouped
   * invertible 1x1 convolution with {@code channels} channels: the first two elements come from the
   * first half of the channels, the last two from the second half, so that every mixing step
   * exchanges values between the halves that the next coupling layer splits.
   */
  static int groupChannel(int channels, int k, int g) {
    return (k / 2) * (channels / 2) + 2 * g + (k % 2);
  }

  /**
   * Mixes the channels of every group of four with one shared matrix: {@code y[b, ch(k, g), t] =
   * sum_l w[k, l] x[b, ch(l, g), t]}, {@code ch} as in {@link #groupChannel}.
   *
   * @param x of shape {@code [batch, channels, length]}, {@code channels} a multiple of 4
   * @param w of shape {@code [4, 4]}
   */
  static Var groupedMix(Var x, Var w) {
    Shape s = x.shape();
    Checks.requireShape(
        s.rank() == 3 && s.dim(1) % 4 == 0 && w.shape().equals(Shape.of(4, 4)),
        "groupedMix: x must be [batch, 4 groups, length] and w [4, 4], but were %s and %s",
        s,
        w.shape());
    int batch = s.dim(0);
    int ch = s.dim(1);
    int len = s.dim(2);
    int groups = ch / 4;
    Tensor y = Tape.newValue(s);
    float[] wv = w.value().toArray();
    mix(x.value(), wv, false, y, batch, ch, len, groups, false);
    return Tape.result(
        y,
        out -> {
          Tensor dy = out.grad();
          if (x.requiresGrad()) {
            mix(dy, wv, true, x.grad(), batch, ch, len, groups, true);
          }
          if (w.requiresGrad()) {
            double[] dw = new double[16];
            float[] xd = x.value().data();
            float[] gd = dy.data();
            for (int b = 0; b < batch; b++) {
              for (int g = 0; g < groups; g++) {
                for (int k = 0; k < 4; k++) {
                  int gr = dy.offset() + (b * ch + groupChannel(ch, k, g)) * len;
                  for (int l = 0; l < 4; l++) {
                    int xr = x.value().offset() + (b * ch + groupChannel(ch, l, g)) * len;
                    double acc = 0;
                    for (int t = 0; t < len; t++) {
                      acc += gd[gr + t] * xd[xr + t];
                    }
                    dw[k * 4 + l] += acc;
                  }
                }
              }
            }
            addInto(w, dw);
          }
        },
        x,
        w);
  }

  /** {@code out (+)= W x} per group, or {@code W^T x} when {@code transpose}. */
  private static void mix(
      Tensor x,
      float[] w,
      boolean transpose,
      Tensor out,
      int batch,
      int ch,
      int len,
      int groups,
      boolean accumulate) {
    float[] xd = x.data();
    float[] od = out.data();
    int[] rows = new int[4];
    int[] orow = new int[4];
    for (int b = 0; b < batch; b++) {
      for (int g = 0; g < groups; g++) {
        for (int k = 0; k < 4; k++) {
          rows[k] = x.offset() + (b * ch + groupChannel(ch, k, g)) * len;
          orow[k] = out.offset() + (b * ch + groupChannel(ch, k, g)) * len;
        }
        for (int k = 0; k < 4; k++) {
          float w0 = transpose ? w[k] : w[k * 4];
          float w1 = transpose ? w[4 + k] : w[k * 4 + 1];
          float w2 = transpose ? w[8 + k] : w[k * 4 + 2];
          float w3 = transpose ? w[12 + k] : w[k * 4 + 3];
          int o = orow[k];
          int r0 = rows[0];
          int r1 = rows[1];
          int r2 = rows[2];
          int r3 = rows[3];
          for (int t = 0; t < len; t++) {
            float v = w0 * xd[r0 + t] + w1 * xd[r1 + t] + w2 * xd[r2 + t] + w3 * xd[r3 + t];
            od[o + t] = accumulate ? od[o + t] + v : v;
          }
        }
      }
    }
  }

  /**
   * The matrix {@code W = P L (U + diag(sign exp(logS)))} of an LU-parameterised invertible linear
   * map (Kingma and Dhariwal 2018, section 3.2), computed in double. {@code L} is unit lower
   * triangular, {@code U} strictly upper triangular; row {@code i} of {@code L V} becomes row
   * {@code perm[i]} of {@code W}. Packing of {@code lower} and {@code upper}: row by row, {@code D
   * (D - 1) / 2} entries each.
   *
   * @param lower of shape {@code [D (D - 1) / 2]}
   * @param upper of shape {@code [D (D - 1) / 2]}
   * @param logS of shape {@code [D]}
   * @param perm a permutation of {@code 0..D-1}
   * @param signs the fixed signs of the diagonal, length {@code D}
   * @return of shape {@code [D, D]}
   */
  static Var luWeight(Var lower, Var upper, Var logS, int[] perm, float[] signs) {
    int d = perm.length;
    int packed = d * (d - 1) / 2;
    Checks.requireShape(
        lower.shape().equals(Shape.of(packed))
            && upper.shape().equals(Shape.of(packed))
            && logS.shape().equals(Shape.of(d))
            && signs.length == d,
        "luWeight: factors must be [%d], [%d] and [%d], but were %s, %s and %s",
        packed,
        packed,
        d,
        lower.shape(),
        upper.shape(),
        logS.shape());
    double[][] l = new double[d][d];
    double[][] v = new double[d][d];
    int li = 0;
    int ui = 0;
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < i; j++) {
        l[i][j] = lower.value().getFlat(li++);
      }
      l[i][i] = 1;
      v[i][i] = signs[i] * Math.exp(logS.value().getFlat(i));
      for (int j = i + 1; j < d; j++) {
        v[i][j] = upper.value().getFlat(ui++);
      }
    }
    Tensor w = Tape.newValue(Shape.of(d, d));
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        double acc = 0;
        for (int k = 0; k <= Math.min(i, j); k++) {
          acc += l[i][k] * v[k][j];
        }
        w.setFlat(perm[i] * d + j, (float) acc);
      }
    }
    return Tape.result(
        w,
        out -> {
          // W = P M, M = L V: dM = P^T G, dL = dM V^T (strictly lower), dV = L^T dM.
          double[][] dm = new double[d][d];
          for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
              dm[i][j] = out.grad().getFlat(perm[i] * d + j);
            }
          }
          double[] dLower = new double[packed];
          double[] dUpper = new double[packed];
          double[] dLogS = new double[d];
          int lk = 0;
          int uk = 0;
          for (int i = 0; i < d; i++) {
            for (int j = 0; j < i; j++) {
              double acc = 0;
              for (int k = j; k < d; k++) {
                acc += dm[i][k] * v[j][k];
              }
              dLower[lk++] = acc;
            }
            for (int j = i; j < d; j++) {
              double acc = 0;
              for (int k = i; k < d; k++) {
                acc += l[k][i] * dm[k][j];
              }
              if (j == i) {
                dLogS[i] = acc * v[i][i];
              } else {
                dUpper[uk++] = acc;
              }
            }
          }
          addInto(lower, dLower);
          addInto(upper, dUpper);
          addInto(logS, dLogS);
        },
        lower,
        upper,
        logS);
  }

  /**
   * {@code y[b] = factors[b] sum_i v[i]}: a log-determinant that is the same per position, counted
   * over each row's number of positions.
   *
   * @param v any shape
   * @param factors one factor per row
   * @return of shape {@code [factors.length]}
   */
  static Var scaledSum(Var v, double[] factors) {
    double sum = 0;
    for (int i = 0; i < v.value().size(); i++) {
      sum += v.value().getFlat(i);
    }
    Tensor y = Tape.newValue(Shape.of(factors.length));
    for (int b = 0; b < factors.length; b++) {
      y.setFlat(b, (float) (factors[b] * sum));
    }
    return Tape.result(
        y,
        out -> {
          if (!v.requiresGrad()) {
            return;
          }
          double g = 0;
          for (int b = 0; b < factors.length; b++) {
            g += factors[b] * out.grad().getFlat(b);
          }
          Tensor gv = v.grad();
          for (int i = 0; i < gv.size(); i++) {
            gv.setFlat(i, (float) (gv.getFlat(i) + g));
          }
        },
        v);
  }

  /**
   * {@code y[b] = v[b] factors[b]}.
   *
   * @param v of shape {@code [batch]}
   * @param factors length {@code batch}
   */
  static Var scaleRows(Var v, double[] factors) {
    Checks.requireShape(
        v.shape().equals(Shape.of(factors.length)),
        "scaleRows: input must have shape [%d], but was %s",
        factors.length,
        v.shape());
    Tensor y = Tape.newValue(v.shape());
    for (int b = 0; b < factors.length; b++) {
      y.setFlat(b, (float) (v.value().getFlat(b) * factors[b]));
    }
    return Tape.result(
        y,
        out -> {
          if (v.requiresGrad()) {
            Tensor gv = v.grad();
            for (int b = 0; b < factors.length; b++) {
              gv.setFlat(b, (float) (gv.getFlat(b) + out.grad().getFlat(b) * factors[b]));
            }
          }
        },
        v);
  }

  // ------------------------------------------------------------------------------- squeeze

  /**
   * Squeezes pairs of frames into channels: {@code y[b, k C + c, s] = x[b, c, 2 s + k]}, {@code k
   * in {0, 1}}.
   *
   * @param x of shape {@code [batch, C, 2 S]}
   * @return of shape {@code [batch, 2 C, S]}
   */
  static Var squeeze(Var x) {
    Shape s = x.shape();
    Checks.requireShape(
        s.rank() == 3 && s.dim(2) % 2 == 0,
        "squeeze: input must be [batch, channels, even length], but was %s",
        s);
    Shape os = Shape.of(s.dim(0), 2 * s.dim(1), s.dim(2) / 2);
    Tensor y = Tape.newValue(os);
    permute(x.value(), y, s.dim(0), s.dim(1), s.dim(2) / 2, true, false);
    return Tape.result(
        y,
        out -> {
          if (x.requiresGrad()) {
            permute(out.grad(), x.grad(), s.dim(0), s.dim(1), s.dim(2) / 2, false, true);
          }
        },
        x);
  }

  /**
   * The inverse of {@link #squeeze}: {@code y[b, c, 2 s + k] = x[b, k C + c, s]}.
   *
   * @param x of shape {@code [batch, 2 C, S]}
   * @return of shape {@code [batch, C, 2 S]}
   */
  static Var unsqueeze(Var x) {
    Shape s = x.shape();
    Checks.requireShape(
        s.rank() == 3 && s.dim(1) % 2 == 0,
        "unsqueeze: input must be [batch, even channels, length], but was %s",
        s);
    int c = s.dim(1) / 2;
    Shape os = Shape.of(s.dim(0), c, 2 * s.dim(2));
    Tensor y = Tape.newValue(os);
    permute(x.value(), y, s.dim(0), c, s.dim(2), false, false);
    return Tape.result(
        y,
        out -> {
          if (x.requiresGrad()) {
            permute(out.grad(), x.grad(), s.dim(0), c, s.dim(2), true, true);
          }
        },
        x);
  }

  /**
   * Moves between {@code [B, C, 2S]} (frames) and {@code [B, 2C, S]} (squeezed): {@code toSqueezed}
   * reads frames and writes squeezed, otherwise the reverse; {@code accumulate} adds.
   */
  private static void permute(
      Tensor src, Tensor dst, int batch, int ch, int half, boolean toSqueezed, boolean accumulate) {
    float[] sd = src.data();
    float[] dd = dst.data();
    for (int b = 0; b < batch; b++) {
      for (int c = 0; c < ch; c++) {
        int frames = (b * ch + c) * 2 * half;
        for (int k = 0; k < 2; k++) {
          int sq = (b * 2 * ch + k * ch + c) * half;
          for (int s = 0; s < half; s++) {
            int fi = frames + 2 * s + k;
            int si = sq + s;
            int from = src.offset() + (toSqueezed ? fi : si);
            int to = dst.offset() + (toSqueezed ? si : fi);
            dd[to] = accumulate ? dd[to] + sd[from] : sd[from];
          }
        }
      }
    }
  }

  // ------------------------------------------------------------------------------- text, loss

  /**
   * Embedding lookup into the sequence layout: {@code y[b, h, i] = scale table[tokens[b][i], h]}
   * for {@code i < tokens[b].length}, zero beyond.
   *
   * @param table of shape {@code [symbols, hidden]}
   * @param tokens one array of symbol ids per row, each no longer than {@code length}
   * @param length the padded length
   * @return of shape {@code [tokens.length, hidden, length]}
   * @throws IllegalArgumentException if an id is outside {@code [0, symbols)}
   */
  static Var embed(Var table, int[][] tokens, int length, float scale) {
    int symbols = table.shape().dim(0);
    int hidden = table.shape().dim(1);
    int batch = tokens.length;
    for (int[] row : tokens) {
      Checks.requireArgument(
          row.length <= length,
          "embed: a row of %d tokens is longer than the length %d",
          row.length,
          length);
      for (int id : row) {
        Checks.requireArgument(
            id >= 0 && id < symbols,
            "embed: token ids must be in [0, %d), but was %d",
            symbols,
            id);
      }
    }
    Tensor y = Tape.newValue(Shape.of(batch, hidden, length));
    y.fill(0f);
    float[] td = table.value().data();
    int to = table.value().offset();
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < tokens[b].length; i++) {
        int src = to + tokens[b][i] * hidden;
        for (int h = 0; h < hidden; h++) {
          y.data()[y.offset() + (b * hidden + h) * length + i] = scale * td[src + h];
        }
      }
    }
    return Tape.result(
        y,
        out -> {
          if (!table.requiresGrad()) {
            return;
          }
          Tensor gt = table.grad();
          Tensor dy = out.grad();
          for (int b = 0; b < batch; b++) {
            for (int i = 0; i < tokens[b].length; i++) {
              int dst = gt.offset() + tokens[b][i] * hidden;
              for (int h = 0; h < hidden; h++) {
                gt.data()[dst + h] +=
                    scale * dy.data()[dy.offset() + (b * hidden + h) * length + i];
              }
            }
          }
        },
        table);
  }

  /**
   * Half the squared distance between the latent frames and the prior means of the tokens they are
   * aligned to, summed over channels and valid frames:
   *
   * <pre>
   * y = 0.5 sum_b sum_{t < |a_b|} sum_c (z[b, c, t] - mu[b, c, a_b[t]])^2
   * </pre>
   *
   * @param z of shape {@code [batch, C, frames]}
   * @param mu of shape {@code [batch, C, tokens]}
   * @param alignment per row, the token of each valid frame (length at most {@code frames})
   * @return of shape {@code [1]}
   */
  static Var alignedSquaredError(Var z, Var mu, int[][] alignment) {
    Shape sz = z.shape();
    Shape sm = mu.shape();
    Checks.requireShape(
        sz.rank() == 3
            && sm.rank() == 3
            && sz.dim(0) == sm.dim(0)
            && sz.dim(1) == sm.dim(1)
            && alignment.length == sz.dim(0),
        "alignedSquaredError: z %s and mu %s must agree in batch and channels, with %d"
            + " alignments",
        sz,
        sm,
        alignment.length);
    int batch = sz.dim(0);
    int ch = sz.dim(1);
    int frames = sz.dim(2);
    int tokens = sm.dim(2);
    for (int[] a : alignment) {
      Checks.requireArgument(
          a.length <= frames,
          "alignedSquaredError: an alignment of %d frames exceeds %d frames",
          a.length,
          frames);
      for (int i : a) {
        Checks.requireArgument(
            i >= 0 && i < tokens,
            "alignedSquaredError: aligned tokens must be in [0, %d), but was %d",
            tokens,
            i);
      }
    }
    float[] zd = z.value().data();
    int zo = z.value().offset();
    float[] md = mu.value().data();
    int mo = mu.value().offset();
    double acc = 0;
    for (int b = 0; b < batch; b++) {
      int[] a = alignment[b];
      for (int c = 0; c < ch; c++) {
        int zr = zo + (b * ch + c) * frames;
        int mr = mo + (b * ch + c) * tokens;
        for (int t = 0; t < a.length; t++) {
          double d = zd[zr + t] - md[mr + a[t]];
          acc += d * d;
        }
      }
    }
    Tensor y = Tape.newValue(Shape.of(1));
    y.setFlat(0, (float) (0.5 * acc));
    return Tape.result(
        y,
        out -> {
          float g = out.grad().getFlat(0);
          Tensor gz = z.requiresGrad() ? z.grad() : null;
          Tensor gm = mu.requiresGrad() ? mu.grad() : null;
          for (int b = 0; b < batch; b++) {
            int[] a = alignment[b];
            for (int c = 0; c < ch; c++) {
              int zr = (b * ch + c) * frames;
              int mr = (b * ch + c) * tokens;
              for (int t = 0; t < a.length; t++) {
                float d = g * (zd[zo + zr + t] - md[mo + mr + a[t]]);
                if (gz != null) {
                  gz.data()[gz.offset() + zr + t] += d;
                }
                if (gm != null) {
                  gm.data()[gm.offset() + mr + a[t]] -= d;
                }
              }
            }
          }
        },
        z,
        mu);
  }

  /**
   * The squared error of predicted log-durations over the valid tokens: {@code y = sum_b sum_{i <
   * |target_b|} (logw[b, 0, i] - target[b][i])^2}.
   *
   * @param logw of shape {@code [batch, 1, tokens]}
   * @param target per row, the target log-duration of each valid token
   * @return of shape {@code [1]}
   */
  static Var durationSquaredError(Var logw, double[][] target) {
    Shape s = logw.shape();
    Checks.requireShape(
        s.rank() == 3 && s.dim(1) == 1 && s.dim(0) == target.length,
        "durationSquaredError: log-durations must be [%d, 1, tokens], but were %s",
        target.length,
        s);
    int len = s.dim(2);
    double acc = 0;
    for (int b = 0; b < target.length; b++) {
      Checks.requireArgument(
          target[b].length <= len,
          "durationSquaredError: %d targets exceed %d tokens",
          target[b].length,
          len);
      for (int i = 0; i < target[b].length; i++) {
        double d = logw.value().getFlat(b * len + i) - target[b][i];
        acc += d * d;
      }
    }
    Tensor y = Tape.newValue(Shape.of(1));
    y.setFlat(0, (float) acc);
    return Tape.result(
        y,
        out -> {
          if (!logw.requiresGrad()) {
            return;
          }
          float g = out.grad().getFlat(0);
          Tensor gl = logw.grad();
          for (int b = 0; b < target.length; b++) {
            for (int i = 0; i < target[b].length; i++) {
              int k = b * len + i;
              gl.setFlat(
                  k, (float) (gl.getFlat(k) + 2 * g * (logw.value().getFlat(k) - target[b][i])));
            }
          }
        },
        logw);
  }

  // ------------------------------------------------------------------------------- helpers

  private static void requireMask(String op, Shape x, Tensor mask) {
    Checks.requireShape(
        mask.shape().equals(Shape.of(x.dim(0), 1, x.dim(2))),
        "%s: mask must have shape [%d, 1, %d] for input %s, but was %s",
        op,
        x.dim(0),
        x.dim(2),
        x,
        mask.shape());
  }

  private static void addInto(Var v, double[] g) {
    if (!v.requiresGrad()) {
      return;
    }
    Tensor gv = v.grad();
    for (int i = 0; i < g.length; i++) {
      gv.setFlat(i, (float) (gv.getFlat(i) + g[i]));
    }
  }
}
