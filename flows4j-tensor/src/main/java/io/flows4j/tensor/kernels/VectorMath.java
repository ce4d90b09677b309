package io.flows4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Float transcendental functions on {@link FloatVector} built only from IEEE-exact operations (add,
 * sub, mul, div, fma, compares, blends and integer bit manipulation of the exponent), so that their
 * results are the same bits in every execution mode: interpreted, C1, C2, with or without the
 * Vector API intrinsics. Each vector function has a scalar twin of the same name taking a {@code
 * float}, which executes the same sequence of operations with {@link Math#fma(float, float, float)}
 * and gives bit-identical results to every lane; vector kernels use the twin in their scalar tails,
 * so a value does not depend on whether it landed in a vector lane or in the tail.
 *
 * <p>Why: the Vector API's {@code lanewise(EXP / LOG / TANH / EXPM1 / LOG1P)} run a Java fallback
 * when interpreted or C1-compiled and an intrinsic short-vector math routine once C2 compiles them;
 * the two differ in the last bits, which made seeded training depend on JIT timing (see {@code
 * docs/design-notes.md}, "Reproducible vector transcendentals").
 *
 * <p>Method: Cody–Waite range reduction ({@code x = n ln2 + r}, {@code |r| <= ln2 / 2}, {@code ln2}
 * split in two floats, the products taken exactly by fma) and polynomials fitted for minimal
 * relative error by {@code scripts/fit-vector-math.py}, evaluated by Horner's rule with fma; {@code
 * log} uses {@code log(1 + f) = 2 atanh(f / (2 + f))} on a mantissa in {@code [sqrt(1/2),
 * sqrt(2))}. Maximum errors measured against {@link StrictMath} in double over dense sweeps of the
 * float range (the test {@code VectorMathTest} holds these bounds): {@code exp} 1.1 ulp, {@code
 * log} and {@code log1p} 0.9 ulp, {@code expm1} and {@code softplus} 1.7 ulp, {@code sigmoid} 2.4
 * ulp, {@code tanh} 2.6 ulp.
 *
 * <p>Special values follow {@link Math}: NaN gives NaN; {@code exp} overflows to {@code +Inf} above
 * {@code ln(Float.MAX_VALUE) = 88.72} and underflows gradually (subnormal results, rounded once) to
 * {@code 0} below {@code -103.97}; {@code exp(-Inf) = 0}; {@code log(0) = -Inf}, {@code log} of a
 * negative number is NaN, {@code log(+Inf) = +Inf}, subnormal arguments are exact; {@code
 * expm1(-Inf) = -1}; {@code log1p(-1) = -Inf}; {@code tanh(+-Inf) = +-1}; signed zeros are kept by
 * {@code expm1}, {@code log1p} and {@code tanh}, whose results near 0 have small relative error.
 *
 * <p>The functions accept vectors of any species. They are static and allocation-free once C2 has
 * compiled the caller; call them from a loop over {@code FloatVector.SPECIES_PREFERRED}.
 */
public final class VectorMath {
  private VectorMath() {}

  // ---- constants shared by the vector functions and their scalar twins ----

  /** {@code 1.5 * 2^23}: adding it rounds a float of magnitude below 2^22 to an integer. */
  private static final float MAGIC = 12582912f;

  private static final int MAGIC_BITS = Float.floatToRawIntBits(MAGIC);
  private static final float LOG2E = 1.442695f;

  /** {@code ln 2} rounded to float, and the rest {@code ln 2 - LN2_HI}. */
  private static final float LN2_HI = 0.6931472f;

  private static final float LN2_LO = -1.9046542e-9f;

  /**
   * Coefficients of {@code expm1(r) = r + r^2 (E0 + E1 r + ... + E4 r^4)}, {@code |r| <= ln2/2}.
   */
  private static final float E0 = 0.49999997f;

  private static final float E1 = 0.16666543f;
  private static final float E2 = 0.0416672f;
  private static final float E3 = 0.008366514f;
  private static final float E4 = 0.0013882522f;

  /** Coefficients of {@code 2 atanh(s) = 2s + s z (L1 + L2 z + L3 z^2)}, {@code z = s^2}. */
  private static final float L1 = 0.66666776f;

  private static final float L2 = 0.39977574f;
  private static final float L3 = 0.29870936f;

  /** Arguments of exp clamped to this range give the same result as any argument beyond it. */
  private static final float EXP_HI = 100f;

