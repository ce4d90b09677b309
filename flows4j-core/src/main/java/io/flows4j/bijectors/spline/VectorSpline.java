package io.flows4j.bijectors.spline;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The forward (data to latent) direction of the rational-quadratic spline and its backward rule,
 * computed for {@code L} elements at once in the lanes of Vector-API vectors ({@code L} = the
 * number of doubles in the preferred vector, 8 with AVX-512). The arithmetic is that of {@link
 * SplineKernel} in the same order and precision: softmax exponentials, softplus and sigmoid of the
 * derivatives in float, everything else in double, so the two paths agree to a few float ulps.
 *
 * <p>A block is {@code L} consecutive elements of the flattened {@code (row, transformed feature)}
 * list; its raw parameters are copied into lane-major order (parameter {@code j} of every lane
 * contiguous) by a scalar transpose, which measured faster than gathers. Per-bin quantities live in
 * small per-thread {@code double[]} buffers rather than arrays of vectors (which C2 would not keep
 * in registers). The bin is selected without an index: the knots increase, so the masks {@code x >=
 * x_i} are monotone in {@code i}, and blending in each bin's quantities under them leaves those of
 * the element's bin.
 *
 * <p>The stash that the forward pass writes for the backward pass is {@link #stashSize} floats per
 * element, lane-major per block: the {@code 2K} probabilities, the bin's two derivatives and the
 * sigmoids of their raw values, the bin index ({@code -1} in the tails), {@code xi}, the bin width
 * and height. The backward pass needs neither the input nor any transcendental function.
 */
final class VectorSpline {
  static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;

  /** Lanes per block. */
  static final int L = DS.length();

  /** Float vectors of the same lane count, for the float part of the arithmetic. */
  static final VectorSpecies<Float> FS =
      VectorSpecies.of(float.class, VectorShape.forBitSize(DS.vectorBitSize() / 2));

  private final SplineKernel kernel;
  private final int bins;
  private final int params;

  /** Floats per element of the stash, {@code 2K + 8}. */
  final int stashSize;

  // Field offsets inside a stash block (times L).
  private final int fDk;
  private final int fDk1;
  private final int fSigK;
  private final int fSigK1;
  private final int fBin;
  private final int fXi;
  private final int fW;
  private final int fH;

  VectorSpline(SplineKernel kernel) {
    this.kernel = kernel;
    this.bins = kernel.bins;
    this.params = kernel.paramsPerElement;
    this.stashSize = 2 * bins + 8;
    this.fDk = 2 * bins;
    this.fDk1 = fDk + 1;
    this.fSigK = fDk + 2;
    this.fSigK1 = fDk + 3;
    this.fBin = fDk + 4;
    this.fXi = fDk + 5;
    this.fW = fDk + 6;
    this.fH = fDk + 7;
  }

  /** Whether this machine's vectors hold at least 4 doubles, below which blocks do not pay. */
  static boolean usable() {
    return L >= 4 && FS.length() == L;
  }

  /** Per-thread buffers of one block. */
  static final class Buffers {
    final int[] xAt = new int[L];
    final int[] pAt = new int[L];
    final int[] rowOf = new int[L];
    final float[] raw;
    final float[] e;
    final float[] v;
    final double[] ev;
    final double[] lp;
    final float[] xs = new float[L];
    final double[] pw;
    final double[] ph;
    final double[] kx;
    final double[] ky;
    final double[] dv;
    final double[] sg;
    final double[] out = new double[2 * L];
    final double[] x0 = new double[L];
    final double[] x = new double[L];
    final double[] xk = new double[L];
    final double[] w = new double[L];
    final double[] yk = new double[L];
    final double[] h = new double[L];
    final double[] kv = new double[L];
    final double[] dk = new double[L];
    final double[] dk1 = new double[L];
    final double[] sk = new double[L];
    final double[] sk1 = new double[L];
    final double[] xi = new double[L];
    // Backward: the gradients of the local quantities.
    final double[] gXi = new double[L];
    final double[] gS = new double[L];
    final double[] gH = new double[L];
    final double[] gDk = new double[L];
    final double[] gDk1 = new double[L];
    final double[] gXk = new double[L];
    final double[] gW = new double[L];
    final double[] gY = new double[L];
    final float[] grad;
    final double[] gz = new double[L];
    final double[] gl = new double[L];

    Buffers(int bins) {
      raw = new float[(3 * bins - 1) * L];
      e = new float[2 * bins * L];
      v = new float[(bins - 1) * L];
      ev = new double[(bins - 1) * L];
      lp = new double[(bins - 1) * L];
      pw = new double[bins * L];
      ph = new double[bins * L];
      kx = new double[(bins + 1) * L];
      ky = new double[(bins + 1) * L];
      dv = new double[(bins + 1) * L];
      sg = new double[(bins + 1) * L];
      grad = new float[(3 * bins - 1) * L];
    }
  }

  Buffers newBuffers() {
    return new Buffers(bins);
  }

  /**
   * Forward of the blocks {@code [bFrom, bTo)} of {@code n} elements: writes the transformed value
   * of each element inside the bound into {@code z} (which holds a copy of {@code x}), its
   * log-derivative (0 in the tails) into {@code lde[e]}, and the stash when {@code stash != null}.
   */
  void forward(
      Buffers b,
      int bFrom,
      int bTo,
      int n,
      int nt,
      int[] features,
      int[] groups,
      float[] xd,
      int xo,
      int d,
      float[] hd,
      int ho,
      int hc,
      float[] zd,
      int zo,
      float[] lde,
      int leo,
      float[] stash,
      int sto) {
    for (int blk = bFrom; blk < bTo; blk++) {
      int e0 = blk * L;
      int m = Math.min(L, n - e0);
      for (int l = 0; l < L; l++) {
        if (l < m) {
          int e = e0 + l;
          int r = e / nt;
          int t = e - r * nt;
          b.rowOf[l] = r;
          b.xAt[l] = r * d + features[t];
          int pAt = ho + r * hc + groups[t] * params;
          b.xs[l] = xd[xo + b.xAt[l]];
          for (int j = 0; j < params; j++) {
            b.raw[j * L + l] = hd[pAt + j];
          }
        } else {
          b.xs[l] = 0f;
          for (int j = 0; j < params; j++) {
            b.raw[j * L + l] = 0f;
          }
        }
      }
      // The exponentials and logarithms are this class's own polynomials in double, made of
      // basic IEEE operations only: a lanewise EXP or LOG gives results that differ by an ulp
      // between the interpreter, C1 and C2, so a model's density would change as it warms up.
      shiftedArguments(b);
      softmax(b, 0, b.pw);
      softmax(b, bins, b.ph);
      cumulate(b.pw, kernel.minBinWidth, b.kx);
      cumulate(b.ph, kernel.minBinHeight, b.ky);
      derivatives(b, stash != null);
      selectKnots(b);
      selectDerivatives(b);
      formula(b);
      if (stash != null) {
        stashLocal(b, stash, sto + blk * stashSize * L);
      }
      for (int l = 0; l < m; l++) {
        zd[zo + b.xAt[l]] = (float) b.out[l];
        // Math.log rather than a lanewise LOG: see the transcendental functions above.
        lde[leo + e0 + l] = b.kv[l] >= 0 ? (float) Math.log(b.out[L + l]) : 0f;
      }
    }
  }

  /**
   * The arguments of the transcendental functions of a block, lane-major: {@code e = u - max(u)}
   * for the widths and the heights (2K rows of L) and {@code v = ud + c} for the derivatives (K - 1
   * rows, zero-padded to whole vectors of the elementwise kernels).
   */
  private void shiftedArguments(Buffers b) {
    for (int g = 0; g < 2; g++) {
      int off = g * bins;
      FloatVector mx = FloatVector.fromArray(FS, b.raw, off * L);
      for (int i = 1; i < bins; i++) {
        mx = mx.max(FloatVector.fromArray(FS, b.raw, (off + i) * L));
      }
      for (int i = 0; i < bins; i++) {
        FloatVector.fromArray(FS, b.raw, (off + i) * L).sub(mx).intoArray(b.e, (off + i) * L);
      }
    }
    float shift = (float) kernel.derivativeShift;
    for (int j = 0; j < bins - 1; j++) {
      FloatVector.fromArray(FS, b.raw, (2 * bins + j) * L).add(shift).intoArray(b.v, j * L);
    }
  }

  /**
   * Softmax per lane from the exponentials at rows {@code off ..} of {@code b.e}, into {@code p}.
   */
  private void softmax(Buffers b, int off, double[] p) {
    for (int i = 0; i < bins; i++) {
      ((DoubleVector)
              FloatVector.fromArray(FS, b.e, (off + i) * L)
                  .convertShape(VectorOperators.F2D, DS, 0))
          .intoArray(p, i * L);
    }
    exp(p, bins);
    DoubleVector sum = DoubleVector.zero(DS);
    for (int i = 0; i < bins; i++) {
      sum = sum.add(DoubleVector.fromArray(DS, p, i * L));
    }
    DoubleVector inv = DoubleVector.broadcast(DS, 1.0).div(sum);
    for (int i = 0; i < bins; i++) {
      DoubleVector.fromArray(DS, p, i * L).mul(inv).intoArray(p, i * L);
    }
  }

  /** Knots {@code -B .. B} per lane, as {@link SplineKernel}'s cumulate. */
  private void cumulate(double[] p, double min, double[] knots) {
    double scale = 1 - bins * min;
    double span = 2 * kernel.tailBound;
    double lo = -kernel.tailBound;
    DoubleVector acc = DoubleVector.zero(DS);
    DoubleVector.broadcast(DS, lo).intoArray(knots, 0);
    for (int k = 0; k < bins - 1; k++) {
      acc = acc.add(DoubleVector.fromArray(DS, p, k * L).mul(scale).add(min));
      acc.mul(span).add(lo).intoArray(knots, (k + 1) * L);
    }
    DoubleVector.broadcast(DS, kernel.tailBound).intoArray(knots, bins * L);
  }

  /**
   * Derivatives at the knots {@code d_0 .. d_K} (the ends 1), {@code minD + softplus(v)} with
   * {@code softplus(v) = max(v, 0) + log1p(exp(-|v|))}, and, before a backward pass, the sigmoids
   * {@code 1 / (1 + e)} ({@code v >= 0}) or {@code e / (1 + e)} with {@code e = exp(-|v|)} (the
   * ends 1).
   */
  private void derivatives(Buffers b, boolean sigmoids) {
    DoubleVector one = DoubleVector.broadcast(DS, 1.0);
    one.intoArray(b.dv, 0);
    one.intoArray(b.dv, bins * L);
    one.intoArray(b.sg, 0);
    one.intoArray(b.sg, bins * L);
    int nd = bins - 1;
    for (int j = 0; j < nd; j++) {
      ((DoubleVector)
              FloatVector.fromArray(FS, b.v, j * L).convertShape(VectorOperators.F2D, DS, 0))
          .abs()
          .neg()
          .intoArray(b.ev, j * L);
    }
    exp(b.ev, nd);
    log1p(b.ev, b.lp, nd);
    double minD = kernel.minDerivative;
    for (int j = 0; j < nd; j++) {
      DoubleVector v =
          (DoubleVector)
              FloatVector.fromArray(FS, b.v, j * L).convertShape(VectorOperators.F2D, DS, 0);
      v.max(0.0)
          .add(DoubleVector.fromArray(DS, b.lp, j * L))
          .add(minD)
          .intoArray(b.dv, (j + 1) * L);
      if (sigmoids) {
        DoubleVector e = DoubleVector.fromArray(DS, b.ev, j * L);
        DoubleVector r = one.div(e.add(1.0));
        r.blend(e.mul(r), v.compare(VectorOperators.LT, 0.0)).intoArray(b.sg, (j + 1) * L);
      }
    }
  }

  /** {@code ln 2} split in a high part with zeros in its low bits and the rest (Cody-Waite). */
  private static final double LN2_HI = 0.6931471803691238;

  private static final double LN2_LO = 1.9082149292705877e-10;

  /** Inputs below this give 0 (float probabilities underflow long before). */
  private static final double EXP_MIN = -700;

  /**
   * {@code exp} in place on {@code rows} rows of {@code L} lanes of arguments {@code <= 0}: {@code
   * x = k ln 2 + r}, {@code |r| <= ln 2 / 2}, {@code exp(r)} by its Taylor polynomial to degree 12
   * (relative error below 1e-15), times {@code 2^k} built from its exponent bits; arguments below
   * {@link #EXP_MIN} give 0.
   */
  private static void exp(double[] a, int rows) {
    for (int j = 0; j < rows; j++) {
      DoubleVector x = DoubleVector.fromArray(DS, a, j * L);
      VectorMask<Double> tiny = x.compare(VectorOperators.LT, EXP_MIN);
      x = x.max(EXP_MIN);
      // For x <= 0, truncation of x / ln 2 - 1/2 towards zero rounds x / ln 2 to the nearest
      // integer (halves down).
      LongVector k =
          (LongVector) x.mul(1.4426950408889634).sub(0.5).convert(VectorOperators.D2L, 0);
      DoubleVector kd = (DoubleVector) k.convert(VectorOperators.L2D, 0);
      DoubleVector r = x.sub(kd.mul(LN2_HI)).sub(kd.mul(LN2_LO));
      DoubleVector p = r.mul(1.0 / 479001600).add(1.0 / 39916800);
      p = p.mul(r).add(1.0 / 3628800);
      p = p.mul(r).add(1.0 / 362880);
      p = p.mul(r).add(1.0 / 40320);
      p = p.mul(r).add(1.0 / 5040);
      p = p.mul(r).add(1.0 / 720);
      p = p.mul(r).add(1.0 / 120);
      p = p.mul(r).add(1.0 / 24);
      p = p.mul(r).add(1.0 / 6);
      p = p.mul(r).add(0.5);
      p = p.mul(r).add(1.0);
      p = p.mul(r).add(1.0);
      DoubleVector scale = k.add(1023L).lanewise(VectorOperators.LSHL, 52L).reinterpretAsDoubles();
      p.mul(scale).blend(0.0, tiny).intoArray(a, j * L);
    }
  }

  /**
   * {@code log1p(e)} for {@code e} in {@code [0, 1]}, {@code rows} rows of {@code L} lanes: {@code
   * 2 atanh(s)} with {@code s = e / (2 + e) <= 1/3}, by its series to {@code s^25} (relative error
   * below 1e-13).
   */
  private static void log1p(double[] e, double[] out, int rows) {
    for (int j = 0; j < rows; j++) {
      DoubleVector x = DoubleVector.fromArray(DS, e, j * L);
      DoubleVector s = x.div(x.add(2.0));
      DoubleVector s2 = s.mul(s);
      DoubleVector p = s2.mul(1.0 / 25).add(1.0 / 23);
      p = p.mul(s2).add(1.0 / 21);
      p = p.mul(s2).add(1.0 / 19);
      p = p.mul(s2).add(1.0 / 17);
      p = p.mul(s2).add(1.0 / 15);
      p = p.mul(s2).add(1.0 / 13);
      p = p.mul(s2).add(1.0 / 11);
      p = p.mul(s2).add(1.0 / 9);
      p = p.mul(s2).add(1.0 / 7);
      p = p.mul(s2).add(1.0 / 5);
      p = p.mul(s2).add(1.0 / 3);
      p = p.mul(s2).add(1.0);
      p.mul(s).mul(2.0).intoArray(out, j * L);
    }
  }

  /**
   * Selects each lane's bin: its left knot, width, height and end derivatives (and their sigmoids)
   * into the lane buffers, the bin index into {@code b.kv} ({@code -1} in the tails) and the input
   * (0 in the tails, where nothing of the spline is used) into {@code b.x}.
   */
  private void selectKnots(Buffers b) {
    double bound = kernel.tailBound;
    DoubleVector x0 =
        (DoubleVector) FloatVector.fromArray(FS, b.xs, 0).convertShape(VectorOperators.F2D, DS, 0);
    VectorMask<Double> inside =
        x0.compare(VectorOperators.GE, -bound).and(x0.compare(VectorOperators.LE, bound));
    x0.intoArray(b.x0, 0);
    DoubleVector x = DoubleVector.zero(DS).blend(x0, inside);
    x.intoArray(b.x, 0);
    DoubleVector xk = DoubleVector.fromArray(DS, b.kx, 0);
    DoubleVector xk1 = DoubleVector.fromArray(DS, b.kx, L);
    DoubleVector yk = DoubleVector.fromArray(DS, b.ky, 0);
    DoubleVector yk1 = DoubleVector.fromArray(DS, b.ky, L);
    DoubleVector kv = DoubleVector.zero(DS);
    for (int i = 1; i < bins; i++) {
      VectorMask<Double> ge =
          x.compare(VectorOperators.GE, DoubleVector.fromArray(DS, b.kx, i * L));
      xk = xk.blend(DoubleVector.fromArray(DS, b.kx, i * L), ge);
      xk1 = xk1.blend(DoubleVector.fromArray(DS, b.kx, (i + 1) * L), ge);
      yk = yk.blend(DoubleVector.fromArray(DS, b.ky, i * L), ge);
      yk1 = yk1.blend(DoubleVector.fromArray(DS, b.ky, (i + 1) * L), ge);
      kv = kv.blend((double) i, ge);
    }
    xk.intoArray(b.xk, 0);
    xk1.sub(xk).intoArray(b.w, 0);
    yk.intoArray(b.yk, 0);
    yk1.sub(yk).intoArray(b.h, 0);
    kv.blend(-1.0, inside.not()).intoArray(b.kv, 0);
  }

  /** As {@link #selectKnots}, for the end derivatives of each lane's bin and their sigmoids. */
  private void selectDerivatives(Buffers b) {
    DoubleVector x = DoubleVector.fromArray(DS, b.x, 0);
    DoubleVector dk = DoubleVector.fromArray(DS, b.dv, 0);
    DoubleVector dk1 = DoubleVector.fromArray(DS, b.dv, L);
    DoubleVector sk = DoubleVector.fromArray(DS, b.sg, 0);
    DoubleVector sk1 = DoubleVector.fromArray(DS, b.sg, L);
    for (int i = 1; i < bins; i++) {
      VectorMask<Double> ge =
          x.compare(VectorOperators.GE, DoubleVector.fromArray(DS, b.kx, i * L));
      dk = dk.blend(DoubleVector.fromArray(DS, b.dv, i * L), ge);
      dk1 = dk1.blend(DoubleVector.fromArray(DS, b.dv, (i + 1) * L), ge);
      sk = sk.blend(DoubleVector.fromArray(DS, b.sg, i * L), ge);
      sk1 = sk1.blend(DoubleVector.fromArray(DS, b.sg, (i + 1) * L), ge);
    }
    dk.intoArray(b.dk, 0);
    dk1.intoArray(b.dk1, 0);
    sk.intoArray(b.sk, 0);
    sk1.intoArray(b.sk1, 0);
  }

  /**
   * The rational-quadratic function and its derivative in each lane's bin: the value into {@code
   * b.out[0, L)} (the input itself in the tails), the derivative {@code (s / den)^2 q} into {@code
   * b.out[L, 2L)} (its logarithm is taken per lane), {@code xi} into {@code b.xi}.
   */
  private void formula(Buffers b) {
    DoubleVector kv = DoubleVector.fromArray(DS, b.kv, 0);
    VectorMask<Double> inside = kv.compare(VectorOperators.GE, 0.0);
    DoubleVector x = DoubleVector.fromArray(DS, b.x, 0);
    DoubleVector w = DoubleVector.fromArray(DS, b.w, 0);
    DoubleVector h = DoubleVector.fromArray(DS, b.h, 0);
    DoubleVector dk = DoubleVector.fromArray(DS, b.dk, 0);
    DoubleVector dk1 = DoubleVector.fromArray(DS, b.dk1, 0);
    DoubleVector s = h.div(w);
    DoubleVector xi = x.sub(DoubleVector.fromArray(DS, b.xk, 0)).div(w).max(0.0).min(1.0);
    xi.intoArray(b.xi, 0);
    DoubleVector u = DoubleVector.broadcast(DS, 1.0).sub(xi);
    DoubleVector t = xi.mul(u);
    DoubleVector den = s.add(dk.add(dk1).sub(s.mul(2)).mul(t));
    DoubleVector num = s.mul(xi).mul(xi).add(dk.mul(t));
    DoubleVector y = DoubleVector.fromArray(DS, b.yk, 0).add(h.mul(num).div(den));
    DoubleVector q = dk1.mul(xi).mul(xi).add(s.mul(2).mul(t)).add(dk.mul(u).mul(u));
    DoubleVector sd = s.div(den);
    DoubleVector.fromArray(DS, b.x0, 0).blend(y, inside).intoArray(b.out, 0);
    sd.mul(sd).mul(q).intoArray(b.out, L);
  }

  /** Writes the stash fields of the bin (derivatives, sigmoids, bin, xi, width, height). */
  private void stashLocal(Buffers b, float[] stash, int so) {
    put(stash, so + fDk * L, DoubleVector.fromArray(DS, b.dk, 0));
    put(stash, so + fDk1 * L, DoubleVector.fromArray(DS, b.dk1, 0));
    put(stash, so + fSigK * L, DoubleVector.fromArray(DS, b.sk, 0));
    put(stash, so + fSigK1 * L, DoubleVector.fromArray(DS, b.sk1, 0));
    put(stash, so + fBin * L, DoubleVector.fromArray(DS, b.kv, 0));
    put(stash, so + fXi * L, DoubleVector.fromArray(DS, b.xi, 0));
    put(stash, so + fW * L, DoubleVector.fromArray(DS, b.w, 0));
    put(stash, so + fH * L, DoubleVector.fromArray(DS, b.h, 0));
    for (int j = 0; j < bins; j++) {
      put(stash, so + j * L, DoubleVector.fromArray(DS, b.pw, j * L));
      put(stash, so + (bins + j) * L, DoubleVector.fromArray(DS, b.ph, j * L));
    }
  }

  private static void put(float[] dst, int off, DoubleVector v) {
    ((FloatVector) v.convertShape(VectorOperators.D2F, FS, 0)).intoArray(dst, off);
  }

  private static DoubleVector get(float[] src, int off) {
    return (DoubleVector)
        FloatVector.fromArray(FS, src, off).convertShape(VectorOperators.F2D, DS, 0);
  }

  /**
   * Backward of {@link #forward} for the blocks {@code [bFrom, bTo)}: adds {@code dLoss/dx} into
   * {@code gxd} (when not null) and {@code dLoss/dparams} into {@code ghd} (when not null) for
   * every transformed element, from the upstream gradients {@code gzd} of the value and {@code gld}
   * of the row's log-determinant (either may be null, meaning zero).
   */
  void backward(
      Buffers b,
      int bFrom,
      int bTo,
      int n,
      int nt,
      int[] features,
      int[] groups,
      int d,
      int hc,
      float[] gzd,
      int gzo,
      float[] gld,
      int glo,
      float[] gxd,
      int gxo,
      float[] ghd,
      int gho,
      float[] stash,
      int sto) {
    for (int blk = bFrom; blk < bTo; blk++) {
      int e0 = blk * L;
      int m = Math.min(L, n - e0);
      for (int l = 0; l < L; l++) {
        if (l < m) {
          int e = e0 + l;
          int r = e / nt;
          int t = e - r * nt;
          b.xAt[l] = r * d + features[t];
          b.pAt[l] = r * hc + groups[t] * params;
          b.gz[l] = gzd == null ? 0 : gzd[gzo + b.xAt[l]];
          b.gl[l] = gld == null ? 0 : gld[glo + r];
        } else {
          b.gz[l] = 0;
          b.gl[l] = 0;
        }
      }
      int so = sto + blk * stashSize * L;
      localBackward(b, stash, so);
      for (int l = 0; l < m; l++) {
        if (gxd != null) {
          gxd[gxo + b.xAt[l]] += (float) b.out[l];
        }
        if (ghd != null) {
          int at = gho + b.pAt[l];
          for (int j = 0; j < params; j++) {
            ghd[at + j] += b.grad[j * L + l];
          }
        }
      }
    }
  }

  /**
   * The chain rule of {@link SplineKernel}'s backward for one block: {@code dLoss/dx} into {@code
   * b.out[0, L)} (the upstream value gradient in the tails) and the raw parameters' gradients into
   * {@code b.grad} (0 in the tails). Split into methods of a few dozen vector operations each, the
   * size up to which C2 inlines the whole Vector API and keeps every vector in registers.
   */
  private void localBackward(Buffers b, float[] stash, int so) {
    valueBackward(b, stash, so);
    logBackward(b, stash, so);
    combineBackward(b, stash, so);
    softmaxBackward(b, stash, so, 0, kernel.minBinWidth, b.gXk, b.gW, 0);
    softmaxBackward(b, stash, so, bins, kernel.minBinHeight, b.gY, b.gH, bins);
    derivativeBackward(b, stash, so);
  }

  /**
   * The value's part: {@code gy h dr/d(xi, s, d_k, d_k1)} into {@code gXi, gS, gDk, gDk1} and
   * {@code gy r} into {@code gH}, with {@code r = num / den} the rational function; {@code gy} is 0
   * in the tails.
   */
  private void valueBackward(Buffers b, float[] stash, int so) {
    DoubleVector kv = get(stash, so + fBin * L);
    VectorMask<Double> inside = kv.compare(VectorOperators.GE, 0.0);
    DoubleVector gy = DoubleVector.zero(DS).blend(DoubleVector.fromArray(DS, b.gz, 0), inside);
    DoubleVector xi = get(stash, so + fXi * L);
    DoubleVector h = get(stash, so + fH * L);
    DoubleVector dk = get(stash, so + fDk * L);
    DoubleVector dk1 = get(stash, so + fDk1 * L);
    DoubleVector s = h.div(get(stash, so + fW * L));
    DoubleVector one = DoubleVector.broadcast(DS, 1.0);
    DoubleVector t = xi.mul(one.sub(xi));
    DoubleVector dd = dk.add(dk1).sub(s.mul(2));
    DoubleVector den = s.add(dd.mul(t));
    DoubleVector xi2 = xi.mul(xi);
    DoubleVector num = s.mul(xi2).add(dk.mul(t));
    DoubleVector den2 = den.mul(den);
    DoubleVector oneM2xi = one.sub(xi.mul(2));
    DoubleVector denXi = dd.mul(oneM2xi);
    DoubleVector numXi = s.mul(2).mul(xi).add(dk.mul(oneM2xi));
    DoubleVector rXi = numXi.mul(den).sub(num.mul(denXi)).div(den2);
    DoubleVector rS = xi2.mul(den).sub(num.mul(one.sub(t.mul(2)))).div(den2);
    DoubleVector rDk = t.mul(den.sub(num)).div(den2);
    DoubleVector rDk1 = num.neg().mul(t).div(den2);
    DoubleVector gyh = gy.mul(h);
    gyh.mul(rXi).intoArray(b.gXi, 0);
    gyh.mul(rS).intoArray(b.gS, 0);
    gyh.mul(rDk).intoArray(b.gDk, 0);
    gyh.mul(rDk1).intoArray(b.gDk1, 0);
    gy.mul(num.div(den)).intoArray(b.gH, 0);
    gy.intoArray(b.gY, 0);
  }

  /**
   * The log-derivative's part: adds {@code gL dlog f'/d(xi, s, d_k, d_k1)} to {@code gXi, gS, gDk,
   * gDk1}; {@code gL} is 0 in the tails.
   */
  private void logBackward(Buffers b, float[] stash, int so) {
    DoubleVector kv = get(stash, so + fBin * L);
    VectorMask<Double> inside = kv.compare(VectorOperators.GE, 0.0);
    DoubleVector gL = DoubleVector.zero(DS).blend(DoubleVector.fromArray(DS, b.gl, 0), inside);
    DoubleVector xi = get(stash, so + fXi * L);
    DoubleVector dk = get(stash, so + fDk * L);
    DoubleVector dk1 = get(stash, so + fDk1 * L);
    DoubleVector s = get(stash, so + fH * L).div(get(stash, so + fW * L));
    DoubleVector one = DoubleVector.broadcast(DS, 1.0);
    DoubleVector u = one.sub(xi);
    DoubleVector t = xi.mul(u);
    DoubleVector dd = dk.add(dk1).sub(s.mul(2));
    DoubleVector den = s.add(dd.mul(t));
    DoubleVector xi2 = xi.mul(xi);
    DoubleVector q = dk1.mul(xi2).add(s.mul(2).mul(t)).add(dk.mul(u).mul(u));
    DoubleVector oneM2xi = one.sub(xi.mul(2));
    DoubleVector qXi = dk1.mul(2).mul(xi).add(s.mul(2).mul(oneM2xi)).sub(dk.mul(2).mul(u));
    DoubleVector lXi = qXi.div(q).sub(dd.mul(oneM2xi).mul(2).div(den));
    DoubleVector lS =
        DoubleVector.broadcast(DS, 2.0)
            .div(s)
            .add(t.mul(2).div(q))
            .sub(one.sub(t.mul(2)).mul(2).div(den));
    DoubleVector twoTden = t.mul(2).div(den);
    DoubleVector lDk = u.mul(u).div(q).sub(twoTden);
    DoubleVector lDk1 = xi2.div(q).sub(twoTden);
    DoubleVector.fromArray(DS, b.gXi, 0).add(gL.mul(lXi)).intoArray(b.gXi, 0);
    DoubleVector.fromArray(DS, b.gS, 0).add(gL.mul(lS)).intoArray(b.gS, 0);
    DoubleVector.fromArray(DS, b.gDk, 0).add(gL.mul(lDk)).intoArray(b.gDk, 0);
    DoubleVector.fromArray(DS, b.gDk1, 0).add(gL.mul(lDk1)).intoArray(b.gDk1, 0);
  }

  /**
   * From the gradients of {@code (xi, s)} to those of the knot, width and height of the bin, and
   * {@code dLoss/dx} into {@code b.out[0, L)}.
   */
  private void combineBackward(Buffers b, float[] stash, int so) {
    DoubleVector kv = get(stash, so + fBin * L);
    VectorMask<Double> inside = kv.compare(VectorOperators.GE, 0.0);
    DoubleVector xi = get(stash, so + fXi * L);
    DoubleVector w = get(stash, so + fW * L);
    DoubleVector s = get(stash, so + fH * L).div(w);
    DoubleVector gXi = DoubleVector.fromArray(DS, b.gXi, 0);
    DoubleVector gS = DoubleVector.fromArray(DS, b.gS, 0);
    DoubleVector.fromArray(DS, b.gH, 0).add(gS.div(w)).intoArray(b.gH, 0);
    gXi.mul(xi).add(gS.mul(s)).neg().div(w).intoArray(b.gW, 0);
    gXi.neg().div(w).intoArray(b.gXk, 0);
    DoubleVector.fromArray(DS, b.gz, 0).blend(gXi.div(w), inside).intoArray(b.out, 0);
  }

  /** The gradients of the raw interior derivatives: through the softplus, its sigmoid. */
  private void derivativeBackward(Buffers b, float[] stash, int so) {
    DoubleVector kv = get(stash, so + fBin * L);
    DoubleVector a = DoubleVector.fromArray(DS, b.gDk, 0).mul(get(stash, so + fSigK * L));
    DoubleVector c = DoubleVector.fromArray(DS, b.gDk1, 0).mul(get(stash, so + fSigK1 * L));
    DoubleVector zero = DoubleVector.zero(DS);
    for (int j = 0; j < bins - 1; j++) {
      DoubleVector g =
          zero.blend(a, kv.compare(VectorOperators.EQ, (double) (j + 1)))
              .blend(c, kv.compare(VectorOperators.EQ, (double) j));
      put(b.grad, (2 * bins + j) * L, g);
    }
  }

  /**
   * The softmax part of the backward rule for the probabilities stashed at field {@code field}:
   * {@code du_i = p_i (c (gKnot [i < k] + gWidth [i = k]) - dot)}, 0 in the tails.
   */
  private void softmaxBackward(
      Buffers b,
      float[] stash,
      int so,
      int field,
      double min,
      double[] gKnotLanes,
      double[] gWidthLanes,
      int outField) {
    double c = 2 * kernel.tailBound * (1 - bins * min);
    DoubleVector kv = get(stash, so + fBin * L);
    VectorMask<Double> inside = kv.compare(VectorOperators.GE, 0.0);
    DoubleVector gKnot = DoubleVector.fromArray(DS, gKnotLanes, 0);
    DoubleVector gWidth = DoubleVector.fromArray(DS, gWidthLanes, 0);
    DoubleVector below = DoubleVector.zero(DS);
    DoubleVector pk = DoubleVector.zero(DS);
    for (int i = 0; i < bins; i++) {
      DoubleVector p = get(stash, so + (field + i) * L);
      below = below.add(p, kv.compare(VectorOperators.GT, (double) i));
      pk = pk.blend(p, kv.compare(VectorOperators.EQ, (double) i));
    }
    DoubleVector dot = gKnot.mul(below).add(gWidth.mul(pk)).mul(c);
    DoubleVector before = gKnot.mul(c).sub(dot);
    DoubleVector at = gWidth.mul(c).sub(dot);
    DoubleVector after = dot.neg();
    DoubleVector zero = DoubleVector.zero(DS);
    for (int i = 0; i < bins; i++) {
      DoubleVector p = get(stash, so + (field + i) * L);
      DoubleVector f =
          after
              .blend(before, kv.compare(VectorOperators.GT, (double) i))
              .blend(at, kv.compare(VectorOperators.EQ, (double) i));
      put(b.grad, (outField + i) * L, zero.blend(p.mul(f), inside));
    }
  }
}
