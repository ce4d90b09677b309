package io.flows4j.bijectors;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Elementwise;
import io.flows4j.tensor.kernels.ElementwiseKernels;

/**
 * The fused per-channel affine op behind {@link ActNorm}, {@link Standardization} and the
 * evaluation mode and inverse of {@link BatchNormFlow}:
 *
 * <pre>
 *   forward:  z = (x + bias_c - center_c) * a_c + shift_c,   a_c = exp(logScale_c) * factor_c
 *             log|det dz/dx| = positions * sum_c (logScale_c + log factor_c)   (every row)
 *   inverse:  x = (z - shift_c) / a_c - bias_c + center_c,   log|det| negated
 * </pre>
 *
 * where {@code c} is the channel of an element ({@link ChannelLayout}). {@code bias}, {@code
 * logScale} and {@code shift} are trainable ({@code [channels]}, or {@code null} for 0); {@code
 * center} and {@code factor} are constants ({@code null} for 0 and 1). Both directions evaluate
 * {@code y = (in - m_c) * a_c + t_c} with the subtraction first, so that an input far from 0 but
 * close to {@code m_c} (a data offset removed by the op) keeps its digits. One pass forward; one
 * pass backward that adds the input gradient and, in the same loop, the per-channel sums the
 * parameter gradients need.
 */
final class ChannelAffine {
  /** Elements per task below which a loop stays on the calling thread. */
  private static final int GRAIN = 1 << 15;

  /** Run length from which a channel's run goes through the vector kernels. */
  static final int VECTOR_RUN = 16;

  private ChannelAffine() {}

  /**
   * The trainable and constant terms of the map; any may be {@code null} (0 for {@code bias},
   * {@code logScale}, {@code shift} and {@code center}, 1 for {@code factor}).
   */
  record Terms(Var bias, double[] center, Var logScale, double[] factor, Var shift) {}

  /**
   * The forward map.
   *
   * @param x of shape {@code [batch, channels, ...]} (checked by the caller through {@code layout})
   */
  static Transformed forward(Var x, Terms terms, ChannelLayout layout) {
    return apply(x, terms, layout, false);
  }

  /**
   * The inverse map.
   *
   * @param z of shape {@code [batch, channels, ...]} (checked by the caller through {@code layout})
   */
  static Transformed inverse(Var z, Terms terms, ChannelLayout layout) {
    return apply(z, terms, layout, true);
  }

  private static double valueAt(Var v, int c) {
    return v == null ? 0 : v.value().getFlat(c);
  }

