package io.flows4j.speech.model;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Gemm;
import io.flows4j.tensor.kernels.Kernels;
import io.flows4j.tensor.kernels.VectorMath;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Multi-head self-attention (Vaswani et al. 2017, "Attention Is All You Need") with relative
 * position representations (Shaw et al. 2018, "Self-Attention with Relative Position
 * Representations"), as the text encoder of Glow-TTS uses it (Kim et al. 2020): one fused op with a
 * hand-written backward rule, checked by {@code GradCheck}.
 *
 * <p>Each (item, head) pair is a few GEMMs on the item's valid prefix only, so padding costs
 * nothing and cannot leak into the valid positions; pairs run in parallel on {@link Threads}. The
 * gradients of the shared relative embeddings are summed per pair and then added in pair order, so
 * their bits do not depend on the thread count.
 */
final class AttentionOps {
  /** Smallest forward work (FLOPs) worth a task of its own, as for the convolutions. */
  private static final long MIN_FLOPS_PER_TASK = 16_000_000L;

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  /** Per-thread scratch of the score gradients and the relative-offset sums. */
  private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

  private AttentionOps() {}

  /**
   * Multi-head self-attention with relative position keys and values. With {@code H} channels,
   * {@code heads} heads of {@code d = H / heads} channels, window {@code w} ({@code relKey} has
   * {@code 2w + 1} rows) and {@code n_b} the valid length of item {@code b}, for head {@code h}
   * (channels {@code [h d, (h + 1) d)}) and valid positions {@code i, j < n_b}:
   *
   * <pre>
   * q_i = qkv[b, h d : (h+1) d, i],  k_j = qkv[b, H + h d : .., j],  v_j = qkv[b, 2H + h d : .., j]
   * r(i, j) = min(max(j - i, -w), w) + w                  (offsets beyond the window are clipped)
   * s[i, j] = (q_i . k_j + q_i . relKey[r(i, j)]) / sqrt(d)
   * p[i, :] = softmax over j < n_b of s[i, :]              (max subtracted before exp)
   * y[b, h d : (h+1) d, i] = sum_{j < n_b} p'[i, j] (v_j + relValue[r(i, j)])
   * </pre>
   *
   * where {@code p' = p} without dropout, and otherwise {@code p'[i, j] = p[i, j] keep[i, j] / (1 -
   * dropout)} with each {@code keep} drawn with probability {@code 1 - dropout} from {@code rng}
   * (dropout on the attention weights, as in Glow-TTS). Padding keys ({@code j >= n_b}) get exactly
   * zero weight and padding queries ({@code i >= n_b}) an output of zero; the values of {@code qkv}
   * at padding positions are never read.
   *
   * <p>The relative embeddings are shared by the heads, as in Glow-TTS. Shaw et al. clip the
   * offsets beyond the window to {@code +-w}, which this op does; Glow-TTS's published code instead
   * gives offsets beyond the window no relative term (zero embeddings).
   *
   * @param qkv the queries, keys and values stacked on the channels, of shape {@code [batch, 3H,
   *     length]}
   * @param relKey relative key embeddings of offsets {@code -w..w}, of shape {@code [2w + 1, d]}
   * @param relValue relative value embeddings of offsets {@code -w..w}, of shape {@code [2w + 1,
   *     d]}
   * @param mask of shape {@code [batch, 1, length]}, 1 on a prefix of each row and 0 after it, or
   *     {@code null} (every position valid)
   * @param heads attention heads, dividing {@code H}
   * @param dropout probability of dropping an attention weight, in {@code [0, 1)}; 0 for none
   * @param rng the source of the keep decisions; may be {@code null} when {@code dropout == 0}
   * @return of shape {@code [batch, H, length]}
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit
   * @throws IllegalArgumentException if {@code heads} does not divide {@code H}, the mask is not a
   *     0/1 prefix mask, or the dropout is out of range or lacks a generator
   */
  static Var relativeSelfAttention(
      Var qkv, Var relKey, Var relValue, Tensor mask, int heads, double dropout, Rng rng) {
    Shape s = qkv.shape();
    Checks.requireShape(
        s.rank() == 3 && s.dim(1) % 3 == 0,
        "relativeSelfAttention: qkv must be [batch, 3 hidden, length], but was %s",
        s);
    int batch = s.dim(0);
    int hidden = s.dim(1) / 3;
    int len = s.dim(2);
    Checks.requireArgument(
        heads >= 1 && hidden % heads == 0,
        "relativeSelfAttention: heads must divide the %d channels, but was %d",
        hidden,
        heads);
    int d = hidden / heads;
    Shape rs = relKey.shape();
    Checks.requireShape(
        rs.rank() == 2 && rs.dim(0) % 2 == 1 && rs.dim(1) == d && relValue.shape().equals(rs),
        "relativeSelfAttention: relKey and relValue must both be [2 window + 1, %d], but were %s"
            + " and %s",
        d,
        rs,
        relValue.shape());
    Checks.requireArgument(
        dropout >= 0 && dropout < 1 && (dropout == 0 || rng != null),
        "relativeSelfAttention: dropout must be in [0, 1) with a generator, but was %s",
        dropout);
    int[] lengths = prefixLengths(mask, batch, len);
    Geometry g = new Geometry(batch, hidden, len, heads, d, rs.dim(0), lengths);

    Tensor y = Tape.newValue(Shape.of(batch, hidden, len));
    // The softmax weights of each pair, row-major [n_b, n_b] at the start of its [len, len] block.
    Tensor probs = Tape.newValue(Shape.of(batch, heads, len, len));
    // With dropout: first each weight's keep factor, then (forwardPair) the dropped weights p'.
    Tensor dropped = dropout > 0 ? Tape.newValue(probs.shape()) : null;
    float keepScale = dropped == null ? 0f : drawKeep(dropped, g, dropout, rng);
    float[] rk = relKey.value().toArray();
    float[] rv = relValue.value().toArray();
    Gemm gemm = Kernels.gemm();
    Threads.parallelRange(
        batch * heads,
        g.minPairsPerTask(),
        (from, to) -> {
          for (int p = from; p < to; p++) {
            forwardPair(gemm, g, p, qkv.value(), rk, rv, probs, dropped, y);
          }
        });
    return Tape.result(
        y,
        out ->
            backward(gemm, g, qkv, relKey, relValue, rk, rv, probs, dropped, keepScale, out.grad()),
        qkv,
        relKey,
        relValue);
  }

  // ---------------------------------------------------------------------------------- forward

  private static void forwardPair(
      Gemm gemm,
      Geometry g,
      int p,
      Tensor qkv,
      float[] rk,
      float[] rv,
      Tensor probs,
      Tensor dropped,
      Tensor y) {
    int b = p / g.heads;
    int h = p % g.heads;
    int n = g.lengths[b];
    int r = g.relRows;
    float[] yd = y.data();
    int yo = y.offset() + (b * g.hidden + h * g.d) * g.len;
    for (int c = 0; c < g.d; c++) {
      Arrays.fill(yd, yo + c * g.len + n, yo + (c + 1) * g.len, 0f);
    }
    if (n == 0) {
      return;
    }
    float[] x = qkv.data();
    int qo = g.queryOffset(qkv, b, h);
    int ko = qo + g.hidden * g.len;
    int vo = ko + g.hidden * g.len;
    float[] pd = probs.data();
    int po = g.pairOffset(probs, p);
    float[] rel = scratch(n * r);
    // s = alpha Q^T K and the relative logits alpha Q^T relKey^T, [n, 2w + 1].
    gemm.sgemm(true, false, n, n, g.d, g.alpha, x, qo, g.len, x, ko, g.len, 0f, pd, po, n);
    gemm.sgemm(true, true, n, r, g.d, g.alpha, x, qo, g.len, rk, 0, g.d, 0f, rel, 0, r);
    for (int i = 0; i < n; i++) {
      addRelative(pd, po + i * n, n, i, g.window, rel, i * r);
      softmaxRow(pd, po + i * n, n);
    }
    float[] wd = pd;
    int wo = po;
    if (dropped != null) {
      wd = dropped.data();
      wo = g.pairOffset(dropped, p);
      for (int k = 0; k < n * n; k++) {
        wd[wo + k] *= pd[po + k];
      }
    }
    // y = V p'^T + relValue^T (sums of p' per clipped offset)^T.
    for (int i = 0; i < n; i++) {
      sumByOffset(wd, wo + i * n, n, i, g.window, rel, i * r);
    }
    gemm.sgemm(false, true, g.d, n, n, 1f, x, vo, g.len, wd, wo, n, 0f, yd, yo, g.len);
    gemm.sgemm(true, true, g.d, n, r, 1f, rv, 0, g.d, rel, 0, r, 1f, yd, yo, g.len);
  }

  /**
   * Fills the valid blocks of {@code dropped} with each weight's keep factor ({@code 0} or {@code 1
   * / (1 - p)}), drawn in pair order on the calling thread so that the masks do not depend on the
   * thread count; returns the factor of a kept weight.
   */
  private static float drawKeep(Tensor dropped, Geometry g, double p, Rng rng) {
    // Four decisions per 64 random bits, as SpeechOps.dropout draws them.
    long threshold = Math.round(p * 65536);
    float scale = (float) (65536.0 / (65536 - threshold));
    float[] kd = dropped.data();
    long bits = 0;
    int used = 4;
    for (int pair = 0; pair < g.batch * g.heads; pair++) {
      int n = g.lengths[pair / g.heads];
      int o = g.pairOffset(dropped, pair);
      for (int k = 0; k < n * n; k++) {
        if (used == 4) {
          bits = rng.nextLong();
          used = 0;
        }
        kd[o + k] = (bits & 0xFFFF) < threshold ? 0f : scale;
        bits >>>= 16;
        used++;
      }
    }
    return scale;
  }

  // ---------------------------------------------------------------------------------- backward

  private static void backward(
      Gemm gemm,
      Geometry g,
      Var qkv,
      Var relKey,
      Var relValue,
      float[] rk,
      float[] rv,
      Tensor probs,
      Tensor dropped,
      float keepScale,
      Tensor dy) {
    boolean gx = qkv.requiresGrad();
    boolean gk = relKey.requiresGrad();
    boolean gv = relValue.requiresGrad();
    if (!gx && !gk && !gv) {
      return;
    }
    int pairs = g.batch * g.heads;
    int block = g.relRows * g.d;
    // Per-pair partial gradients of the shared embeddings, added in pair order below.
    float[] partK = gk ? new float[pairs * block] : null;
    float[] partV = gv ? new float[pairs * block] : null;
    Tensor gq = gx ? qkv.grad() : null;
    Threads.parallelRange(
        pairs,
        g.minPairsPerTask(),
        (from, to) -> {
          for (int p = from; p < to; p++) {
            backwardPair(
                gemm, g, p, qkv.value(), rk, rv, probs, dropped, keepScale, dy, gq, partK, partV);
          }
        });
    addPartials(relKey, partK, pairs, block);
    addPartials(relValue, partV, pairs, block);
  }

  private static void backwardPair(
      Gemm gemm,
      Geometry g,
      int p,
      Tensor qkv,
      float[] rk,
      float[] rv,
      Tensor probs,
      Tensor dropped,
      float keepScale,
      Tensor dy,
      Tensor gq,
      float[] partK,
      float[] partV) {
    int b = p / g.heads;
    int h = p % g.heads;
    int n = g.lengths[b];
    if (n == 0) {
      return;
    }
    int r = g.relRows;
    float[] x = qkv.data();
    int qo = g.queryOffset(qkv, b, h);
    int ko = qo + g.hidden * g.len;
    int vo = ko + g.hidden * g.len;
    float[] gd = dy.data();
    int go = dy.offset() + (b * g.hidden + h * g.d) * g.len;
    float[] pd = probs.data();
    int po = g.pairOffset(probs, p);
    float[] wd = dropped == null ? pd : dropped.data();
    int wo = dropped == null ? po : g.pairOffset(dropped, p);
    float[] buf = scratch(n * n + n * r);
    int rel = n * n; // [n, 2w + 1] after the [n, n] score gradient
    // dp' = dy^T V + (dy^T relValue^T)[i, r(i, j)].
    gemm.sgemm(true, false, n, n, g.d, 1f, gd, go, g.len, x, vo, g.len, 0f, buf, 0, n);
    gemm.sgemm(true, true, n, r, g.d, 1f, gd, go, g.len, rv, 0, g.d, 0f, buf, rel, r);
    for (int i = 0; i < n; i++) {
      addRelative(buf, i * n, n, i, g.window, buf, rel + i * r);
    }
    if (gq != null) {
      // dV += dy p'.
      int gvo = gq.offset() + (vo - qkv.offset());
      gemm.sgemm(false, false, g.d, n, n, 1f, gd, go, g.len, wd, wo, n, 1f, gq.data(), gvo, g.len);
    }
    if (partV != null) {
      // dRelValue += (sums of p' per offset)^T dy^T.
      for (int i = 0; i < n; i++) {
        sumByOffset(wd, wo + i * n, n, i, g.window, buf, rel + i * r);
      }
      gemm.sgemm(
          true, true, r, g.d, n, 1f, buf, rel, r, gd, go, g.len, 1f, partV, p * r * g.d, g.d);
    }
    // Through the dropout (a kept weight has a non-zero p' wherever p > 0; where p == 0 the
    // softmax's gradient below is zero anyway), then the softmax: ds = p (dp - sum_j p dp).
    for (int i = 0; i < n; i++) {
      int row = i * n;
      double dot = 0;
      for (int j = 0; j < n; j++) {
        float dp = buf[row + j];
        if (dropped != null) {
          dp = wd[wo + row + j] != 0f ? dp * keepScale : 0f;
        }
        buf[row + j] = dp;
        dot += (double) pd[po + row + j] * dp;
      }
      float m = (float) dot;
      for (int j = 0; j < n; j++) {
        buf[row + j] = pd[po + row + j] * (buf[row + j] - m);
      }
      sumByOffset(buf, row, n, i, g.window, buf, rel + i * r);
    }
    if (gq != null) {
      float[] gqd = gq.data();
      int gqo = gq.offset() + (qo - qkv.offset());
      int gko = gq.offset() + (ko - qkv.offset());
      // dQ += alpha (K ds^T + relKey^T dsRel^T); dK += alpha Q ds.
      gemm.sgemm(false, true, g.d, n, n, g.alpha, x, ko, g.len, buf, 0, n, 1f, gqd, gqo, g.len);
      gemm.sgemm(true, true, g.d, n, r, g.alpha, rk, 0, g.d, buf, rel, r, 1f, gqd, gqo, g.len);
      gemm.sgemm(false, false, g.d, n, n, g.alpha, x, qo, g.len, buf, 0, n, 1f, gqd, gko, g.len);
    }
    if (partK != null) {
      // dRelKey += alpha dsRel^T Q^T.
      gemm.sgemm(
          true, true, r, g.d, n, g.alpha, buf, rel, r, x, qo, g.len, 1f, partK, p * r * g.d, g.d);
    }
  }

  private static void addPartials(Var v, float[] part, int pairs, int block) {
    if (part == null) {
      return;
    }
    double[] acc = new double[block];
    for (int p = 0; p < pairs; p++) {
      for (int k = 0; k < block; k++) {
        acc[k] += part[p * block + k];
      }
    }
    Tensor gv = v.grad();
    float[] gd = gv.data();
    for (int k = 0; k < block; k++) {
      gd[gv.offset() + k] += (float) acc[k];
    }
  }

  // ---------------------------------------------------------------------------------- rows

  /** {@code row[j] += rel[r(i, j)]} for {@code j < n}: a relative term by clipped offset. */
  private static void addRelative(
      float[] row, int ro, int n, int i, int w, float[] rel, int relOff) {
    int lo = Math.max(0, i - w); // the first j whose offset is not clipped from below
    int hi = Math.min(n, i + w + 1);
    float first = rel[relOff];
    float last = rel[relOff + 2 * w];
    for (int j = 0; j < lo; j++) {
      row[ro + j] += first;
    }
    for (int j = lo; j < hi; j++) {
      row[ro + j] += rel[relOff + j - i + w];
    }
    for (int j = hi; j < n; j++) {
      row[ro + j] += last;
    }
  }

  /** {@code out[k] = sum_{j < n, r(i, j) = k} row[j]}: the adjoint of {@link #addRelative}. */
  private static void sumByOffset(
      float[] row, int ro, int n, int i, int w, float[] out, int outOff) {
    int lo = Math.max(0, i - w);
    int hi = Math.min(n, i + w + 1);
    Arrays.fill(out, outOff, outOff + 2 * w + 1, 0f);
    double first = 0;
    for (int j = 0; j < lo; j++) {
      first += row[ro + j];
    }
    double last = 0;
    for (int j = hi; j < n; j++) {
      last += row[ro + j];
    }
    for (int j = lo; j < hi; j++) {
      out[outOff + j - i + w] += row[ro + j];
    }
    out[outOff] += (float) first;
    out[outOff + 2 * w] += (float) last;
  }

  /**
   * A numerically stable softmax in place: {@code e_j = exp(s_j - max s)}, {@code p_j = e_j / sum
   * e}, with {@link VectorMath}'s bit-reproducible exp (its scalar twin in the tail).
   */
  private static void softmaxRow(float[] a, int o, int n) {
    float max = Float.NEGATIVE_INFINITY;
    for (int j = 0; j < n; j++) {
      max = Math.max(max, a[o + j]);
    }
    int j = 0;
    FloatVector mv = FloatVector.broadcast(SPECIES, max);
    for (int bound = SPECIES.loopBound(n); j < bound; j += SPECIES.length()) {
      VectorMath.exp(FloatVector.fromArray(SPECIES, a, o + j).sub(mv)).intoArray(a, o + j);
    }
    for (; j < n; j++) {
      a[o + j] = VectorMath.exp(a[o + j] - max);
    }
    double sum = 0;
    for (int k = 0; k < n; k++) {
      sum += a[o + k];
    }
    float inv = (float) (1 / sum);
    for (int k = 0; k < n; k++) {
      a[o + k] *= inv;
    }
  }

  // ---------------------------------------------------------------------------------- helpers

  /**
   * The valid length of every row of a prefix mask (the full length for a null mask).
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if the mask is not {@code [batch, 1, len]}
   * @throws IllegalArgumentException if a row is not 1 on a prefix and 0 after it
   */
  static int[] prefixLengths(Tensor mask, int batch, int len) {
    int[] n = new int[batch];
    if (mask == null) {
      Arrays.fill(n, len);
      return n;
    }
    Checks.requireShape(
        mask.shape().equals(Shape.of(batch, 1, len)),
        "relativeSelfAttention: mask must have shape [%d, 1, %d], but was %s",
        batch,
        len,
        mask.shape());
    for (int b = 0; b < batch; b++) {
      int t = 0;
      while (t < len && mask.getFlat(b * len + t) == 1f) {
        t++;
      }
      n[b] = t;
      for (int u = t; u < len; u++) {
        Checks.requireArgument(
            mask.getFlat(b * len + u) == 0f,
            "relativeSelfAttention: mask row %d must be 1 on a prefix and 0 after it, but has %s at"
                + " %d",
            b,
            mask.getFlat(b * len + u),
            u);
      }
    }
    return n;
  }

  /** This thread's scratch array of at least {@code size} floats (contents unspecified). */
  private static float[] scratch(int size) {
    float[] a = SCRATCH.get();
    if (a.length < size) {
      a = new float[Math.max(size, a.length * 2)];
      SCRATCH.set(a);
    }
    return a;
  }

  /** The sizes of one call. */
  private static final class Geometry {
    final int batch;
    final int hidden;
    final int len;
    final int heads;
    final int d;
    final int relRows;
    final int window;
    final float alpha;
    final int[] lengths;

    Geometry(int batch, int hidden, int len, int heads, int d, int relRows, int[] lengths) {
      this.batch = batch;
      this.hidden = hidden;
      this.len = len;
      this.heads = heads;
      this.d = d;
      this.relRows = relRows;
      this.window = (relRows - 1) / 2;
      this.alpha = (float) (1 / Math.sqrt(d));
      this.lengths = lengths;
    }

    /** Where the queries of head {@code h} of item {@code b} start in {@code qkv}. */
    int queryOffset(Tensor qkv, int b, int h) {
      return qkv.offset() + (b * 3 * hidden + h * d) * len;
    }

    /** Where pair {@code p}'s {@code [len, len]} block starts in {@code t}. */
    int pairOffset(Tensor t, int p) {
      return t.offset() + p * len * len;
    }

    /** Pairs per task: enough forward work (about {@code 8 len^2 d} FLOPs a pair) to pay off. */
    int minPairsPerTask() {
      long flops = Math.max(1L, 8L * len * len * d);
      return (int) Math.max(1, Math.min(batch * heads, MIN_FLOPS_PER_TASK / flops));
    }
  }
}
