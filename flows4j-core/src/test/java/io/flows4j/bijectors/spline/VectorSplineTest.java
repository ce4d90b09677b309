package io.flows4j.bijectors.spline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.GradCheck;
import io.flows4j.autodiff.Reductions;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The vector forward path ({@link VectorSpline}) against an independent computation: {@link
 * SplineKernel} in double per element (exponentials in double too, everything recomputed from the
 * raw parameters), for values, log-determinants and both gradients, on a batch whose element count
 * is not a multiple of the vector length (a partial last block, blocks across rows), with tails,
 * exact bounds, a NaN input and parameter groups other than the features; against the scalar path;
 * and the same output on every call while the JIT compiles the code (no tier-dependent
 * transcendental function).
 */
class VectorSplineTest {
  static final long SEED = 7L;

  /**
   * Absolute tolerance of values and gradients against the double reference, relative to {@code
   * max(1, |reference|)}: the fused op computes the softmax exponentials, softplus and sigmoids in
   * float (relative error about 1e-7, moving knots by about 1e-6 with raw parameters up to 2) and
   * stores the backward stash in float; the rest is double.
   */
  static final double DOUBLE_REFERENCE_TOL = 2e-5;

  /**
   * Tolerance of values and log-dets against the scalar path, relative as above: the scalar path
   * takes its exponentials, softplus and sigmoids in float (within an ulp, 6e-8), this path in
   * double; the rest is the same double arithmetic.
   */
  static final double SCALAR_PATH_TOL = 1e-6;

  /**
   * Tolerance of the gradients against the scalar path: they also differ because this path stashes
   * {@code xi}, the bin width and height in float where the scalar path recomputes them in double
   * from stashed float probabilities (measured: 5e-6 at most on this batch).
   */
  static final double SCALAR_PATH_GRAD_TOL = DOUBLE_REFERENCE_TOL;

  /** Raw parameters are uniform in {@code [-RAW, RAW]}: bins from 0.7% to 37% of the range. */
  static final double RAW = 2.0;

  /**
   * Calls of the reproducibility test: enough for C1 and C2 to compile the kernel (with lanewise
   * EXP/LOG a 300 x 3 batch changed after 23 to 189 calls in a stand-alone harness).
   */
  static final int WARM_UP_CALLS = 3000;

  static final int ROWS = 37;
  static final int D = 5;
  static final int GROUPS = 5;
  static final int[] FEATURES = {4, 0, 2, 3};
  static final int[] USED_GROUPS = {1, 3, 0, 2};

  private RationalQuadraticSpline vector;
  private RationalQuadraticSpline scalar;
  private SplineKernel kernel;

  @BeforeEach
  void setUp() {
    assumeTrue(RationalQuadraticSpline.vectorUsable(), "the Vector API is not usable here");
    vector = new RationalQuadraticSpline(8, 3.0).vectorPath();
    scalar = vector.scalarPath();
    kernel = vector.kernel();
  }

  /** Inputs: inside uniformly, in the tails, at the exact bounds, one NaN. */
  private static Tensor inputs(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Tensor x = Tensor.zeros(ROWS, D);
    for (int i = 0; i < x.size(); i++) {
      double v =
          switch (i % 7) {
            case 3 -> (r.nextBoolean() ? 1 : -1) * (3 + 10 * r.nextDouble());
            case 5 -> r.nextBoolean() ? 3.0 : -3.0;
            default -> 6 * r.nextDouble() - 3;
          };
      x.setFlat(i, (float) v);
    }
    x.setFlat(12, Float.NaN);
    return x;
  }

  private static final class Outputs {
    Tensor z;
    Tensor ld;
    Tensor gx;
    Tensor gh;
  }

  /** Forward and backward of {@code sum(gz * z) + sum(gl * ld)} on the given path. */
  private static Outputs run(
      RationalQuadraticSpline spline, Tensor x, Tensor h, Tensor gz, Tensor gl) {
    Outputs o = new Outputs();
    try (Tape tape = Tape.record()) {
      Var xv = tape.tracked(x);
      Var hv = tape.tracked(h);
      Transformed t = spline.apply(xv, hv, FEATURES, USED_GROUPS, false);
      Var loss =
          ArithmeticOps.add(
              Reductions.sum(ArithmeticOps.mul(t.value(), tape.input(gz))),
              Reductions.sum(ArithmeticOps.mul(t.logAbsDet(), tape.input(gl))));
      tape.backward(loss);
      o.z = t.value().value().copy();
      o.ld = t.logAbsDet().value().copy();
      o.gx = xv.grad().copy();
      o.gh = hv.grad().copy();
    }
    return o;
  }

  private static void close(double actual, double expected, double tol, String what) {
    assertThat(actual).as(what).isCloseTo(expected, within(tol * Math.max(1, Math.abs(expected))));
  }

