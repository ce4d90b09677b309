package io.flows4j.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Elementwise kernels on the JDK's Vector API, in the machine's preferred vector width. The
 * vectorized loops cover whole vectors; the remaining tail of fewer than one vector runs a scalar
 * twin of the vector loop body that gives the same bits, so a result does not depend on the length
 * of the array or on where an element sits in it. Methods not overridden here (reductions in
 * double, the along-an-axis kernels) did not gain from vectors or need double accumulation, and are
 * the scalar ones.
 *
 * <p>Transcendental functions ({@code exp}, {@code log}, {@code tanh}, {@code expm1}, {@code
 * log1p}, sigmoid, softplus) come from {@link VectorMath}, which uses only IEEE-exact operations:
 * the Vector API's own {@code lanewise(EXP ...)} changes its last bits when C2 replaces the Java
 * fallback by an intrinsic, which made seeded training depend on JIT timing ({@code
 * docs/design-notes.md}, "Reproducible vector transcendentals").
 */
final class VectorElementwise extends ScalarElementwise {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final FloatVector ONE = FloatVector.broadcast(S, 1f);

  /** Floats per block of the two-loop backward passes. */
  private static final int BLOCK = 256;

  private static final float INV_LIPSWISH = (float) (1.0 / Activation.LIPSWISH_SCALE);

  @Override
  public String name() {
    return "vector-" + S.vectorBitSize();
  }

  /** The vector width in bits. */
  static int bits() {
    return S.vectorBitSize();
  }

