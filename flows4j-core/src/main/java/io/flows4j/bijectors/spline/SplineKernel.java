package io.flows4j.bijectors.spline;

import io.flows4j.tensor.StableMath;

/**
 * The arithmetic of one element of a monotone rational-quadratic spline with linear tails (Durkan,
 * Bekasov, Murray & Papamakarios 2019, "Neural Spline Flows", section 3 and appendix A), in double
 * precision: knots from raw parameters, evaluation in either direction, and the backward rule with
 * respect to the input and to the raw parameters. {@link RationalQuadraticSpline} runs it over the
 * elements of a batch.
 *
 * <p><b>Parameters</b> of one element, {@code P = 3K - 1} raw values: {@code K} unnormalised bin
 * widths {@code uw}, {@code K} unnormalised heights {@code uh}, {@code K - 1} unnormalised
 * derivatives {@code ud} at the interior knots. Normalised widths are {@code wHat_k = minW + (1 - K
 * minW) softmax(uw)_k}, so every bin is at least {@code 2B minW} wide; knots {@code x_0 = -B},
 * {@code x_k = -B + 2B sum_{i<k} wHat_i}, {@code x_K = B} exactly (heights likewise). Interior
 * derivatives are {@code d_k = minD + softplus(ud_{k-1} + c)} with {@code c = softplus^-1(1 -
 * minD)}, so a zero raw value means derivative 1; the boundary derivatives are {@code d_0 = d_K =
 * 1}, which makes the spline join the identity tails with a continuous first derivative.
 *
 * <p><b>Evaluation</b> in bin {@code k} with {@code w = x_{k+1} - x_k}, {@code h = y_{k+1} - y_k},
 * {@code s = h / w}, {@code xi = (x - x_k) / w}, {@code t = xi (1 - xi)}:
 *
 * <pre>
 *   y     = y_k + h (s xi^2 + d_k t) / (s + (d_k + d_{k+1} - 2s) t)
 *   dy/dx = s^2 (d_{k+1} xi^2 + 2 s t + d_k (1 - xi)^2) / (s + (d_k + d_{k+1} - 2s) t)^2
 * </pre>
 *
 * <p>Outside {@code [-B, B]} the map is the identity with log-derivative 0, and nothing of the
 * spline is evaluated there (no knots, no bin index), so inputs of any magnitude stay finite.
 *
 * <p><b>Inverse</b>: {@code xi} is the root in {@code [0, 1]} of {@code a xi^2 + b xi + c = 0} with
 * {@code a = h (s - d_k) + D (y - y_k)}, {@code b = h d_k - D (y - y_k)}, {@code c = -s (y - y_k)}
 * and {@code D = d_k + d_{k+1} - 2s}, taken in the form that avoids cancellation: {@code 2c / (-b -
 * sqrt(b^2 - 4ac))} when {@code b >= 0} (the paper's form), else {@code (-b + sqrt(b^2 - 4ac)) /
 * (2a)}, where {@code a > 0}.
 *
 * <p><b>Backward.</b> Forward direction: with upstream gradients {@code gy} (of the output) and
 * {@code gL} (of {@code log dy/dx}), the chain rule through the local quantities {@code (xi, s, h,
 * d_k, d_{k+1}, y_k)}, then the knots ({@code dx_k / dwHat_i = 2B} for {@code i < k}, {@code dw /
 * dwHat_k = 2B}), then the softmax and softplus. Inverse direction, by implicit differentiation of
 * {@code f(x(y, theta), theta) = y}: {@code dL/dy = (gx - gLi L_x) / f'} and the parameters get the
 * forward rule evaluated at {@code x} with upstream {@code (-dL/dy, -gLi)}.
 */
final class SplineKernel {
  final int bins;
  final double tailBound;
  final double minBinWidth;
  final double minBinHeight;
  final double minDerivative;

  /** {@code softplus^-1(1 - minDerivative)}: a raw derivative of 0 means derivative 1. */
  final double derivativeShift;

  /** Raw parameters per element, {@code 3K - 1}. */
  final int paramsPerElement;

