package io.flows4j.tensor.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link VectorMath} against {@link StrictMath} evaluated in double, over sweeps of the whole float
 * range and dense sweeps of the sub-ranges where float math goes wrong (near 0, near overflow and
 * underflow, subnormals), plus exact special values; and its scalar twins against the vector lanes,
 * bit for bit.
 */
class VectorMathTest {
  // Maximum errors in float ulps of the correctly rounded result. Measured over every 257th float
  // and every float of [2^-7, 1), [80, 128) and [-112, -80), both signs: exp 1.043, expm1 1.591,
  // log 0.835, log1p 0.840, tanh 2.566, sigmoid 2.327, softplus 1.612.
  static final double EXP_MAX_ULP = 1.1;
  static final double EXPM1_MAX_ULP = 1.7;
  static final double LOG_MAX_ULP = 0.9;
  static final double LOG1P_MAX_ULP = 0.9;
  static final double TANH_MAX_ULP = 2.6;
  static final double SIGMOID_MAX_ULP = 2.4;
  static final double SOFTPLUS_MAX_ULP = 1.7;

  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  /** Each function: vector form, scalar twin, double reference, error bound. */
  enum Fn {
    EXP(VectorMath::exp, VectorMath::exp, StrictMath::exp, EXP_MAX_ULP),
    EXPM1(VectorMath::expm1, VectorMath::expm1, StrictMath::expm1, EXPM1_MAX_ULP),
    LOG(VectorMath::log, VectorMath::log, StrictMath::log, LOG_MAX_ULP),
    LOG1P(VectorMath::log1p, VectorMath::log1p, StrictMath::log1p, LOG1P_MAX_ULP),
    TANH(VectorMath::tanh, VectorMath::tanh, StrictMath::tanh, TANH_MAX_ULP),
    SIGMOID(VectorMath::sigmoid, VectorMath::sigmoid, Fn::sigmoid, SIGMOID_MAX_ULP),
    SOFTPLUS(VectorMath::softplus, VectorMath::softplus, Fn::softplus, SOFTPLUS_MAX_ULP);

    final UnaryOperator<FloatVector> vector;
    final FloatUnary twin;
    final DoubleUnaryOperator reference;
    final double maxUlp;

    Fn(
        UnaryOperator<FloatVector> vector,
        FloatUnary twin,
        DoubleUnaryOperator reference,
        double maxUlp) {
      this.vector = vector;
      this.twin = twin;
      this.reference = reference;
      this.maxUlp = maxUlp;
    }

    private static double sigmoid(double x) {
      return x >= 0 ? 1 / (1 + StrictMath.exp(-x)) : StrictMath.exp(x) / (1 + StrictMath.exp(x));
    }

    private static double softplus(double x) {
      return Math.max(x, 0) + StrictMath.log1p(StrictMath.exp(-Math.abs(x)));
    }
  }

  @FunctionalInterface
  interface FloatUnary {
    float apply(float x);
  }

  /**
   * Error of {@code actual} in ulps of the float nearest to {@code reference}; a reference that
   * rounds to an infinite float counts as {@code +-2^128}, one ulp beyond {@code MAX_VALUE}.
   */
  static double ulpError(float actual, double reference) {
    if (Double.isNaN(reference) || Float.isNaN(actual)) {
      return Double.isNaN(reference) && Float.isNaN(actual) ? 0 : Double.POSITIVE_INFINITY;
    }
    float rounded = (float) reference;
    double a = Float.isInfinite(actual) ? Math.copySign(0x1p128, actual) : actual;
    double r = Float.isInfinite(rounded) ? Math.copySign(0x1p128, reference) : reference;
    if (a == r) {
      return 0;
    }
    double ulp = Float.isInfinite(rounded) ? Math.ulp(Float.MAX_VALUE) : Math.ulp(rounded);
    return Math.abs(a - r) / ulp;
  }

  /** Runs the vector form over {@code x} (whole vectors; the rest by the twin). */
  static float[] applyVector(Fn f, float[] x) {
    float[] y = new float[x.length];
    int i = 0;
    for (int bound = S.loopBound(x.length); i < bound; i += S.length()) {
      f.vector.apply(FloatVector.fromArray(S, x, i)).intoArray(y, i);
    }
    for (; i < x.length; i++) {
      y[i] = f.twin.apply(x[i]);
    }
    return y;
  }

  /** Floats with bit patterns from {@code lo} (inclusive) to {@code hi} (exclusive), by stride. */
  static float[] sweep(long lo, long hi, int stride) {
    float[] x = new float[(int) ((hi - lo + stride - 1) / stride)];
    for (int k = 0; k < x.length; k++) {
      x[k] = Float.intBitsToFloat((int) (lo + (long) k * stride));
    }
    return x;
  }