  private static final float EXP_LO = -104f;

  /** Below this, {@code expm1(x)} rounds to -1. */
  private static final float EXPM1_LO = -20f;

  /** Above this power of two, {@code expm1} scales as {@code exp} does (2^n may not be a float). */
  private static final float EXPM1_BIG_N = 64f;

  /** Above this, {@code tanh(|x|)} rounds to 1 (the error of the formula is below 2^-27 there). */
  private static final float TANH_SATURATION = 10f;

  /** Bits of {@code sqrt(1/2)}: the reduced mantissa of log lies in {@code [sqrt(1/2), sqrt 2)}. */
  private static final int SQRT_HALF_BITS = 0x3f3504f3;

  /** The float whose bits are {@code SQRT_HALF_BITS + 2^23}, i.e. twice {@code sqrt(1/2)}. */
  private static final float SQRT_TWO = 1.4142135f;

  private static final int ONE_BITS = 0x3f800000;
  private static final int MANTISSA_MASK = 0x007fffff;
  private static final int SIGN_MASK = 0x80000000;
  private static final float TWO_POW_23 = 8388608f;

  /** The species of the array functions (a constant, so that C2 compiles their loops). */
  private static final VectorSpecies<Float> PREFERRED = FloatVector.SPECIES_PREFERRED;

  /** Floats per block of the two-loop softplus. */
  private static final int SOFTPLUS_BLOCK = 256;

  // ---- exp ----

  /**
   * {@code exp(x)} per lane, within 1.1 ulp; see the class comment for special values.
   *
   * @param x any vector
   * @return {@code exp(x)}, same species
   */
  public static FloatVector exp(FloatVector x) {
    FloatVector xc = clamp(x, EXP_LO, EXP_HI);
    FloatVector t = xc.fma(LOG2E, MAGIC);
    FloatVector n = t.sub(MAGIC);
    IntVector ni = t.reinterpretAsInts().sub(MAGIC_BITS);
    FloatVector r = n.fma(n.broadcast(-LN2_HI), xc);
    r = n.fma(n.broadcast(-LN2_LO), r);
    FloatVector p = expm1Reduced(r).add(1f);
    return scaleTwice(p, ni);
  }

  /** Scalar twin of {@link #exp(FloatVector)}: the same bits as a lane. */
  public static float exp(float x) {
    float xc = clamp(x, EXP_LO, EXP_HI);
    float t = Math.fma(xc, LOG2E, MAGIC);
    float n = t - MAGIC;
    int ni = Float.floatToRawIntBits(t) - MAGIC_BITS;
    float r = Math.fma(n, -LN2_HI, xc);
    r = Math.fma(n, -LN2_LO, r);
    float p = expm1Reduced(r) + 1f;
    return scaleTwice(p, ni);
  }

  // ---- expm1 ----

  /**
   * {@code exp(x) - 1} per lane, within 1.7 ulp, with small relative error near 0; {@code expm1(-0)
   * = -0}.
   *
   * @param x any vector
   * @return {@code expm1(x)}, same species
   */
  public static FloatVector expm1(FloatVector x) {
    FloatVector xc = clamp(x, EXPM1_LO, EXP_HI);
    FloatVector t = xc.fma(LOG2E, MAGIC);
    FloatVector n = t.sub(MAGIC);
    IntVector ni = t.reinterpretAsInts().sub(MAGIC_BITS);
    FloatVector r = n.fma(n.broadcast(-LN2_HI), xc);
    r = n.fma(n.broadcast(-LN2_LO), r);
    FloatVector q = expm1Reduced(r);
    // exp(x) - 1 = 2^n q + (2^n - 1): one rounding, and 2^n - 1 is exact for |n| <= 24.
    FloatVector s =
        ni.min((int) EXPM1_BIG_N).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    FloatVector small = s.fma(q, s.sub(1f));
    FloatVector big = scaleTwice(q.add(1f), ni);
    FloatVector y = small.blend(big, n.compare(VectorOperators.GT, EXPM1_BIG_N));
    return y.blend(x, x.compare(VectorOperators.EQ, 0f));
  }