  /**
   * Floats per element of the stash that {@link #stash} writes after an evaluation for the backward
   * pass: the width and height probabilities ({@code 2K}), the two derivatives of the element's
   * bin, the sigmoids of their raw values and the bin index, {@code 2K + 5}. With it the backward
   * pass evaluates no transcendental function but a square root.
   */
  final int stashSize;

  SplineKernel(
      int bins, double tailBound, double minBinWidth, double minBinHeight, double minDerivative) {
    this.bins = bins;
    this.tailBound = tailBound;
    this.minBinWidth = minBinWidth;
    this.minBinHeight = minBinHeight;
    this.minDerivative = minDerivative;
    this.derivativeShift = StableMath.softplusInverse(1 - minDerivative);
    this.paramsPerElement = 3 * bins - 1;
    this.stashSize = 2 * bins + 5;
  }

  /**
   * Working memory for one thread: the parameters of the current element in prepared form
   * (probabilities, knots, interior derivatives) and the results of the last call.
   */
  static final class Scratch {
    /** Raw parameters of the element, {@code [uw (K), uh (K), ud (K-1)]}, for {@link #prepare}. */
    final double[] raw;

    /** Gradient with respect to the raw parameters, written by the backward methods. */
    final double[] gradRaw;

    /** Softmax probabilities of the widths and heights. */
    final double[] pw;

    final double[] ph;

    /** Knots {@code x_0 .. x_K} and {@code y_0 .. y_K}. */
    final double[] xs;

    final double[] ys;

    /** Interior derivatives {@code d_1 .. d_{K-1}} and the sigmoids of their raw values. */
    final double[] d;

    final double[] sig;

    /** The output of the last {@code forward} or {@code inverse}. */
    double value;

    /** {@code log|dout/din|} of the direction of the last {@code forward} or {@code inverse}. */
    double logDet;

    /** The gradient with respect to the input, from the last backward call. */
    double gradIn;

    /** The bin of the last element inside the bound. */
    int bin;

    // Local quantities of that bin: knot, width, height, slope, end derivatives and the sigmoids
    // of their raw values (1 for a boundary derivative, which has none).
    double xk;
    double wk;
    double yk;
    double hk;
    double sk;
    double dk;
    double dk1;
    double sigK;
    double sigK1;

    Scratch(int bins) {
      raw = new double[3 * bins - 1];
      gradRaw = new double[3 * bins - 1];
      pw = new double[bins];
      ph = new double[bins];
      xs = new double[bins + 1];
      ys = new double[bins + 1];
      d = new double[Math.max(0, bins - 1)];
      sig = new double[Math.max(0, bins - 1)];
    }
  }

  Scratch newScratch() {
    return new Scratch(bins);
  }

  /** Whether {@code v} lies in {@code [-B, B]}, where the spline applies (false for NaN). */
  boolean inside(double v) {
    return v >= -tailBound && v <= tailBound;
  }

  // ------------------------------------------------------------------ preparing the parameters

  /**
   * Prepares the element whose raw parameters are in {@code sc.raw}, in double: softmaxes with the
   * maximum subtracted, knots, interior derivatives and their sigmoids.
   */
  void prepare(Scratch sc) {
    softmax(sc.raw, 0, sc.pw);
    softmax(sc.raw, bins, sc.ph);
    cumulate(sc.pw, minBinWidth, sc.xs);
    cumulate(sc.ph, minBinHeight, sc.ys);
    int off = 2 * bins;
    for (int j = 0; j < bins - 1; j++) {
      double v = sc.raw[off + j] + derivativeShift;
      sc.d[j] = minDerivative + StableMath.softplus(v);
      sc.sig[j] = StableMath.sigmoid(v);
    }
  }

