package io.flows4j.autodiff;

import io.flows4j.tensor.kernels.Activation;
import io.flows4j.tensor.kernels.VectorMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Dense-layer passes on the Vector API: whole vectors along each row, then, for the tail, scalar
 * twins of the vector loop bodies that give the same bits (so a value does not depend on the width
 * of the layer or on its column). Transcendentals come from {@link VectorMath}, built from
 * IEEE-exact operations only: the Vector API's {@code lanewise(EXP ...)} changes its last bits when
 * C2 swaps the Java fallback for an intrinsic, which made seeded training depend on JIT timing.
 *
 * <p>Each activation has its own small loop method: C2 then compiles and inlines every vector
 * operation of it. One large method holding all the loops compiled poorly (its tanh loop ran at the
 * speed of scalar {@code Math.tanh}, 30 times slower than the same loop on its own).
 */
final class VectorEpilogue implements EpilogueKernel {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final float LIPSWISH_INV = (float) (1.0 / Activation.LIPSWISH_SCALE);

  @Override
  public void forwardRows(
      float[] src,
      int so,
      float[] bias,
      int bo,
      float[] dst,
      int dOff,
      float[] save,
      int sv,
      int r0,
      int r1,
      int cols,
      Activation act) {
    switch (act) {
      case IDENTITY -> identityForward(src, so, bias, bo, dst, dOff, save, sv, r0, r1, cols);
      case RELU -> reluForward(src, so, bias, bo, dst, dOff, save, sv, r0, r1, cols);
      case LEAKY_RELU -> leakyReluForward(src, so, bias, bo, dst, dOff, save, sv, r0, r1, cols);
      case ELU -> eluForward(src, so, bias, bo, dst, dOff, save, sv, r0, r1, cols);
      case TANH -> tanhForward(src, so, bias, bo, dst, dOff, save, sv, r0, r1, cols);
      case SIGMOID -> sigmoidForward(src, so, bias, bo, dst, dOff, save, sv, r0, r1, cols);
      case SOFTPLUS -> softplusForward(src, so, bias, bo, dst, dOff, save, sv, r0, r1, cols);
      case LIPSWISH -> lipswishForward(src, so, bias, bo, dst, dOff, save, sv, r0, r1, cols);
    }
  }

  @Override
  public void backwardRows(
      float[] dy,
      int dyo,
      float[] y,
      int yo,
      float[] z,
      int zo,
      float[] dz,
      int dzo,
      boolean accumulate,
      float[] dBias,
      int dbo,
      int r0,
      int r1,
      int cols,
      Activation act) {
    switch (act) {
      case IDENTITY ->
          identityBackward(dy, dyo, y, yo, z, zo, dz, dzo, accumulate, dBias, dbo, r0, r1, cols);
      case RELU ->
          reluBackward(dy, dyo, y, yo, z, zo, dz, dzo, accumulate, dBias, dbo, r0, r1, cols);
      case LEAKY_RELU ->
          leakyReluBackward(dy, dyo, y, yo, z, zo, dz, dzo, accumulate, dBias, dbo, r0, r1, cols);
      case ELU -> eluBackward(dy, dyo, y, yo, z, zo, dz, dzo, accumulate, dBias, dbo, r0, r1, cols);
      case TANH ->
          tanhBackward(dy, dyo, y, yo, z, zo, dz, dzo, accumulate, dBias, dbo, r0, r1, cols);
      case SIGMOID ->
          sigmoidBackward(dy, dyo, y, yo, z, zo, dz, dzo, accumulate, dBias, dbo, r0, r1, cols);
      case SOFTPLUS ->
          softplusBackward(dy, dyo, y, yo, z, zo, dz, dzo, accumulate, dBias, dbo, r0, r1, cols);
      case LIPSWISH ->
          lipswishBackward(dy, dyo, y, yo, z, zo, dz, dzo, accumulate, dBias, dbo, r0, r1, cols);
    }
  }