  private static Transformed apply(Var in, Terms terms, ChannelLayout layout, boolean inverse) {
    int channels = layout.channels();
    Var bias = terms.bias();
    Var logScale = terms.logScale();
    Var shift = terms.shift();
    // Both directions are y = (in - m_c) * a_c + t_c; only the constants differ.
    float[] m = new float[channels];
    float[] a = new float[channels];
    float[] t = new float[channels];
    double logDetPerPosition = 0;
    for (int c = 0; c < channels; c++) {
      double ls = valueAt(logScale, c);
      double fa = terms.factor() == null ? 1 : terms.factor()[c];
      double offset = (terms.center() == null ? 0 : terms.center()[c]) - valueAt(bias, c);
      logDetPerPosition += ls + Math.log(fa);
      if (inverse) {
        m[c] = (float) valueAt(shift, c);
        a[c] = (float) (Math.exp(-ls) / fa);
        t[c] = (float) offset;
      } else {
        m[c] = (float) offset;
        a[c] = (float) (Math.exp(ls) * fa);
        t[c] = (float) valueAt(shift, c);
      }
    }
    Tensor iv = in.value();
    Tensor out = Tape.newValue(iv.shape());
    affine(iv.data(), iv.offset(), out.data(), out.offset(), m, a, t, layout);
    float logDet = (float) ((inverse ? -1 : 1) * logDetPerPosition * layout.positions());
    Tensor ld = Tape.newValue(Shape.of(layout.batch()));
    ld.fill(logDet);
    return FusedResult.of(
        out,
        ld,
        (dOut, dLogDet) -> {
          boolean wantSums = wants(bias) || wants(logScale) || wants(shift);
          // sums[2c] = sum g (in - m_c), sums[2c + 1] = sum g, over channel c
          double[] sums = null;
          if (dOut != null) {
            Tensor dIn = in.requiresGrad() ? in.grad() : null;
            sums = backward(iv, dOut, dIn, m, a, layout, wantSums);
          }
          if (wants(logScale)) {
            double perRow = dLogDet == null ? 0 : sumOf(dLogDet) * layout.positions();
            double sign = inverse ? -1 : 1;
            Tensor g = logScale.grad();
            for (int c = 0; c < channels; c++) {
              double fromValue = sums == null ? 0 : a[c] * sums[2 * c];
              g.setFlat(c, (float) (g.getFlat(c) + sign * (fromValue + perRow)));
            }
          }
          if (sums != null && wants(bias)) {
            // forward: dz/dbias = a; inverse: dx/dbias = -1
            Tensor g = bias.grad();
            for (int c = 0; c < channels; c++) {
              double d = inverse ? -sums[2 * c + 1] : a[c] * sums[2 * c + 1];
              g.setFlat(c, (float) (g.getFlat(c) + d));
            }
          }
          if (sums != null && wants(shift)) {
            // forward: dz/dshift = 1; inverse: dx/dshift = -1 / a
            Tensor g = shift.grad();
            for (int c = 0; c < channels; c++) {
              double d = inverse ? -a[c] * sums[2 * c + 1] : sums[2 * c + 1];
              g.setFlat(c, (float) (g.getFlat(c) + d));
            }
          }
        },
        inputs(in, bias, logScale, shift));
  }

  private static boolean wants(Var v) {
    return v != null && v.requiresGrad();
  }

  private static Var[] inputs(Var in, Var... terms) {
    int n = 1;
    for (Var v : terms) {
      n += v == null ? 0 : 1;
    }
    Var[] out = new Var[n];
    out[0] = in;
    int i = 1;
    for (Var v : terms) {
      if (v != null) {
        out[i++] = v;
      }
    }
    return out;
  }

  private static double sumOf(Tensor t) {
    double s = 0;
    for (int i = 0; i < t.size(); i++) {
      s += t.getFlat(i);
    }
    return s;
  }

  /** {@code y = (x - m_c) * a_c + t_c} over the whole tensor. */
  static void affine(
      float[] x, int xo, float[] y, int yo, float[] m, float[] a, float[] t, ChannelLayout l) {
    int channels = l.channels();
    int positions = l.positions();
    if (positions == 1) {
      Threads.parallelRange(
          l.batch(),
          Math.max(1, GRAIN / channels),
          (from, to) -> {
            for (int b = from; b < to; b++) {
              int r = b * channels;
              for (int c = 0; c < channels; c++) {
                y[yo + r + c] = (x[xo + r + c] - m[c]) * a[c] + t[c];
              }
            }
          });
      return;
    }
    Elementwise k = ElementwiseKernels.get();
    Threads.parallelRange(
        l.batch() * channels,
        Math.max(1, GRAIN / positions),
        (from, to) -> {
          for (int run = from; run < to; run++) {
            int c = run % channels;
            int xs = xo + run * positions;
            int ys = yo + run * positions;
            if (positions >= VECTOR_RUN) {
              // Two vector passes over a cache-resident run: the subtraction first, then a*y + t.
              k.scaleShift(x, xs, 1f, -m[c], y, ys, positions);
              k.scaleShift(y, ys, a[c], t[c], y, ys, positions);
            } else {
              float mc = m[c];
              float ac = a[c];
              float tc = t[c];
              for (int p = 0; p < positions; p++) {
                y[ys + p] = (x[xs + p] - mc) * ac + tc;
              }
            }
          }
        });
  }