  /**
   * Writes the shifted arguments whose exponentials, softplus and sigmoid {@link #prepare(float[],
   * int, float[], float[], int, Scratch)} needs, so that a batch of elements can have them computed
   * by one vectorised call each: {@code e[eOff + i] = uw_i - max(uw)}, {@code e[eOff + K + i] =
   * uh_i - max(uh)}, {@code v[vOff + j] = ud_j + c}.
   */
  void shiftedArguments(float[] raw, int rawOff, float[] e, int eOff, float[] v, int vOff) {
    // Plain comparisons: Math.max(float, float) handles NaN and -0.0 and costs several times
    // more; a NaN parameter gives NaN outputs either way.
    float mw = raw[rawOff];
    float mh = raw[rawOff + bins];
    for (int i = 1; i < bins; i++) {
      float w = raw[rawOff + i];
      float h = raw[rawOff + bins + i];
      mw = w > mw ? w : mw;
      mh = h > mh ? h : mh;
    }
    for (int i = 0; i < bins; i++) {
      e[eOff + i] = raw[rawOff + i] - mw;
      e[eOff + bins + i] = raw[rawOff + bins + i] - mh;
    }
    float shift = (float) derivativeShift;
    for (int j = 0; j < bins - 1; j++) {
      v[vOff + j] = raw[rawOff + 2 * bins + j] + shift;
    }
  }

  /**
   * Prepares an element from the exponentials of its {@link #shiftedArguments} ({@code exp[eOff ..
   * eOff + 2K)}), their softplus ({@code sp[vOff .. vOff + K - 1)}) and sigmoid ({@code sg}, or
   * {@code null} when no backward pass follows), computed in float by a batch call.
   */
  void prepare(float[] exp, int eOff, float[] sp, float[] sg, int vOff, Scratch sc) {
    double sw = 0;
    double sh = 0;
    for (int i = 0; i < bins; i++) {
      sw += exp[eOff + i];
      sh += exp[eOff + bins + i];
    }
    double iw = 1 / sw;
    double ih = 1 / sh;
    for (int i = 0; i < bins; i++) {
      sc.pw[i] = exp[eOff + i] * iw;
      sc.ph[i] = exp[eOff + bins + i] * ih;
    }
    cumulate(sc.pw, minBinWidth, sc.xs);
    cumulate(sc.ph, minBinHeight, sc.ys);
    for (int j = 0; j < bins - 1; j++) {
      sc.d[j] = minDerivative + sp[vOff + j];
      sc.sig[j] = sg == null ? Double.NaN : sg[vOff + j];
    }
  }

  // ------------------------------------------------------------------ evaluation

  /**
   * Forward (data to latent) of one element; sets {@code sc.value} and {@code sc.logDet}. The raw
   * parameters must be in {@code sc.raw} when {@code x} is inside the bound.
   */
  void forward(double x, Scratch sc) {
    if (!inside(x)) {
      sc.value = x;
      sc.logDet = 0;
      return;
    }
    prepare(sc);
    forwardPrepared(x, sc);
  }

  /** Forward of an element inside the bound whose parameters are prepared. */
  void forwardPrepared(double x, Scratch sc) {
    local(sc, bin(sc.xs, x));
    double xi = clamp01((x - sc.xk) / sc.wk);
    double t = xi * (1 - xi);
    double den = sc.sk + (sc.dk + sc.dk1 - 2 * sc.sk) * t;
    double num = sc.sk * xi * xi + sc.dk * t;
    sc.value = sc.yk + sc.hk * num / den;
    sc.logDet = logDerivative(sc, xi, t, den);
  }

  /**
   * Inverse (latent to data) of one element; sets {@code sc.value} and {@code sc.logDet} (the
   * log-derivative of the inverse map, {@code -log f'(x)}).
   */
  void inverse(double y, Scratch sc) {
    if (!inside(y)) {
      sc.value = y;
      sc.logDet = 0;
      return;
    }
    prepare(sc);
    inversePrepared(y, sc);
  }

  /** Inverse of an element inside the bound whose parameters are prepared. */
  void inversePrepared(double y, Scratch sc) {
    local(sc, bin(sc.ys, y));
    double xi = solve(sc, y);
    double t = xi * (1 - xi);
    double den = sc.sk + (sc.dk + sc.dk1 - 2 * sc.sk) * t;
    sc.value = sc.xk + xi * sc.wk;
    sc.logDet = -logDerivative(sc, xi, t, den);
  }

  // ------------------------------------------------------------------ backward