  @Test
  @DisplayName("values, log-dets and gradients match the kernel in double (seed 7)")
  void matchesDoubleReference() {
    Tensor x = inputs(SEED);
    Tensor h = GradCheck.uniform(SEED + 1, -RAW, RAW, ROWS, GROUPS * kernel.paramsPerElement);
    Tensor gz = GradCheck.uniform(SEED + 2, -1, 1, ROWS, D);
    Tensor gl = GradCheck.uniform(SEED + 3, -1, 1, ROWS);
    Outputs o = run(vector, x, h, gz, gl);
    int p = kernel.paramsPerElement;
    SplineKernel.Scratch sc = kernel.newScratch();
    for (int r = 0; r < ROWS; r++) {
      double ld = 0;
      boolean[] transformed = new boolean[D];
      for (int t = 0; t < FEATURES.length; t++) {
        int f = FEATURES[t];
        transformed[f] = true;
        for (int i = 0; i < p; i++) {
          sc.raw[i] = h.get(r, USED_GROUPS[t] * p + i);
        }
        double xin = x.get(r, f);
        kernel.forward(xin, sc);
        String at = "row " + r + ", feature " + f + ", x = " + xin;
        if (Double.isNaN(xin)) {
          assertThat(o.z.get(r, f)).as(at).isNaN();
        } else {
          close(o.z.get(r, f), sc.value, DOUBLE_REFERENCE_TOL, "value at " + at);
        }
        ld += sc.logDet;
        boolean wrote = kernel.backwardForward(xin, gz.get(r, f), gl.get(r), sc);
        if (!Double.isNaN(xin)) {
          close(o.gx.get(r, f), sc.gradIn, DOUBLE_REFERENCE_TOL, "dL/dx at " + at);
        }
        for (int i = 0; i < p; i++) {
          double expected = wrote ? sc.gradRaw[i] : 0;
          close(
              o.gh.get(r, USED_GROUPS[t] * p + i),
              expected,
              DOUBLE_REFERENCE_TOL,
              "dL/dparam " + i + " at " + at);
        }
      }
      close(o.ld.get(r), ld, DOUBLE_REFERENCE_TOL, "log-det of row " + r);
      for (int f = 0; f < D; f++) {
        if (!transformed[f]) {
          assertThat(o.z.get(r, f)).isEqualTo(x.get(r, f));
          assertThat(o.gx.get(r, f)).isEqualTo(gz.get(r, f));
        }
      }
      for (int i = 0; i < p; i++) {
        assertThat(o.gh.get(r, 4 * p + i)).as("the unused group gets no gradient").isZero();
      }
    }
  }

  @Test
  @DisplayName("the vector and scalar paths agree (seed 17)")
  void matchesScalarPath() {
    Tensor x = inputs(SEED + 10);
    Tensor h = GradCheck.uniform(SEED + 11, -RAW, RAW, ROWS, GROUPS * kernel.paramsPerElement);
    Tensor gz = GradCheck.uniform(SEED + 12, -1, 1, ROWS, D);
    Tensor gl = GradCheck.uniform(SEED + 13, -1, 1, ROWS);
    Outputs v = run(vector, x, h, gz, gl);
    Outputs s = run(scalar, x, h, gz, gl);
    Tensor[][] pairs = {{v.z, s.z}, {v.ld, s.ld}, {v.gx, s.gx}, {v.gh, s.gh}};
    String[] names = {"value", "log-det", "dL/dx", "dL/dparams"};
    for (int k = 0; k < pairs.length; k++) {
      for (int i = 0; i < pairs[k][0].size(); i++) {
        float a = pairs[k][0].getFlat(i);
        float b = pairs[k][1].getFlat(i);
        if (Float.isNaN(b)) {
          assertThat(a).as("%s %d", names[k], i).isNaN();
        } else if (k < 2) {
          close(a, b, SCALAR_PATH_TOL, names[k] + " " + i);
        } else {
          close(a, b, SCALAR_PATH_GRAD_TOL, names[k] + " " + i);
        }
      }
    }
  }

  @Test
  @DisplayName("GradCheck on a partial block (3 rows x 3 features, seed 7)")
  void gradCheckPartialBlock() {
    int[] features = {2, 0, 1};
    int[] groups = {0, 2, 1};
    Tensor h = GradCheck.uniform(SEED + 20, -0.6, 0.6, 3, 3 * kernel.paramsPerElement);
    Tensor x = GradCheck.uniform(SEED + 21, -2.5, 2.5, 3, 3);
    x.setFlat(4, 5f);
    GradCheck.check(
        v -> {
          Transformed t = vector.apply(v[0], v[1], features, groups, false);
          return ShapeOps.concat(1, t.value(), ShapeOps.reshape(t.logAbsDet(), 3, 1));
        },
        SEED,
        x,
        h);
  }

  @Test
  @DisplayName("the same bits on every call while the code warms up (seed 27)")
  void reproducibleWhileWarmingUp() {
    Tensor x = GradCheck.uniform(SEED + 30, -3.5, 3.5, 64, 3);
    Tensor h = GradCheck.uniform(SEED + 31, -3, 3, 64, 3 * kernel.paramsPerElement);
    float[] first = null;
    for (int it = 0; it < WARM_UP_CALLS; it++) {
      try (Tape t = Tape.noGrad()) {
        Transformed f = vector.apply(t.input(x), t.input(h), false);
        float[] z = f.value().value().toArray();
        float[] ld = f.logAbsDet().value().toArray();
        float[] both = new float[z.length + ld.length];
        System.arraycopy(z, 0, both, 0, z.length);
        System.arraycopy(ld, 0, both, z.length, ld.length);
        if (first == null) {
          first = both;
        } else {
          assertThat(both).as("call %d", it).isEqualTo(first);
        }
      }
    }
  }

  @Test
  @DisplayName("the default spline uses the vector path where it is usable")
  void defaultIsVector() {
    assertThat(new RationalQuadraticSpline(8, 3.0).usesVectorPath())
        .isEqualTo(RationalQuadraticSpline.VECTOR_DEFAULT);
    assertThat(vector.usesVectorPath()).isTrue();
    assertThat(scalar.usesVectorPath()).isFalse();
  }
}