  private static void identityForward(
      float[] src,
      int so,
      float[] bias,
      int bo,
      float[] dst,
      int dOff,
      float[] save,
      int sv,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int s = so + i * cols;
      int d = dOff + i * cols;
      int v = sv + i * cols;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector x = pre(src, s, bias, bo, save, v, j);
        x.intoArray(dst, d + j);
      }
      forwardTail(src, s, bias, bo, dst, d, save, v, bound, cols, Activation.IDENTITY);
    }
  }

  private static void reluForward(
      float[] src,
      int so,
      float[] bias,
      int bo,
      float[] dst,
      int dOff,
      float[] save,
      int sv,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int s = so + i * cols;
      int d = dOff + i * cols;
      int v = sv + i * cols;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector x = pre(src, s, bias, bo, save, v, j);
        x.max(0f).intoArray(dst, d + j);
      }
      forwardTail(src, s, bias, bo, dst, d, save, v, bound, cols, Activation.RELU);
    }
  }

  private static void leakyReluForward(
      float[] src,
      int so,
      float[] bias,
      int bo,
      float[] dst,
      int dOff,
      float[] save,
      int sv,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int s = so + i * cols;
      int d = dOff + i * cols;
      int v = sv + i * cols;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector x = pre(src, s, bias, bo, save, v, j);
        x.max(x.mul(Activation.LEAKY_SLOPE)).intoArray(dst, d + j);
      }
      forwardTail(src, s, bias, bo, dst, d, save, v, bound, cols, Activation.LEAKY_RELU);
    }
  }

  private static void eluForward(
      float[] src,
      int so,
      float[] bias,
      int bo,
      float[] dst,
      int dOff,
      float[] save,
      int sv,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int s = so + i * cols;
      int d = dOff + i * cols;
      int v = sv + i * cols;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector x = pre(src, s, bias, bo, save, v, j);
        VectorMath.expm1(x).blend(x, x.compare(VectorOperators.GT, 0f)).intoArray(dst, d + j);
      }
      forwardTail(src, s, bias, bo, dst, d, save, v, bound, cols, Activation.IDENTITY);
      for (int j = d + bound; j < d + cols; j++) {
        float x = dst[j];
        dst[j] = x > 0f ? x : VectorMath.expm1(x);
      }
    }
  }

  private static void tanhForward(
      float[] src,
      int so,
      float[] bias,
      int bo,
      float[] dst,
      int dOff,
      float[] save,
      int sv,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int s = so + i * cols;
      int d = dOff + i * cols;
      int v = sv + i * cols;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector x = pre(src, s, bias, bo, save, v, j);
        VectorMath.tanh(x).intoArray(dst, d + j);
      }
      forwardTail(src, s, bias, bo, dst, d, save, v, bound, cols, Activation.IDENTITY);
      for (int j = d + bound; j < d + cols; j++) {
        float x = dst[j];
        dst[j] = VectorMath.tanh(x);
      }
    }
  }

  private static void sigmoidForward(
      float[] src,
      int so,
      float[] bias,
      int bo,
      float[] dst,
      int dOff,
      float[] save,
      int sv,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int s = so + i * cols;
      int d = dOff + i * cols;
      int v = sv + i * cols;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector x = pre(src, s, bias, bo, save, v, j);
        VectorMath.sigmoid(x).intoArray(dst, d + j);
      }
      forwardTail(src, s, bias, bo, dst, d, save, v, bound, cols, Activation.IDENTITY);
      for (int j = d + bound; j < d + cols; j++) {
        float x = dst[j];
        dst[j] = VectorMath.sigmoid(x);
      }
    }
  }

  private static void softplusForward(
      float[] src,
      int so,
      float[] bias,
      int bo,
      float[] dst,
      int dOff,
      float[] save,
      int sv,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int s = so + i * cols;
      int d = dOff + i * cols;
      int v = sv + i * cols;
      for (int j = 0; j < bound; j += S.length()) {
        pre(src, s, bias, bo, save, v, j).intoArray(dst, d + j);
      }
      forwardTail(src, s, bias, bo, dst, d, save, v, bound, cols, Activation.IDENTITY);
      // Two loops (exp, then log1p) in blocks, in place: one loop holding both is too big for C2.
      VectorMath.softplus(dst, d, dst, d, cols);
    }
  }

  private static void lipswishForward(
      float[] src,
      int so,
      float[] bias,
      int bo,
      float[] dst,
      int dOff,
      float[] save,
      int sv,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int s = so + i * cols;
      int d = dOff + i * cols;
      int v = sv + i * cols;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector x = pre(src, s, bias, bo, save, v, j);
        x.mul(VectorMath.sigmoid(x)).mul(LIPSWISH_INV).intoArray(dst, d + j);
      }
      forwardTail(src, s, bias, bo, dst, d, save, v, bound, cols, Activation.IDENTITY);
      for (int j = d + bound; j < d + cols; j++) {
        float x = dst[j];
        dst[j] = x * VectorMath.sigmoid(x) * LIPSWISH_INV;
      }
    }
  }

  private static void identityBackward(
      float[] dy,
      int dyo,
      float[] ys,
      int yo,
      float[] zs,
      int zo,
      float[] dz,
      int dzo,
      boolean accumulate,
      float[] dBias,
      int dbo,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int r = i * cols;
      int a = dyo + r;
      int b = yo + r;
      int c = dzo + r;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector g = FloatVector.fromArray(S, dy, a + j);
        post(g, dz, c, accumulate, dBias, dbo, j);
      }
      backwardTail(dy, a, ys, b, dz, c, accumulate, dBias, dbo, bound, cols, Activation.IDENTITY);
    }
  }

  private static void reluBackward(
      float[] dy,
      int dyo,
      float[] ys,
      int yo,
      float[] zs,
      int zo,
      float[] dz,
      int dzo,
      boolean accumulate,
      float[] dBias,
      int dbo,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int r = i * cols;
      int a = dyo + r;
      int b = yo + r;
      int c = dzo + r;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector g = FloatVector.fromArray(S, dy, a + j);
        FloatVector y = FloatVector.fromArray(S, ys, b + j);
        post(g.blend(0f, y.compare(VectorOperators.LE, 0f)), dz, c, accumulate, dBias, dbo, j);
      }
      backwardTail(dy, a, ys, b, dz, c, accumulate, dBias, dbo, bound, cols, Activation.RELU);
    }
  }

  private static void leakyReluBackward(
      float[] dy,
      int dyo,
      float[] ys,
      int yo,
      float[] zs,
      int zo,
      float[] dz,
      int dzo,
      boolean accumulate,
      float[] dBias,
      int dbo,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int r = i * cols;
      int a = dyo + r;
      int b = yo + r;
      int c = dzo + r;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector g = FloatVector.fromArray(S, dy, a + j);
        FloatVector y = FloatVector.fromArray(S, ys, b + j);
        post(
            g.blend(g.mul(Activation.LEAKY_SLOPE), y.compare(VectorOperators.LE, 0f)),
            dz,
            c,
            accumulate,
            dBias,
            dbo,
            j);
      }
      backwardTail(dy, a, ys, b, dz, c, accumulate, dBias, dbo, bound, cols, Activation.LEAKY_RELU);
    }
  }

  private static void eluBackward(
      float[] dy,
      int dyo,
      float[] ys,
      int yo,
      float[] zs,
      int zo,
      float[] dz,
      int dzo,
      boolean accumulate,
      float[] dBias,
      int dbo,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int r = i * cols;
      int a = dyo + r;
      int b = yo + r;
      int c = dzo + r;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector g = FloatVector.fromArray(S, dy, a + j);
        FloatVector y = FloatVector.fromArray(S, ys, b + j);
        post(
            g.blend(g.mul(y.add(1f)), y.compare(VectorOperators.LE, 0f)),
            dz,
            c,
            accumulate,
            dBias,
            dbo,
            j);
      }
      backwardTail(dy, a, ys, b, dz, c, accumulate, dBias, dbo, bound, cols, Activation.ELU);
    }
  }

  private static void tanhBackward(
      float[] dy,
      int dyo,
      float[] ys,
      int yo,
      float[] zs,
      int zo,
      float[] dz,
      int dzo,
      boolean accumulate,
      float[] dBias,
      int dbo,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int r = i * cols;
      int a = dyo + r;
      int b = yo + r;
      int c = dzo + r;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector g = FloatVector.fromArray(S, dy, a + j);
        FloatVector y = FloatVector.fromArray(S, ys, b + j);
        post(g.mul(y.mul(y).neg().add(1f)), dz, c, accumulate, dBias, dbo, j);
      }
      backwardTail(dy, a, ys, b, dz, c, accumulate, dBias, dbo, bound, cols, Activation.TANH);
    }
  }

  private static void sigmoidBackward(
      float[] dy,
      int dyo,
      float[] ys,
      int yo,
      float[] zs,
      int zo,
      float[] dz,
      int dzo,
      boolean accumulate,
      float[] dBias,
      int dbo,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    for (int i = r0; i < r1; i++) {
      int r = i * cols;
      int a = dyo + r;
      int b = yo + r;
      int c = dzo + r;
      for (int j = 0; j < bound; j += S.length()) {
        FloatVector g = FloatVector.fromArray(S, dy, a + j);
        FloatVector y = FloatVector.fromArray(S, ys, b + j);
        post(g.mul(y.mul(y.neg().add(1f))), dz, c, accumulate, dBias, dbo, j);
      }
      backwardTail(dy, a, ys, b, dz, c, accumulate, dBias, dbo, bound, cols, Activation.SIGMOID);
    }
  }

  private static void softplusBackward(
      float[] dy,
      int dyo,
      float[] ys,
      int yo,
      float[] zs,
      int zo,
      float[] dz,
      int dzo,
      boolean accumulate,
      float[] dBias,
      int dbo,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    float[] d = new float[cols];
    for (int i = r0; i < r1; i++) {
      int r = i * cols;
      int a = dyo + r;
      int b = yo + r;
      int c = dzo + r;
      // Two loops, the derivative into a row buffer and then the product: one loop holding
      // both went past C2's inlining node limit and ran on boxed vectors (2x slower).
      for (int j = 0; j < bound; j += S.length()) {
        VectorMath.expm1(FloatVector.fromArray(S, ys, b + j).neg()).neg().intoArray(d, j);
      }
      for (int j = bound; j < cols; j++) {
        d[j] = -VectorMath.expm1(-ys[b + j]);
      }
      postProduct(dy, a, d, dz, c, accumulate, dBias, dbo, bound, cols);
    }
  }

  private static void lipswishBackward(
      float[] dy,
      int dyo,
      float[] ys,
      int yo,
      float[] zs,
      int zo,
      float[] dz,
      int dzo,
      boolean accumulate,
      float[] dBias,
      int dbo,
      int r0,
      int r1,
      int cols) {
    int bound = S.loopBound(cols);
    float[] d = new float[cols];
    for (int i = r0; i < r1; i++) {
      int r = i * cols;
      int a = dyo + r;
      int b = yo + r;
      int c = dzo + r;
      // Two loops, as in softplusBackward.
      for (int j = 0; j < bound; j += S.length()) {
        lipSwishDerivative(FloatVector.fromArray(S, zs, zo + r + j)).intoArray(d, j);
      }
      for (int j = bound; j < cols; j++) {
        d[j] = lipSwishDerivativeTwin(zs[zo + r + j]);
      }
      postProduct(dy, a, d, dz, c, accumulate, dBias, dbo, bound, cols);
    }
  }

  /** {@code src + bias} at column {@code j} of a row, also stored into {@code save} if given. */
  private static FloatVector pre(
      float[] src, int s, float[] bias, int bo, float[] save, int v, int j) {
    FloatVector x = FloatVector.fromArray(S, src, s + j);
    if (bias != null) {
      x = x.add(FloatVector.fromArray(S, bias, bo + j));
    }
    if (save != null) {
      x.intoArray(save, v + j);
    }
    return x;
  }

  /** Columns {@code [from, cols)} of one row, in scalar code. */
  private static void forwardTail(
      float[] src,
      int s,
      float[] bias,
      int bo,
      float[] dst,
      int d,
      float[] save,
      int v,
      int from,
      int cols,
      Activation act) {
    for (int j = from; j < cols; j++) {
      float x = src[s + j] + (bias == null ? 0f : bias[bo + j]);
      if (save != null) {
        save[v + j] = x;
      }
      dst[d + j] = applyTwin(act, x);
    }
  }

  /** Stores (or adds) a gradient vector at column {@code j} and adds it to the bias sums. */
  private static void post(
      FloatVector g, float[] dz, int c, boolean accumulate, float[] dBias, int dbo, int j) {
    FloatVector out = accumulate ? g.add(FloatVector.fromArray(S, dz, c + j)) : g;
    out.intoArray(dz, c + j);
    if (dBias != null) {
      out.add(FloatVector.fromArray(S, dBias, dbo + j)).intoArray(dBias, dbo + j);
    }
  }

  /** Columns {@code [from, cols)} of one row, in scalar code. */
  private static void backwardTail(
      float[] dy,
      int a,
      float[] y,
      int b,
      float[] dz,
      int c,
      boolean accumulate,
      float[] dBias,
      int dbo,
      int from,
      int cols,
      Activation act) {
    for (int j = from; j < cols; j++) {
      float g = gradientTwin(act, dy[a + j], y[b + j]);
      float out = accumulate ? dz[c + j] + g : g;
      dz[c + j] = out;
      if (dBias != null) {
        dBias[dbo + j] += out;
      }
    }
  }

  /** {@code (s + x s (1 - s)) / 1.1} with {@code s = sigmoid(x)}. */
  private static FloatVector lipSwishDerivative(FloatVector x) {
    FloatVector s = VectorMath.sigmoid(x);
    return s.add(x.mul(s).mul(s.neg().add(1f))).mul(LIPSWISH_INV);
  }

  /**
   * The scalar twin of the forward loop bodies without transcendentals (the others have tail loops
   * of their own: with those cases here, this switch, inlined into every loop method, made the
   * methods too big for C2 to keep their vectors unboxed).
   */
  static float applyTwin(Activation act, float x) {
    return switch (act) {
      case IDENTITY -> x;
      case RELU -> Math.max(x, 0f);
      case LEAKY_RELU -> Math.max(x, x * Activation.LEAKY_SLOPE);
      default -> throw new IllegalArgumentException("applyTwin: has its own tail loop: " + act);
    };
  }

  /** The scalar twin of {@link #lipSwishDerivative}. */
  static float lipSwishDerivativeTwin(float z) {
    float s = VectorMath.sigmoid(z);
    return (s + z * s * (1f - s)) * LIPSWISH_INV;
  }

  /** {@code post(dy * d)} over one row: vectors to {@code bound}, then the scalar twin. */
  private static void postProduct(
      float[] dy,
      int a,
      float[] d,
      float[] dz,
      int c,
      boolean accumulate,
      float[] dBias,
      int dbo,
      int bound,
      int cols) {
    for (int j = 0; j < bound; j += S.length()) {
      FloatVector g = FloatVector.fromArray(S, dy, a + j);
      post(g.mul(FloatVector.fromArray(S, d, j)), dz, c, accumulate, dBias, dbo, j);
    }
    for (int j = bound; j < cols; j++) {
      postTail(dy[a + j] * d[j], dz, c + j, accumulate, dBias, dbo + j);
    }
  }

  /** The scalar twin of {@link #post} for one column. */
  private static void postTail(
      float g, float[] dz, int idx, boolean accumulate, float[] dBias, int bidx) {
    float out = accumulate ? dz[idx] + g : g;
    dz[idx] = out;
    if (dBias != null) {
      dBias[bidx] += out;
    }
  }

  /**
   * The scalar twin of the backward loop bodies without transcendentals: {@code dy act'} from the
   * output {@code y} (softplus and LipSwish have tail loops of their own).
   */
  static float gradientTwin(Activation act, float dy, float y) {
    return switch (act) {
      case IDENTITY -> dy;
      case RELU -> y <= 0f ? 0f : dy;
      case LEAKY_RELU -> y <= 0f ? dy * Activation.LEAKY_SLOPE : dy;
      case ELU -> y <= 0f ? dy * (y + 1f) : dy;
      case TANH -> dy * (1f - y * y);
      case SIGMOID -> dy * (y * (1f - y));
      default -> throw new IllegalArgumentException("gradientTwin: has its own tail loop: " + act);
    };
  }

  @Override
  public void columnSums(float[] m, int mo, int rows, int cols, float[] g, int go) {
    int bound = S.loopBound(cols);
    for (int i = 0; i < rows; i++) {
      int r = mo + i * cols;
      int j = 0;
      for (; j < bound; j += S.length()) {
        FloatVector.fromArray(S, m, r + j)
            .add(FloatVector.fromArray(S, g, go + j))
            .intoArray(g, go + j);
      }
      for (; j < cols; j++) {
        g[go + j] += m[r + j];
      }
    }
  }

  @Override
  public String name() {
    return "vector-" + S.vectorBitSize();
  }
}