  /**
   * Saves what the backward pass needs of the element just evaluated (inside the bound) to {@code
   * dst[off .. off + stashSize)}: the probabilities, the bin's derivatives and their sigmoids, the
   * bin.
   */
  void stash(Scratch sc, float[] dst, int off) {
    for (int i = 0; i < bins; i++) {
      dst[off + i] = (float) sc.pw[i];
      dst[off + bins + i] = (float) sc.ph[i];
    }
    int o = off + 2 * bins;
    dst[o] = (float) sc.dk;
    dst[o + 1] = (float) sc.dk1;
    dst[o + 2] = (float) sc.sigK;
    dst[o + 3] = (float) sc.sigK1;
    dst[o + 4] = sc.bin;
  }

  /** Restores the knots and the bin's local quantities from a {@link #stash}; returns the bin. */
  private int unstash(float[] src, int off, Scratch sc) {
    for (int i = 0; i < bins; i++) {
      sc.pw[i] = src[off + i];
      sc.ph[i] = src[off + bins + i];
    }
    cumulate(sc.pw, minBinWidth, sc.xs);
    cumulate(sc.ph, minBinHeight, sc.ys);
    int o = off + 2 * bins;
    int k = (int) src[o + 4];
    localKnots(sc, k);
    sc.dk = src[o];
    sc.dk1 = src[o + 1];
    sc.sigK = src[o + 2];
    sc.sigK1 = src[o + 3];
    return k;
  }

  /**
   * Backward of {@link #forward}: given {@code gy = dLoss/dy} and {@code gL = dLoss/d log f'}, sets
   * {@code sc.gradIn = dLoss/dx} and, when {@code x} is inside the bound, {@code sc.gradRaw}.
   * Recomputes everything from the raw parameters in {@code sc.raw}.
   *
   * @return whether {@code sc.gradRaw} was written (false in the tails, where it is zero)
   */
  boolean backwardForward(double x, double gy, double gL, Scratch sc) {
    if (!inside(x)) {
      sc.gradIn = gy;
      return false;
    }
    prepare(sc);
    int k = bin(sc.xs, x);
    local(sc, k);
    sc.gradIn = localBackward(sc, k, clamp01((x - sc.xk) / sc.wk), gy, gL);
    return true;
  }

  /**
   * As {@link #backwardForward(double, double, double, Scratch)}, from the {@link #stash} that the
   * forward pass wrote at {@code src[off]}.
   */
  boolean backwardForward(double x, double gy, double gL, Scratch sc, float[] src, int off) {
    if (!inside(x)) {
      sc.gradIn = gy;
      return false;
    }
    int k = unstash(src, off, sc);
    sc.gradIn = localBackward(sc, k, clamp01((x - sc.xk) / sc.wk), gy, gL);
    return true;
  }

  /**
   * Backward of {@link #inverse}: given {@code gx = dLoss/dx} (of the output) and {@code gLi =
   * dLoss/d(-log f')}, sets {@code sc.gradIn = dLoss/dy} and, inside the bound, {@code sc.gradRaw}.
   * Recomputes everything from the raw parameters in {@code sc.raw}.
   *
   * @return whether {@code sc.gradRaw} was written (false in the tails, where it is zero)
   */
  boolean backwardInverse(double y, double gx, double gLi, Scratch sc) {
    if (!inside(y)) {
      sc.gradIn = gx;
      return false;
    }
    prepare(sc);
    int k = bin(sc.ys, y);
    local(sc, k);
    inverseLocalBackward(y, gx, gLi, sc, k);
    return true;
  }

  /**
   * As {@link #backwardInverse(double, double, double, Scratch)}, from the {@link #stash} that the
   * inverse pass wrote at {@code src[off]}.
   */
  boolean backwardInverse(double y, double gx, double gLi, Scratch sc, float[] src, int off) {
    if (!inside(y)) {
      sc.gradIn = gx;
      return false;
    }
    int k = unstash(src, off, sc);
    inverseLocalBackward(y, gx, gLi, sc, k);
    return true;
  }