  /** Scalar twin of {@link #expm1(FloatVector)}: the same bits as a lane. */
  public static float expm1(float x) {
    float xc = clamp(x, EXPM1_LO, EXP_HI);
    float t = Math.fma(xc, LOG2E, MAGIC);
    float n = t - MAGIC;
    int ni = Float.floatToRawIntBits(t) - MAGIC_BITS;
    float r = Math.fma(n, -LN2_HI, xc);
    r = Math.fma(n, -LN2_LO, r);
    float q = expm1Reduced(r);
    float s = Float.intBitsToFloat((Math.min(ni, (int) EXPM1_BIG_N) + 127) << 23);
    float small = Math.fma(s, q, s - 1f);
    float big = scaleTwice(q + 1f, ni);
    float y = n > EXPM1_BIG_N ? big : small;
    return x == 0f ? x : y;
  }

  // ---- log ----

  /**
   * {@code ln(x)} per lane, within 0.9 ulp; {@code log(0) = -Inf}, negative arguments give NaN.
   *
   * @param x any vector
   * @return {@code log(x)}, same species
   */
  public static FloatVector log(FloatVector x) {
    // Subnormals: scale into the normal range first, then take 23 off the exponent.
    VectorMask<Float> sub = x.compare(VectorOperators.LT, Float.MIN_NORMAL);
    FloatVector xs = x.blend(x.mul(TWO_POW_23), sub);
    FloatVector bias = x.broadcast(0f).blend(-23f, sub);
    FloatVector y = logReduced(xs, bias, x.broadcast(0f));
    y = y.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, 0f));
    y = y.blend(Float.NaN, x.compare(VectorOperators.LT, 0f));
    VectorMask<Float> passThrough =
        x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY).or(x.compare(VectorOperators.NE, x));
    return y.blend(x, passThrough);
  }

  /** Scalar twin of {@link #log(FloatVector)}: the same bits as a lane. */
  public static float log(float x) {
    boolean sub = x < Float.MIN_NORMAL;
    float xs = sub ? x * TWO_POW_23 : x;
    float bias = sub ? -23f : 0f;
    float y = logReduced(xs, bias, 0f);
    y = x == 0f ? Float.NEGATIVE_INFINITY : y;
    y = x < 0f ? Float.NaN : y;
    return x == Float.POSITIVE_INFINITY || Float.isNaN(x) ? x : y;
  }

  // ---- log1p ----

  /**
   * {@code ln(1 + x)} per lane, within 0.9 ulp, with small relative error near 0; {@code log1p(-1)
   * = -Inf}, arguments below -1 give NaN, {@code log1p(-0) = -0}.
   *
   * @param x any vector
   * @return {@code log1p(x)}, same species
   */
  public static FloatVector log1p(FloatVector x) {
    FloatVector u = x.add(1f);
    // The rounding error of 1 + x, exactly (Fast2Sum with the larger operand first), divided by u:
    // log(1 + x) = log(u) + log(1 + c/u) = log(u) + c/u to first order.
    FloatVector cSmall = x.sub(u.sub(1f));
    FloatVector cLarge = x.broadcast(1f).sub(u.sub(x));
    FloatVector c = cSmall.blend(cLarge, x.abs().compare(VectorOperators.GT, 1f));
    FloatVector y = logReduced(u, x.broadcast(0f), c.div(u));
    y = y.blend(Float.NEGATIVE_INFINITY, x.compare(VectorOperators.EQ, -1f));
    y = y.blend(Float.NaN, x.compare(VectorOperators.LT, -1f));
    VectorMask<Float> passThrough =
        x.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY)
            .or(x.compare(VectorOperators.NE, x))
            .or(x.compare(VectorOperators.EQ, 0f));
    return y.blend(x, passThrough);
  }

  /** Scalar twin of {@link #log1p(FloatVector)}: the same bits as a lane. */
  public static float log1p(float x) {
    float u = x + 1f;
    float cSmall = x - (u - 1f);
    float cLarge = 1f - (u - x);
    float c = Math.abs(x) > 1f ? cLarge : cSmall;
    float y = logReduced(u, 0f, c / u);
    y = x == -1f ? Float.NEGATIVE_INFINITY : y;
    y = x < -1f ? Float.NaN : y;
    return x == Float.POSITIVE_INFINITY || Float.isNaN(x) || x == 0f ? x : y;
  }

  // ---- tanh ----

  /**
   * {@code tanh(x)} per lane, within 2.6 ulp, with small relative error near 0: {@code t / (t + 2)}
   * with {@code t = expm1(2|x|)}, and the sign of {@code x}.
   *
   * @param x any vector
   * @return {@code tanh(x)}, same species
   */
  public static FloatVector tanh(FloatVector x) {
    FloatVector a = x.abs();
    a = a.blend(TANH_SATURATION, a.compare(VectorOperators.GT, TANH_SATURATION));
    FloatVector t = expm1Moderate(a.add(a));
    FloatVector y = t.div(t.add(2f));
    IntVector sign = x.reinterpretAsInts().and(SIGN_MASK);
    return y.reinterpretAsInts().or(sign).reinterpretAsFloats();
  }

  /** Scalar twin of {@link #tanh(FloatVector)}: the same bits as a lane. */
  public static float tanh(float x) {
    float a = Math.abs(x);
    a = a > TANH_SATURATION ? TANH_SATURATION : a;
    float t = expm1Moderate(a + a);
    float y = t / (t + 2f);
    int sign = Float.floatToRawIntBits(x) & SIGN_MASK;
    return Float.intBitsToFloat(Float.floatToRawIntBits(y) | sign);
  }

  // ---- sigmoid and softplus ----

  /**
   * The logistic sigmoid {@code 1 / (1 + exp(-x))} per lane, exact at both tails: with {@code e =
   * exp(-|x|)}, {@code 1 / (1 + e)} for {@code x >= 0} and {@code e / (1 + e)} for {@code x < 0},
   * so neither branch overflows or cancels; within 2.4 ulp.
   *
   * @param x any vector
   * @return {@code sigmoid(x)}, same species
   */
  public static FloatVector sigmoid(FloatVector x) {
    FloatVector e = exp(x.abs().neg());
    return x.broadcast(1f).blend(e, x.compare(VectorOperators.LT, 0f)).div(e.add(1f));
  }

  /** Scalar twin of {@link #sigmoid(FloatVector)}: the same bits as a lane. */
  public static float sigmoid(float x) {
    float e = exp(-Math.abs(x));
    return (x < 0f ? e : 1f) / (e + 1f);
  }

  /**
   * Softplus {@code log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))} per lane, finite for every
   * finite {@code x}; within 1.7 ulp.
   *
   * <p>In a loop, prefer {@link #softplus(float[], int, float[], int, int)}: the inlined IR of exp
   * and log together exceeds C2's node limit for one loop ({@code NodeCountInliningCutoff}), C2
   * then stops inlining and the loop runs on boxed vectors, tens of times slower.
   *
   * @param x any vector
   * @return {@code softplus(x)}, same species
   */
  public static FloatVector softplus(FloatVector x) {
    return x.max(0f).add(log1pUnit(exp(x.abs().neg())));
  }

  /** Scalar twin of {@link #softplus(FloatVector)}: the same bits as a lane. */
  public static float softplus(float x) {
    return Math.max(x, 0f) + log1pUnit(exp(-Math.abs(x)));
  }

  /**
   * Softplus of {@code n} floats, {@code y[yOff + i] = softplus(x[xOff + i])}, the same bits as
   * {@link #softplus(FloatVector)} and its twin; {@code y} may be {@code x} at the same offset.
   * Runs exp and log1p as two loops over blocks of 256 floats, so that each loop stays small enough
   * for C2 to compile it to vector instructions.
   *
   * @param x input array
   * @param xOff first input index
   * @param y output array
   * @param yOff first output index
   * @param n number of floats
   */
  public static void softplus(float[] x, int xOff, float[] y, int yOff, int n) {
    float[] e = new float[Math.min(n, SOFTPLUS_BLOCK)];
    for (int b = 0; b < n; b += SOFTPLUS_BLOCK) {
      int m = Math.min(SOFTPLUS_BLOCK, n - b);
      int bound = PREFERRED.loopBound(m);
      softplusExp(x, xOff + b, e, bound);
      softplusLog(x, xOff + b, e, y, yOff + b, bound);
      for (int i = bound; i < m; i++) {
        y[yOff + b + i] = softplus(x[xOff + b + i]);
      }
    }
  }

  private static void softplusExp(float[] x, int xOff, float[] e, int m) {
    VectorSpecies<Float> sp = PREFERRED;
    for (int i = 0; i < m; i += sp.length()) {
      exp(FloatVector.fromArray(sp, x, xOff + i).abs().neg()).intoArray(e, i);
    }
  }

  private static void softplusLog(float[] x, int xOff, float[] e, float[] y, int yOff, int m) {
    VectorSpecies<Float> sp = PREFERRED;
    for (int i = 0; i < m; i += sp.length()) {
      FloatVector v = FloatVector.fromArray(sp, x, xOff + i);
      v.max(0f).add(log1pUnit(FloatVector.fromArray(sp, e, i))).intoArray(y, yOff + i);
    }
  }

  /**
   * {@code log(1 + e)} for {@code e} in {@code [0, 1]} (NaN gives NaN; other arguments give
   * unspecified results): {@link #log1p(FloatVector)} without its special cases, for softplus.
   *
   * @param e vector with lanes in {@code [0, 1]}
   * @return {@code log1p(e)}, same species
   */
  public static FloatVector log1pUnit(FloatVector e) {
    FloatVector u = e.add(1f);
    // The exact rounding error of 1 + e (Fast2Sum, 1 >= e), divided by u, corrects log(u).
    FloatVector c = e.sub(u.sub(1f));
    // u is in [1, 2]: its exponent is 0 or 1, chosen by a compare instead of the bit manipulation
    // of logReduced (fewer operations keep a softplus loop within C2's inlining node limit).
    VectorMask<Float> high = u.compare(VectorOperators.GE, SQRT_TWO);
    FloatVector f = u.blend(u.mul(0.5f), high).sub(1f);
    FloatVector ef = e.broadcast(0f).blend(1f, high);
    return logPolynomial(f, ef, c.div(u));
  }

  /** Scalar twin of {@link #log1pUnit(FloatVector)}: the same bits as a lane. */
  public static float log1pUnit(float e) {
    float u = e + 1f;
    float c = e - (u - 1f);
    boolean high = u >= SQRT_TWO;
    float f = (high ? u * 0.5f : u) - 1f;
    float ef = high ? 1f : 0f;
    return logPolynomial(f, ef, c / u);
  }

  // ---- shared pieces ----

  /** {@code lo} below {@code lo}, {@code hi} above {@code hi}; NaN stays NaN (unlike min/max). */
  private static FloatVector clamp(FloatVector x, float lo, float hi) {
    FloatVector y = x.blend(hi, x.compare(VectorOperators.GT, hi));
    return y.blend(lo, y.compare(VectorOperators.LT, lo));
  }

  private static float clamp(float x, float lo, float hi) {
    float y = x > hi ? hi : x;
    return y < lo ? lo : y;
  }

  /** {@code expm1(r) = r + r^2 P(r)} for {@code |r| <= ln2/2}. */
  private static FloatVector expm1Reduced(FloatVector r) {
    FloatVector p = r.fma(E4, E3).fma(r, r.broadcast(E2)).fma(r, r.broadcast(E1));
    p = p.fma(r, r.broadcast(E0));
    return r.mul(r).fma(p, r);
  }

  private static float expm1Reduced(float r) {
    float p = Math.fma(Math.fma(Math.fma(r, E4, E3), r, E2), r, E1);
    p = Math.fma(p, r, E0);
    return Math.fma(r * r, p, r);
  }

  /**
   * {@code p 2^n} as {@code (p 2^(n - n/2)) 2^(n/2)}: both factors are normal floats for {@code n}
   * in {@code [-150, 150]}, the first product is exact, and the second rounds once, also into the
   * subnormal range.
   */
  private static FloatVector scaleTwice(FloatVector p, IntVector n) {
    IntVector n1 = n.lanewise(VectorOperators.ASHR, 1);
    IntVector n2 = n.sub(n1);
    FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    FloatVector s2 = n2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    return p.mul(s2).mul(s1);
  }

  private static float scaleTwice(float p, int n) {
    int n1 = n >> 1;
    int n2 = n - n1;
    float s1 = Float.intBitsToFloat((n1 + 127) << 23);
    float s2 = Float.intBitsToFloat((n2 + 127) << 23);
    return p * s2 * s1;
  }

  /**
   * {@code expm1(x)} for {@code x} in {@code [0, 2 TANH_SATURATION]} (no clamping, no sign of zero,
   * no overflow path): the part of {@link #expm1(FloatVector)} that tanh needs.
   */
  private static FloatVector expm1Moderate(FloatVector x) {
    FloatVector t = x.fma(LOG2E, MAGIC);
    FloatVector n = t.sub(MAGIC);
    IntVector ni = t.reinterpretAsInts().sub(MAGIC_BITS);
    FloatVector r = n.fma(n.broadcast(-LN2_HI), x);
    r = n.fma(n.broadcast(-LN2_LO), r);
    FloatVector q = expm1Reduced(r);
    FloatVector s = ni.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    return s.fma(q, s.sub(1f));
  }

  private static float expm1Moderate(float x) {
    float t = Math.fma(x, LOG2E, MAGIC);
    float n = t - MAGIC;
    int ni = Float.floatToRawIntBits(t) - MAGIC_BITS;
    float r = Math.fma(n, -LN2_HI, x);
    r = Math.fma(n, -LN2_LO, r);
    float q = expm1Reduced(r);
    float s = Float.intBitsToFloat((ni + 127) << 23);
    return Math.fma(s, q, s - 1f);
  }

  /**
   * {@code log(u) + corr} for a positive normal {@code u} (any bits for other lanes, which the
   * callers replace), with {@code bias} added to the binary exponent of {@code u}: {@code u = 2^e
   * (1 + f)}, {@code 1 + f} in {@code [sqrt(1/2), sqrt 2)}, and with {@code s = f / (2 + f)},
   * {@code log(1 + f) = f - (f^2/2 - s (f^2/2 + R(s^2)))} where {@code 2s + s R = 2 atanh(s)}; the
   * large terms {@code e ln2_hi} and {@code f} are exact and added last.
   */
  /** {@code e ln2 + log(1 + f) + corr} for {@code 1 + f} in {@code [sqrt(1/2), sqrt 2)}. */
  private static FloatVector logPolynomial(FloatVector f, FloatVector ef, FloatVector corr) {
    FloatVector s = f.div(f.add(2f));
    FloatVector z = s.mul(s);
    FloatVector r = z.fma(L3, L2).fma(z, z.broadcast(L1)).mul(z);
    FloatVector hfsq = f.mul(f).mul(0.5f);
    FloatVector a = s.fma(hfsq.add(r), ef.fma(ef.broadcast(LN2_LO), corr));
    return ef.fma(ef.broadcast(LN2_HI), f.sub(hfsq.sub(a)));
  }

  private static float logPolynomial(float f, float ef, float corr) {
    float s = f / (f + 2f);
    float z = s * s;
    float r = Math.fma(Math.fma(z, L3, L2), z, L1) * z;
    float hfsq = f * f * 0.5f;
    float a = Math.fma(s, hfsq + r, Math.fma(ef, LN2_LO, corr));
    return Math.fma(ef, LN2_HI, f - (hfsq - a));
  }

  private static FloatVector logReduced(FloatVector u, FloatVector bias, FloatVector corr) {
    IntVector iu = u.reinterpretAsInts().add(ONE_BITS - SQRT_HALF_BITS);
    IntVector e = iu.lanewise(VectorOperators.ASHR, 23).sub(127);
    FloatVector m = iu.and(MANTISSA_MASK).add(SQRT_HALF_BITS).reinterpretAsFloats();
    FloatVector ef = e.add(MAGIC_BITS).reinterpretAsFloats().sub(MAGIC).add(bias);
    FloatVector f = m.sub(1f);
    FloatVector s = f.div(f.add(2f));
    FloatVector z = s.mul(s);
    FloatVector r = z.fma(L3, L2).fma(z, z.broadcast(L1)).mul(z);
    FloatVector hfsq = f.mul(f).mul(0.5f);
    FloatVector a = s.fma(hfsq.add(r), ef.fma(ef.broadcast(LN2_LO), corr));
    return ef.fma(ef.broadcast(LN2_HI), f.sub(hfsq.sub(a)));
  }

  private static float logReduced(float u, float bias, float corr) {
    int iu = Float.floatToRawIntBits(u) + (ONE_BITS - SQRT_HALF_BITS);
    int e = (iu >> 23) - 127;
    float m = Float.intBitsToFloat((iu & MANTISSA_MASK) + SQRT_HALF_BITS);
    float ef = Float.intBitsToFloat(e + MAGIC_BITS) - MAGIC + bias;
    float f = m - 1f;
    float s = f / (f + 2f);
    float z = s * s;
    float r = Math.fma(Math.fma(z, L3, L2), z, L1) * z;
    float hfsq = f * f * 0.5f;
    float a = Math.fma(s, hfsq + r, Math.fma(ef, LN2_LO, corr));
    return Math.fma(ef, LN2_HI, f - (hfsq - a));
  }
}