  static void assertAccurate(Fn f, float[] x) {
    float[] y = applyVector(f, x);
    double worst = 0;
    int at = 0;
    for (int i = 0; i < x.length; i++) {
      double e = ulpError(y[i], f.reference.applyAsDouble(x[i]));
      if (e > worst) {
        worst = e;
        at = i;
      }
    }
    assertThat(worst)
        .as(
            "%s: worst error in ulps, at x = %s (got %s, reference %s)",
            f, x[at], y[at], f.reference.applyAsDouble(x[at]))
        .isLessThanOrEqualTo(f.maxUlp);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Fn.class)
  @DisplayName("within its ulp bound over every 4099th float bit pattern (NaNs and infinities too)")
  void wholeRange(Fn f) {
    assertAccurate(f, sweep(0, 1L << 32, 4099));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Fn.class)
  @DisplayName("within its ulp bound near 0: |x| from 2^-40 to 1, both signs, dense")
  void nearZero(Fn f) {
    // Bit patterns of 2^-40 (0x2b800000) to 1 (0x3f800000): relative accuracy for tiny arguments.
    assertAccurate(f, sweep(0x2b800000L, 0x3f800000L, 97));
    assertAccurate(f, sweep(0xab800000L, 0xbf800000L, 97));
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Fn.class)
  @DisplayName("within its ulp bound near overflow and underflow: |x| in [64, 128), dense")
  void nearOverflow(Fn f) {
    // [64, 128) holds ln(MAX_VALUE) = 88.72 and ln(MIN_VALUE) = -103.28, so exp's overflow, its
    // gradual underflow through the subnormals and the saturation of the others.
    assertAccurate(f, sweep(0x42800000L, 0x43000000L, 7));
    assertAccurate(f, sweep(0xc2800000L, 0xc3000000L, 7));
  }

  @Test
  @DisplayName("log is within its bound on subnormals and the smallest normals, dense")
  void logOfSubnormals() {
    assertAccurate(Fn.LOG, sweep(1, 0x01000000L, 13));
  }

  @Test
  @DisplayName("special values are those of Math")
  void specialValues() {
    float inf = Float.POSITIVE_INFINITY;
    float nan = Float.NaN;
    float[][] cases = {
      // function index, x, expected
      {0, nan, nan},
      {0, inf, inf},
      {0, -inf, 0f},
      {0, 89f, inf},
      {0, -104f, 0f},
      {0, 0f, 1f},
      {0, -0f, 1f},
      {0, 88.72285f, inf},
      {0, -103.98f, 0f},
      {1, nan, nan},
      {1, inf, inf},
      {1, -inf, -1f},
      {1, 0f, 0f},
      {1, -0f, -0f},
      {1, 1e-30f, 1e-30f},
      {1, -1e-30f, -1e-30f},
      {1, Float.MIN_VALUE, Float.MIN_VALUE},
      {1, 89f, inf},
      {1, -30f, -1f},
      {2, nan, nan},
      {2, inf, inf},
      {2, -inf, nan},
      {2, 0f, -inf},
      {2, -0f, -inf},
      {2, -1f, nan},
      {2, 1f, 0f},
      {3, nan, nan},
      {3, inf, inf},
      {3, -inf, nan},
      {3, -1f, -inf},
      {3, -2f, nan},
      {3, 0f, 0f},
      {3, -0f, -0f},
      {3, 1e-30f, 1e-30f},
      {3, Float.MIN_VALUE, Float.MIN_VALUE},
      {4, nan, nan},
      {4, inf, 1f},
      {4, -inf, -1f},
      {4, 0f, 0f},
      {4, -0f, -0f},
      {4, 1e-30f, 1e-30f},
      {4, -1e-30f, -1e-30f},
      {4, 20f, 1f},
      {4, -1e4f, -1f},
      {5, nan, nan},
      {5, inf, 1f},
      {5, -inf, 0f},
      {5, 0f, 0.5f},
      {5, -200f, 0f},
      {6, nan, nan},
      {6, inf, inf},
      {6, -inf, 0f},
      {6, 1e30f, 1e30f},
      {6, -200f, 0f},
    };
    Fn[] fns = Fn.values();
    for (float[] c : cases) {
      Fn f = fns[(int) c[0]];
      float[] x = new float[S.length()];
      java.util.Arrays.fill(x, c[1]);
      float lane = applyVector(f, x)[0];
      String what = f + "(" + c[1] + ")";
      assertThat(Float.floatToIntBits(lane)).as(what).isEqualTo(Float.floatToIntBits(c[2]));
      assertThat(Float.floatToIntBits(f.twin.apply(c[1])))
          .as("twin " + what)
          .isEqualTo(Float.floatToIntBits(c[2]));
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(Fn.class)
  @DisplayName("the scalar twin gives the bits of the vector lane on random inputs (seed 77)")
  void twinMatchesLanes(Fn f) {
    SplittableRandom r = new SplittableRandom(77);
    int n = 200_000;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      // Half arbitrary bit patterns, half moderate values where the functions are used.
      x[i] = i % 2 == 0 ? Float.intBitsToFloat(r.nextInt()) : (float) r.nextDouble(-40, 40);
    }
    float[] y = new float[n];
    int bound = S.loopBound(n);
    for (int i = 0; i < bound; i += S.length()) {
      f.vector.apply(FloatVector.fromArray(S, x, i)).intoArray(y, i);
    }
    for (int i = 0; i < bound; i++) {
      // floatToIntBits: NaN payloads are not specified by Java arithmetic, every NaN counts as one.
      if (Float.floatToIntBits(y[i]) != Float.floatToIntBits(f.twin.apply(x[i]))) {
        assertThat(f.twin.apply(x[i])).as("%s twin at x = %s", f, x[i]).isEqualTo(y[i]);
      }
    }
  }
}