  @Override
  public void exp(float[] x, int xOff, float[] y, int yOff, int n) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += S.length()) {
      VectorMath.exp(FloatVector.fromArray(S, x, xOff + i)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] = VectorMath.exp(x[xOff + i]);
    }
  }

  @Override
  public void log(float[] x, int xOff, float[] y, int yOff, int n) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += S.length()) {
      VectorMath.log(FloatVector.fromArray(S, x, xOff + i)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      y[yOff + i] = VectorMath.log(x[xOff + i]);
    }
  }

  // Each activation's loop is a method of its own: one method holding all eight loops grew past
  // what C2 inlines, and its later loops fell back to boxed vectors (several times slower).

  @Override
  public void activation(Activation f, float[] x, int xOff, float[] y, int yOff, int n) {
    // Each method runs its vector loop and then its scalar twin on the tail: a shared tail switch
    // would inline every activation's scalar twin here and make the method too big for C2.
    switch (f) {
      case IDENTITY -> System.arraycopy(x, xOff, y, yOff, n);
      case RELU -> relu(x, xOff, y, yOff, n);
      case LEAKY_RELU -> leakyRelu(x, xOff, y, yOff, n);
      case ELU -> elu(x, xOff, y, yOff, n);
      case TANH -> tanh(x, xOff, y, yOff, n);
      case SIGMOID -> sigmoid(x, xOff, y, yOff, n);
      case SOFTPLUS -> softplus(x, xOff, y, yOff, n);
      case LIPSWISH -> lipSwish(x, xOff, y, yOff, n);
    }
  }

  private static void relu(float[] x, int xOff, float[] y, int yOff, int n) {
    int bound = S.loopBound(n);
    int i = 0;
    for (; i < bound; i += S.length()) {
      FloatVector.fromArray(S, x, xOff + i).max(0f).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      float v = x[xOff + i];
      y[yOff + i] = Math.max(v, 0f);
    }
  }

  private static void leakyRelu(float[] x, int xOff, float[] y, int yOff, int n) {
    int bound = S.loopBound(n);
    int i = 0;
    // max(x, a x) equals leaky ReLU for a slope a in (0, 1).
    for (; i < bound; i += S.length()) {
      FloatVector v = FloatVector.fromArray(S, x, xOff + i);
      v.max(v.mul(Activation.LEAKY_SLOPE)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      float v = x[xOff + i];
      y[yOff + i] = Math.max(v, v * Activation.LEAKY_SLOPE);
    }
  }

  private static void elu(float[] x, int xOff, float[] y, int yOff, int n) {
    int bound = S.loopBound(n);
    int i = 0;
    for (; i < bound; i += S.length()) {
      FloatVector v = FloatVector.fromArray(S, x, xOff + i);
      VectorMath.expm1(v).blend(v, v.compare(VectorOperators.GT, 0f)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v > 0f ? v : VectorMath.expm1(v);
    }
  }

  private static void tanh(float[] x, int xOff, float[] y, int yOff, int n) {
    int bound = S.loopBound(n);
    int i = 0;
    for (; i < bound; i += S.length()) {
      VectorMath.tanh(FloatVector.fromArray(S, x, xOff + i)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      float v = x[xOff + i];
      y[yOff + i] = VectorMath.tanh(v);
    }
  }

  private static void sigmoid(float[] x, int xOff, float[] y, int yOff, int n) {
    int bound = S.loopBound(n);
    int i = 0;
    for (; i < bound; i += S.length()) {
      VectorMath.sigmoid(FloatVector.fromArray(S, x, xOff + i)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      float v = x[xOff + i];
      y[yOff + i] = VectorMath.sigmoid(v);
    }
  }

  private static void softplus(float[] x, int xOff, float[] y, int yOff, int n) {
    // Two loops (exp, then log1p) in blocks, tail included: one loop holding both is too big for
    // C2.
    VectorMath.softplus(x, xOff, y, yOff, n);
  }

  private static void lipSwish(float[] x, int xOff, float[] y, int yOff, int n) {
    int bound = S.loopBound(n);
    int i = 0;
    for (; i < bound; i += S.length()) {
      FloatVector v = FloatVector.fromArray(S, x, xOff + i);
      v.mul(VectorMath.sigmoid(v)).mul(INV_LIPSWISH).intoArray(y, yOff + i);
    }
    for (; i < n; i++) {
      float v = x[xOff + i];
      y[yOff + i] = v * VectorMath.sigmoid(v) * INV_LIPSWISH;
    }
  }

  @Override
  public void activationBackward(
      Activation f,
      float[] x,
      int xOff,
      float[] y,
      int yOff,
      float[] gradOut,
      int gOff,
      float[] gradIn,
      int giOff,
      int n) {
    if (f == Activation.IDENTITY) {
      add(gradIn, giOff, gradOut, gOff, gradIn, giOff, n);
      return;
    }
    // Each method runs its own tail with the scalar twin of its loop body (see activation).
    switch (f) {
      case IDENTITY -> throw new AssertionError("handled above");
      case RELU -> reluBackward(x, xOff, gradOut, gOff, gradIn, giOff, n);
      case LEAKY_RELU -> leakyReluBackward(x, xOff, gradOut, gOff, gradIn, giOff, n);
      case ELU -> eluBackward(x, xOff, y, yOff, gradOut, gOff, gradIn, giOff, n);
      case TANH -> tanhBackward(y, yOff, gradOut, gOff, gradIn, giOff, n);
      case SIGMOID -> sigmoidBackward(y, yOff, gradOut, gOff, gradIn, giOff, n);
      case SOFTPLUS -> softplusBackward(x, xOff, gradOut, gOff, gradIn, giOff, n);
      case LIPSWISH -> lipSwishBackward(x, xOff, gradOut, gOff, gradIn, giOff, n);
    }
  }

  private static void reluBackward(
      float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff, int n) {
    int bound = S.loopBound(n);
    int i = 0;
    for (; i < bound; i += S.length()) {
      VectorMask<Float> pos = FloatVector.fromArray(S, x, xOff + i).compare(VectorOperators.GT, 0f);
      FloatVector gi = FloatVector.fromArray(S, gradIn, giOff + i);
      gi.add(FloatVector.fromArray(S, gradOut, gOff + i), pos).intoArray(gradIn, giOff + i);
    }
    for (; i < n; i++) {
      if (x[xOff + i] > 0f) {
        gradIn[giOff + i] += gradOut[gOff + i];
      }
    }
  }

  private static void leakyReluBackward(
      float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff, int n) {
    int bound = S.loopBound(n);
    int i = 0;
    FloatVector slope = FloatVector.broadcast(S, Activation.LEAKY_SLOPE);
    for (; i < bound; i += S.length()) {
      VectorMask<Float> pos = FloatVector.fromArray(S, x, xOff + i).compare(VectorOperators.GT, 0f);
      accumulate(gradOut, gOff + i, slope.blend(ONE, pos), gradIn, giOff + i);
    }
    for (; i < n; i++) {
      gradIn[giOff + i] =
          Math.fma(
              gradOut[gOff + i], x[xOff + i] > 0f ? 1f : Activation.LEAKY_SLOPE, gradIn[giOff + i]);
    }
  }

  private static void eluBackward(
      float[] x,
      int xOff,
      float[] y,
      int yOff,
      float[] gradOut,
      int gOff,
      float[] gradIn,
      int giOff,
      int n) {
    int bound = S.loopBound(n);
    int i = 0;
    for (; i < bound; i += S.length()) {
      VectorMask<Float> pos = FloatVector.fromArray(S, x, xOff + i).compare(VectorOperators.GT, 0f);
      FloatVector d = FloatVector.fromArray(S, y, yOff + i).add(ONE).blend(ONE, pos);
      accumulate(gradOut, gOff + i, d, gradIn, giOff + i);
    }
    for (; i < n; i++) {
      gradIn[giOff + i] =
          Math.fma(gradOut[gOff + i], x[xOff + i] > 0f ? 1f : y[yOff + i] + 1f, gradIn[giOff + i]);
    }
  }

  private static void tanhBackward(
      float[] y, int yOff, float[] gradOut, int gOff, float[] gradIn, int giOff, int n) {
    int bound = S.loopBound(n);
    int i = 0;
    for (; i < bound; i += S.length()) {
      FloatVector t = FloatVector.fromArray(S, y, yOff + i);
      accumulate(gradOut, gOff + i, t.neg().fma(t, ONE), gradIn, giOff + i);
    }
    for (; i < n; i++) {
      gradIn[giOff + i] =
          Math.fma(gradOut[gOff + i], Math.fma(-y[yOff + i], y[yOff + i], 1f), gradIn[giOff + i]);
    }
  }

  private static void sigmoidBackward(
      float[] y, int yOff, float[] gradOut, int gOff, float[] gradIn, int giOff, int n) {
    int bound = S.loopBound(n);
    int i = 0;
    for (; i < bound; i += S.length()) {
      FloatVector s = FloatVector.fromArray(S, y, yOff + i);
      // s (1 - s) = s - s^2
      accumulate(gradOut, gOff + i, s.neg().fma(s, s), gradIn, giOff + i);
    }
    for (; i < n; i++) {
      gradIn[giOff + i] =
          Math.fma(
              gradOut[gOff + i],
              Math.fma(-y[yOff + i], y[yOff + i], y[yOff + i]),
              gradIn[giOff + i]);
    }
  }

  private static void softplusBackward(
      float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff, int n) {
    // Two loops per block, the derivative into a small buffer and then the accumulation: one loop
    // holding both went past C2's inlining node limit and ran on boxed vectors (2x slower).
    float[] d = new float[Math.min(n, BLOCK)];
    for (int b = 0; b < n; b += BLOCK) {
      int m = Math.min(BLOCK, n - b);
      sigmoidInto(x, xOff + b, d, m);
      accumulate(gradOut, gOff + b, d, gradIn, giOff + b, m);
    }
  }

  private static void sigmoidInto(float[] x, int xOff, float[] d, int m) {
    int bound = S.loopBound(m);
    int i = 0;
    for (; i < bound; i += S.length()) {
      VectorMath.sigmoid(FloatVector.fromArray(S, x, xOff + i)).intoArray(d, i);
    }
    for (; i < m; i++) {
      d[i] = VectorMath.sigmoid(x[xOff + i]);
    }
  }

  private static void lipSwishBackward(
      float[] x, int xOff, float[] gradOut, int gOff, float[] gradIn, int giOff, int n) {
    // Two loops per block, as in softplusBackward.
    float[] d = new float[Math.min(n, BLOCK)];
    for (int b = 0; b < n; b += BLOCK) {
      int m = Math.min(BLOCK, n - b);
      lipSwishDerivativeInto(x, xOff + b, d, m);
      accumulate(gradOut, gOff + b, d, gradIn, giOff + b, m);
    }
  }

  private static void lipSwishDerivativeInto(float[] x, int xOff, float[] d, int m) {
    int bound = S.loopBound(m);
    int i = 0;
    for (; i < bound; i += S.length()) {
      FloatVector v = FloatVector.fromArray(S, x, xOff + i);
      FloatVector s = VectorMath.sigmoid(v);
      // (s + x s (1 - s)) / 1.1
      v.mul(s).mul(ONE.sub(s)).add(s).mul(INV_LIPSWISH).intoArray(d, i);
    }
    for (; i < m; i++) {
      d[i] = lipSwishDerivativeTwin(x[xOff + i]);
    }
  }

  /** {@code gradIn += gradOut * d} over {@code m} floats, {@code d} from index 0. */
  private static void accumulate(
      float[] gradOut, int gOff, float[] d, float[] gradIn, int giOff, int m) {
    int bound = S.loopBound(m);
    int i = 0;
    for (; i < bound; i += S.length()) {
      accumulate(gradOut, gOff + i, FloatVector.fromArray(S, d, i), gradIn, giOff + i);
    }
    for (; i < m; i++) {
      gradIn[giOff + i] = Math.fma(gradOut[gOff + i], d[i], gradIn[giOff + i]);
    }
  }

  @Override
  public void add(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += S.length()) {
      FloatVector.fromArray(S, a, aOff + i)
          .add(FloatVector.fromArray(S, b, bOff + i))
          .intoArray(c, cOff + i);
    }
    super.add(a, aOff + i, b, bOff + i, c, cOff + i, n - i);
  }

  @Override
  public void sub(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += S.length()) {
      FloatVector.fromArray(S, a, aOff + i)
          .sub(FloatVector.fromArray(S, b, bOff + i))
          .intoArray(c, cOff + i);
    }
    super.sub(a, aOff + i, b, bOff + i, c, cOff + i, n - i);
  }

  @Override
  public void mul(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += S.length()) {
      FloatVector.fromArray(S, a, aOff + i)
          .mul(FloatVector.fromArray(S, b, bOff + i))
          .intoArray(c, cOff + i);
    }
    super.mul(a, aOff + i, b, bOff + i, c, cOff + i, n - i);
  }

  @Override
  public void div(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += S.length()) {
      FloatVector.fromArray(S, a, aOff + i)
          .div(FloatVector.fromArray(S, b, bOff + i))
          .intoArray(c, cOff + i);
    }
    super.div(a, aOff + i, b, bOff + i, c, cOff + i, n - i);
  }

  @Override
  public void mulAdd(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int n) {
    int i = 0;
    for (int bound = S.loopBound(n); i < bound; i += S.length()) {
      FloatVector.fromArray(S, a, aOff + i)
          .fma(FloatVector.fromArray(S, b, bOff + i), FloatVector.fromArray(S, c, cOff + i))
          .intoArray(c, cOff + i);
    }
    super.mulAdd(a, aOff + i, b, bOff + i, c, cOff + i, n - i);
  }

  @Override
  public void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
    int i = 0;
    FloatVector va = FloatVector.broadcast(S, alpha);
    for (int bound = S.loopBound(n); i < bound; i += S.length()) {
      va.fma(FloatVector.fromArray(S, x, xOff + i), FloatVector.fromArray(S, y, yOff + i))
          .intoArray(y, yOff + i);
    }
    super.axpy(alpha, x, xOff + i, y, yOff + i, n - i);
  }

  @Override
  public void scaleShift(float[] x, int xOff, float alpha, float beta, float[] y, int yOff, int n) {
    int i = 0;
    FloatVector va = FloatVector.broadcast(S, alpha);
    FloatVector vb = FloatVector.broadcast(S, beta);
    for (int bound = S.loopBound(n); i < bound; i += S.length()) {
      FloatVector.fromArray(S, x, xOff + i).fma(va, vb).intoArray(y, yOff + i);
    }
    super.scaleShift(x, xOff + i, alpha, beta, y, yOff + i, n - i);
  }

  /** The scalar twin of the LipSwish derivative of {@link #lipSwishBackward}. */
  private static float lipSwishDerivativeTwin(float v) {
    float s = VectorMath.sigmoid(v);
    return (v * s * (1f - s) + s) * INV_LIPSWISH;
  }

  /** {@code gradIn += gradOut * d} for one vector. */
  private static void accumulate(
      float[] gradOut, int gOff, FloatVector d, float[] gradIn, int giOff) {
    FloatVector.fromArray(S, gradOut, gOff)
        .fma(d, FloatVector.fromArray(S, gradIn, giOff))
        .intoArray(gradIn, giOff);
  }
}