  private void inverseLocalBackward(double y, double gx, double gLi, Scratch sc, int k) {
    double xi = solve(sc, y);
    double s = sc.sk;
    double t = xi * (1 - xi);
    double dd = sc.dk + sc.dk1 - 2 * s;
    double den = s + dd * t;
    double u = 1 - xi;
    double q = sc.dk1 * xi * xi + 2 * s * t + sc.dk * u * u;
    double sd = s / den;
    double fPrime = sd * sd * q;
    double qXi = 2 * sc.dk1 * xi + 2 * s * (1 - 2 * xi) - 2 * sc.dk * u;
    double lXi = qXi / q - 2 * dd * (1 - 2 * xi) / den;
    double gy = (gx - gLi * lXi / sc.wk) / fPrime;
    sc.gradIn = gy;
    // The parameters' gradient is the forward rule at x with upstream (-dLoss/dy, -gLi).
    localBackward(sc, k, xi, -gy, -gLi);
  }

  /**
   * The chain rule inside bin {@code k} at {@code xi}; writes {@code sc.gradRaw} and returns the
   * gradient with respect to {@code x} at fixed parameters.
   */
  private double localBackward(Scratch sc, int k, double xi, double gy, double gL) {
    double s = sc.sk;
    double h = sc.hk;
    double w = sc.wk;
    double dk = sc.dk;
    double dk1 = sc.dk1;
    double u = 1 - xi;
    double t = xi * u;
    double dd = dk + dk1 - 2 * s;
    double den = s + dd * t;
    double num = s * xi * xi + dk * t;
    double r = num / den;
    double den2 = den * den;
    double q = dk1 * xi * xi + 2 * s * t + dk * u * u;

    double denXi = dd * (1 - 2 * xi);
    double numXi = 2 * s * xi + dk * (1 - 2 * xi);
    double rXi = (numXi * den - num * denXi) / den2;
    double rS = (xi * xi * den - num * (1 - 2 * t)) / den2;
    double rDk = t * (den - num) / den2;
    double rDk1 = -num * t / den2;

    double qXi = 2 * dk1 * xi + 2 * s * (1 - 2 * xi) - 2 * dk * u;
    double lXi = qXi / q - 2 * denXi / den;
    double lS = 2 / s + 2 * t / q - 2 * (1 - 2 * t) / den;
    double lDk = u * u / q - 2 * t / den;
    double lDk1 = xi * xi / q - 2 * t / den;

    double gXi = gy * h * rXi + gL * lXi;
    double gS = gy * h * rS + gL * lS;
    double gH = gy * r + gS / w;
    double gW = -(gXi * xi + gS * s) / w;
    double gXk = -gXi / w;
    double gYk = gy;
    double gDk = gy * h * rDk + gL * lDk;
    double gDk1 = gy * h * rDk1 + gL * lDk1;

    int kk = bins;
    softmaxBackward(sc.pw, minBinWidth, k, gXk, gW, sc.gradRaw, 0);
    softmaxBackward(sc.ph, minBinHeight, k, gYk, gH, sc.gradRaw, kk);
    int dOff = 2 * kk;
    for (int j = 0; j < kk - 1; j++) {
      sc.gradRaw[dOff + j] = 0;
    }
    if (k >= 1) {
      sc.gradRaw[dOff + k - 1] = gDk * sc.sigK;
    }
    if (k + 1 <= kk - 1) {
      sc.gradRaw[dOff + k] = gDk1 * sc.sigK1;
    }
    return gXi / w;
  }

  /**
   * Gradient of the raw widths (or heights) from the gradients of knot {@code k} and of bin {@code
   * k}'s width: {@code dwHat_i = 2B (gKnot [i < k] + gWidth [i = k])}, through {@code wHat = min +
   * (1 - K min) p} and the softmax, {@code du_i = p_i (dp_i - sum_j p_j dp_j)}.
   */
  private void softmaxBackward(
      double[] p, double min, int k, double gKnot, double gWidth, double[] out, int off) {
    double c = 2 * tailBound * (1 - bins * min);
    double below = 0;
    for (int i = 0; i < k; i++) {
      below += p[i];
    }
    double dot = c * (gKnot * below + gWidth * p[k]);
    // Three loops rather than one with a two-way condition per bin.
    double before = c * gKnot - dot;
    for (int i = 0; i < k; i++) {
      out[off + i] = p[i] * before;
    }
    out[off + k] = p[k] * (c * gWidth - dot);
    for (int i = k + 1; i < bins; i++) {
      out[off + i] = -p[i] * dot;
    }
  }