  /**
   * The backward pass of {@link #affine}: {@code dIn += g * a_c} (when {@code dIn != null}) and,
   * when {@code sums} are wanted, per channel {@code S1_c = sum g * (x - m_c)} and {@code S0_c =
   * sum g}, returned interleaved as {@code [S1_0, S0_0, S1_1, S0_1, ...]} (summed in double, per
   * task, then in task order).
   */
  static double[] backward(
      Tensor in, Tensor g, Tensor dIn, float[] m, float[] a, ChannelLayout l, boolean wantSums) {
    int channels = l.channels();
    int positions = l.positions();
    float[] x = in.data();
    int xo = in.offset();
    float[] gd = g.data();
    int go = g.offset();
    float[] dx = dIn == null ? null : dIn.data();
    int dxo = dIn == null ? 0 : dIn.offset();
    Elementwise k = ElementwiseKernels.get();
    int runs = l.batch() * channels;
    int tasks = taskCount(runs, Math.max(1, GRAIN / positions));
    double[][] partial = wantSums ? new double[tasks][2 * channels] : null;
    splitTasks(
        runs,
        tasks,
        (task, from, to) -> {
          double[] s = wantSums ? partial[task] : null;
          for (int run = from; run < to; run++) {
            int c = run % channels;
            float mc = m[c];
            float ac = a[c];
            int base = run * positions;
            if (positions >= VECTOR_RUN) {
              if (dx != null) {
                k.axpy(ac, gd, go + base, dx, dxo + base, positions);
              }
              if (s != null) {
                sumsOfRun(gd, go + base, x, xo + base, mc, positions, s, c);
              }
              continue;
            }
            double s1 = 0;
            double s0 = 0;
            for (int p = 0; p < positions; p++) {
              float gv = gd[go + base + p];
              if (dx != null) {
                dx[dxo + base + p] += gv * ac;
              }
              s1 += (double) gv * (x[xo + base + p] - mc);
              s0 += gv;
            }
            if (s != null) {
              s[2 * c] += s1;
              s[2 * c + 1] += s0;
            }
          }
        });
    if (!wantSums) {
      return null;
    }
    double[] total = new double[2 * channels];
    for (double[] p : partial) {
      for (int i = 0; i < total.length; i++) {
        total[i] += p[i];
      }
    }
    return total;
  }

  /**
   * Adds {@code sum g (x - m)} and {@code sum g} over one run into {@code s[2c]} and {@code s[2c +
   * 1]}, with two independent accumulators each so the additions do not wait on one another.
   */
  private static void sumsOfRun(
      float[] g, int go, float[] x, int xo, float m, int n, double[] s, int c) {
    double a0 = 0;
    double a1 = 0;
    double b0 = 0;
    double b1 = 0;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      float g0 = g[go + i];
      float g1 = g[go + i + 1];
      a0 += (double) g0 * (x[xo + i] - m);
      a1 += (double) g1 * (x[xo + i + 1] - m);
      b0 += g0;
      b1 += g1;
    }
    for (; i < n; i++) {
      a0 += (double) g[go + i] * (x[xo + i] - m);
      b0 += g[go + i];
    }
    s[2 * c] += a0 + a1;
    s[2 * c + 1] += b0 + b1;
  }

  /** Work on the contiguous range {@code [from, to)} that task number {@code task} owns. */
  @FunctionalInterface
  interface TaskBody {
    void run(int task, int from, int to);
  }

  /**
   * The number of tasks for {@code n} items with at least {@code grain} each (at least 1), not
   * depending on the thread count, so that the per-task sums give the same bits on any number of
   * threads ({@link Threads#reductionTasks}).
   */
  static int taskCount(int n, int grain) {
    return Math.max(1, Threads.reductionTasks(n, grain));
  }

  /**
   * Runs {@code body} over {@code [0, n)} in exactly {@code tasks} contiguous ranges, telling each
   * its task number, so that per-task partial sums can be combined afterwards in task order (with
   * {@link #taskCount}, the same result on any number of threads).
   */
  static void splitTasks(int n, int tasks, TaskBody body) {
    Threads.runSplit(
        tasks,
        tasks,
        (tf, tt) -> {
          for (int task = tf; task < tt; task++) {
            int from = (int) ((long) n * task / tasks);
            int to = (int) ((long) n * (task + 1) / tasks);
            body.run(task, from, to);
          }
        });
  }
}