  /**
   * {@code log f'} at {@code xi} in the current bin, as one logarithm of {@code (s / den)^2 q}
   * (three logarithms cost three times as much); in double this neither overflows nor underflows
   * for any float parameters, derivatives up to 3e38 included.
   */
  private static double logDerivative(Scratch sc, double xi, double t, double den) {
    double u = 1 - xi;
    double q = sc.dk1 * xi * xi + 2 * sc.sk * t + sc.dk * u * u;
    double sd = sc.sk / den;
    return Math.log(sd * sd * q);
  }

  /** The root {@code xi} in {@code [0, 1]} for output {@code y} in the current bin. */
  private static double solve(Scratch sc, double y) {
    double dy = y - sc.yk;
    double dd = sc.dk + sc.dk1 - 2 * sc.sk;
    double a = sc.hk * (sc.sk - sc.dk) + dy * dd;
    double b = sc.hk * sc.dk - dy * dd;
    double c = -sc.sk * dy;
    double disc = Math.max(0, b * b - 4 * a * c);
    double root = Math.sqrt(disc);
    double xi;
    if (b >= 0) {
      double den = -b - root;
      xi = den == 0 ? 0 : 2 * c / den;
    } else {
      // b < 0 happens only with a > 0 (a root in [0, 1] needs it), and then -b + root adds terms
      // of one sign.
      xi = a == 0 ? 0 : (-b + root) / (2 * a);
    }
    return clamp01(xi);
  }

  private void softmax(double[] raw, int off, double[] p) {
    double m = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < bins; i++) {
      m = Math.max(m, raw[off + i]);
    }
    double sum = 0;
    for (int i = 0; i < bins; i++) {
      double e = Math.exp(raw[off + i] - m);
      p[i] = e;
      sum += e;
    }
    double inv = 1 / sum;
    for (int i = 0; i < bins; i++) {
      p[i] *= inv;
    }
  }

  /** Knots {@code -B, ..., B} from probabilities with a minimum share each; the ends exact. */
  private void cumulate(double[] p, double min, double[] knots) {
    double scale = 1 - bins * min;
    double span = 2 * tailBound;
    double acc = 0;
    knots[0] = -tailBound;
    for (int k = 0; k < bins - 1; k++) {
      acc += min + scale * p[k];
      knots[k + 1] = -tailBound + span * acc;
    }
    knots[bins] = tailBound;
  }

  /** The bin {@code k} in {@code [0, K-1]} with {@code knots[k] <= v} (v inside the bound). */
  private int bin(double[] knots, double v) {
    // The knots increase, so the bin is the number of interior knots <= v; counting needs no
    // branch that the processor could mispredict.
    int k = 0;
    for (int i = 1; i < bins; i++) {
      k += v >= knots[i] ? 1 : 0;
    }
    return k;
  }

  /** Loads bin {@code k}'s knot, width, height, slope and end derivatives into the scratch. */
  private void local(Scratch sc, int k) {
    localKnots(sc, k);
    // The boundary derivatives are 1 and have no raw value (sigmoid 1 is never used).
    sc.dk = k == 0 ? 1 : sc.d[k - 1];
    sc.sigK = k == 0 ? 1 : sc.sig[k - 1];
    sc.dk1 = k + 1 == bins ? 1 : sc.d[k];
    sc.sigK1 = k + 1 == bins ? 1 : sc.sig[k];
  }

  private static void localKnots(Scratch sc, int k) {
    sc.bin = k;
    sc.xk = sc.xs[k];
    sc.wk = sc.xs[k + 1] - sc.xs[k];
    sc.yk = sc.ys[k];
    sc.hk = sc.ys[k + 1] - sc.ys[k];
    sc.sk = sc.hk / sc.wk;
  }

  private static double clamp01(double v) {
    return v < 0 ? 0 : v > 1 ? 1 : v;
  }
}
