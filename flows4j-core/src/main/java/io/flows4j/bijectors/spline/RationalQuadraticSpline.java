package io.flows4j.bijectors.spline;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.FusedOp;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Activation;
import io.flows4j.tensor.kernels.Elementwise;
import io.flows4j.tensor.kernels.ElementwiseKernels;
import io.flows4j.tensor.kernels.Kernels;
import java.util.Arrays;

/**
 * A monotone rational-quadratic spline transform with linear tails (Durkan, Bekasov, Murray &
 * Papamakarios 2019, "Neural Spline Flows"), applied elementwise to chosen features of a batch by
 * one fused op per direction with a hand-written backward rule.
 *
 * <p>On {@code [-B, B]} ({@code B} the tail bound) each transformed feature goes through a spline
 * of {@code K} bins whose knots and interior derivatives come from {@code 3K - 1} raw parameters
 * per feature and row (usually a conditioner network's output); outside it the map is the identity.
 * Bin widths and heights are a softmax mixed with a minimum share ({@code minBinWidth}, {@code
 * minBinHeight}: every bin at least {@code 2B min} wide and high), the end knots are exactly {@code
 * (-B, -B)} and {@code (B, B)}, interior derivatives are {@code minDerivative + softplus(ud + c)}
 * and the boundary derivatives 1, so the spline joins the identity tails with a continuous slope.
 * The shift {@code c = softplus^-1(1 - minDerivative)} is a choice of this library: with all raw
 * parameters zero the bins are uniform and every derivative is 1, which makes the spline exactly
 * the identity, so a zero-initialised conditioner starts a spline layer at the identity as it does
 * an affine one. See {@link SplineKernel} for the formulas and their derivatives.
 *
 * <p><b>Raw parameter layout.</b> For feature group {@code g} the {@code P = 3K - 1} columns {@code
 * g P .. g P + P - 1} of the parameter tensor hold {@code K} unnormalised widths, then {@code K}
 * unnormalised heights, then {@code K - 1} unnormalised interior derivatives.
 */
public final class RationalQuadraticSpline {
  /** Default number of bins, {@code K = 8} (BENCHMARKS.md W1 and W3). */
  public static final int DEFAULT_BINS = 8;

  /** Default tail bound {@code B = 3} (BENCHMARKS.md W1 and W3). */
  public static final double DEFAULT_TAIL_BOUND = 3.0;

  /** Default minimum normalised bin width, 1e-3, as in the paper's reference setup. */
  public static final double DEFAULT_MIN_BIN_WIDTH = 1e-3;

  /** Default minimum normalised bin height, 1e-3, as in the paper's reference setup. */
  public static final double DEFAULT_MIN_BIN_HEIGHT = 1e-3;

  /** Default minimum interior derivative, 1e-3, as in the paper's reference setup. */
  public static final double DEFAULT_MIN_DERIVATIVE = 1e-3;

  /** Elements per parallel task; an element costs about 100 ns forward and backward. */
  private static final int ELEMENTS_PER_TASK = 4096;

  /** Elements whose transcendental functions one vectorised call computes. */
  private static final int BLOCK = 128;

  /**
   * Whether the forward direction runs on {@link VectorSpline}: when the Vector API is present, its
   * vectors hold at least 4 doubles, and the kernels property ({@code flows4j.kernels}) does not
   * ask for {@code scalar}.
   */
  static final boolean VECTOR_DEFAULT = vectorAvailable();

  private final SplineKernel kernel;
  private final ThreadLocal<Workspace> workspace;

  /** The vector forward path, or {@code null} for the scalar path alone. */
  private final VectorSpline vector;

  private final ThreadLocal<VectorSpline.Buffers> vectorBuffers;

  /**
   * A spline with {@code bins} bins on {@code [-tailBound, tailBound]} and the default minimum bin
   * width, height and derivative.
   *
   * @throws IllegalArgumentException if {@code bins < 1} or {@code tailBound} is not positive and
   *     finite
   */
  public RationalQuadraticSpline(int bins, double tailBound) {
    this(bins, tailBound, DEFAULT_MIN_BIN_WIDTH, DEFAULT_MIN_BIN_HEIGHT, DEFAULT_MIN_DERIVATIVE);
  }

  /**
   * A spline with every setting given.
   *
   * @param bins number of bins {@code K}, at least 1
   * @param tailBound {@code B}: the spline acts on {@code [-B, B]}, the identity outside
   * @param minBinWidth minimum normalised width of a bin, {@code 0 <= minBinWidth < 1 / K}
   * @param minBinHeight minimum normalised height of a bin, {@code 0 <= minBinHeight < 1 / K}
   * @param minDerivative minimum derivative at interior knots, {@code 0 < minDerivative < 1}
   * @throws IllegalArgumentException if a setting is out of range
   */
  public RationalQuadraticSpline(
      int bins, double tailBound, double minBinWidth, double minBinHeight, double minDerivative) {
    Checks.requirePositive(bins, "RationalQuadraticSpline", "bins");
    Checks.requireArgument(
        tailBound > 0 && Double.isFinite(tailBound),
        "RationalQuadraticSpline: tailBound must be > 0 and finite, but was %s",
        tailBound);
    Checks.requireArgument(
        minBinWidth >= 0 && minBinWidth * bins < 1,
        "RationalQuadraticSpline: minBinWidth must be in [0, 1/bins) = [0, %s), but was %s",
        1.0 / bins,
        minBinWidth);
    Checks.requireArgument(
        minBinHeight >= 0 && minBinHeight * bins < 1,
        "RationalQuadraticSpline: minBinHeight must be in [0, 1/bins) = [0, %s), but was %s",
        1.0 / bins,
        minBinHeight);
    Checks.requireArgument(
        minDerivative > 0 && minDerivative < 1,
        "RationalQuadraticSpline: minDerivative must be in (0, 1), but was %s",
        minDerivative);
    this.kernel = new SplineKernel(bins, tailBound, minBinWidth, minBinHeight, minDerivative);
    this.workspace = ThreadLocal.withInitial(() -> new Workspace(kernel));
    this.vector = VECTOR_DEFAULT ? new VectorSpline(kernel) : null;
    this.vectorBuffers = vector == null ? null : ThreadLocal.withInitial(vector::newBuffers);
  }

  /** A copy with the same settings on the given path (tests compare the two). */
  private RationalQuadraticSpline(RationalQuadraticSpline other, boolean useVector) {
    this.kernel = other.kernel;
    this.workspace = ThreadLocal.withInitial(() -> new Workspace(kernel));
    this.vector = useVector ? new VectorSpline(kernel) : null;
    this.vectorBuffers = vector == null ? null : ThreadLocal.withInitial(vector::newBuffers);
  }

  /** This spline on the scalar path alone. */
  RationalQuadraticSpline scalarPath() {
    return new RationalQuadraticSpline(this, false);
  }

  /**
   * This spline with the vector forward path.
   *
   * @throws IllegalStateException if the Vector API is not usable here
   */
  RationalQuadraticSpline vectorPath() {
    if (!vectorUsable()) {
      throw new IllegalStateException(
          "RationalQuadraticSpline: the vector path needs jdk.incubator.vector and vectors of at"
              + " least 4 doubles");
    }
    return new RationalQuadraticSpline(this, true);
  }

  /** Whether this spline's forward direction runs on the vector path. */
  boolean usesVectorPath() {
    return vector != null;
  }

  static boolean vectorUsable() {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return false;
    }
    try {
      return VectorSpline.usable();
    } catch (LinkageError e) {
      // The module is listed but cannot be linked (an unusual launcher): scalar path.
      return false;
    }
  }

  /** System property {@code flows4j.spline}: {@code scalar} keeps the spline on the scalar path. */
  static final String PATH_PROPERTY = "flows4j.spline";

  private static boolean vectorAvailable() {
    String want =
        System.getProperty(Kernels.PROPERTY, "").trim().toLowerCase(java.util.Locale.ROOT);
    String path = System.getProperty(PATH_PROPERTY, "").trim().toLowerCase(java.util.Locale.ROOT);
    return !want.equals("scalar") && !path.equals("scalar") && vectorUsable();
  }

  /** Number of bins {@code K}. */
  public int bins() {
    return kernel.bins;
  }

  /** The tail bound {@code B}. */
  public double tailBound() {
    return kernel.tailBound;
  }

  /** Minimum normalised bin width. */
  public double minBinWidth() {
    return kernel.minBinWidth;
  }

  /** Minimum normalised bin height. */
  public double minBinHeight() {
    return kernel.minBinHeight;
  }

  /** Minimum interior derivative. */
  public double minDerivative() {
    return kernel.minDerivative;
  }

  /** Raw parameters per transformed feature, {@code 3K - 1}. */
  public int paramsPerFeature() {
    return kernel.paramsPerElement;
  }

  SplineKernel kernel() {
    return kernel;
  }

  /**
   * Applies the spline to every feature: feature {@code j} of {@code x} is transformed with the raw
   * parameters of group {@code j}.
   *
   * @param x of shape {@code [batch, D]}
   * @param params raw parameters of shape {@code [batch, D * P]}, grouped by feature
   * @param inverse false for the forward (data to latent) direction, true for the inverse
   * @return the transformed values {@code [batch, D]} and {@code log|det J|} of shape {@code
   *     [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit
   */
  public Transformed apply(Var x, Var params, boolean inverse) {
    Checks.requireShape(
        x.shape().rank() == 2,
        "RationalQuadraticSpline.apply: x must have shape [batch, features], but was %s",
        x.shape());
    int[] all = new int[x.shape().dim(1)];
    Arrays.setAll(all, i -> i);
    return apply(x, params, all, all, inverse);
  }

  /**
   * Applies the spline to the features {@code features[t]}, with the raw parameters of group {@code
   * groups[t]}, and copies the other features unchanged; one fused op with its backward rule for
   * {@code x} and {@code params}.
   *
   * <p>Forward: {@code z_f = g(x_f)} for transformed {@code f}, {@code z_f = x_f} otherwise, {@code
   * logAbsDet = sum_t log g'(x_{features[t]})}. Inverse: {@code z_f = g^-1(x_f)}, {@code logAbsDet
   * = -sum_t log g'(z_{features[t]})}.
   *
   * @param x of shape {@code [batch, D]}
   * @param params raw parameters of shape {@code [batch, G * P]} for some {@code G} groups
   * @param features distinct feature indices in {@code [0, D)}
   * @param groups for each transformed feature, its parameter group in {@code [0, G)}
   * @param inverse false for the forward (data to latent) direction, true for the inverse
   * @return the transformed values {@code [batch, D]} and {@code log|det J|} of shape {@code
   *     [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit
   * @throws IllegalArgumentException if the feature or group indices are invalid
   */
  public Transformed apply(Var x, Var params, int[] features, int[] groups, boolean inverse) {
    String op = inverse ? "RationalQuadraticSpline.inverse" : "RationalQuadraticSpline.forward";
    Shape sx = x.shape();
    Shape sp = params.shape();
    int p = kernel.paramsPerElement;
    Checks.requireShape(
        sx.rank() == 2, "%s: x must have shape [batch, features], but was %s", op, sx);
    Checks.requireShape(
        sp.rank() == 2 && sp.dim(0) == sx.dim(0) && sp.dim(1) % p == 0,
        "%s: params must have shape [%d, groups * %d], but was %s (x is %s)",
        op,
        sx.dim(0),
        p,
        sp,
        sx);
    int rows = sx.dim(0);
    int d = sx.dim(1);
    int hc = sp.dim(1);
    int[] identity = FusedOp.untransformed(op, features, groups, d, hc / p);
    if (!inverse && vector != null && features.length > 0 && distinct(groups)) {
      return applyVector(x, params, features, groups, identity);
    }
    Tensor xv = x.value();
    Tensor hv = params.value();
    Tensor z = Tape.newValue(sx);
    Tensor ld = Tape.newValue(Shape.of(rows));
    float[] xd = xv.data();
    int xo = xv.offset();
    float[] hd = hv.data();
    int ho = hv.offset();
    float[] zd = z.data();
    int zo = z.offset();
    float[] ldd = ld.data();
    int ldo = ld.offset();
    System.arraycopy(xd, xo, zd, zo, rows * d);
    int nt = features.length;
    int minRows = Math.max(1, ELEMENTS_PER_TASK / Math.max(1, nt));
    // What the backward pass needs (probabilities, derivatives and their sigmoids, bin) is kept
    // from this pass when a gradient will be wanted, so that it evaluates no exponential again.
    boolean keep = Tape.isRecording() && (x.requiresGrad() || params.requiresGrad());
    Tensor stash = keep ? Tape.newValue(Shape.of(rows, nt * kernel.stashSize)) : null;
    Threads.parallelRange(
        rows,
        minRows,
        (from, to) -> {
          Workspace ws = workspace.get();
          int n = 0;
          for (int r = from; r < to; r++) {
            ldd[ldo + r] = 0f;
            for (int t = 0; t < nt; t++) {
              if (!kernel.inside(xd[xo + r * d + features[t]])) {
                continue; // identity tail: z already holds x, log-derivative 0
              }
              kernel.shiftedArguments(
                  hd, ho + r * hc + groups[t] * p, ws.exp, n * ws.ne, ws.args, n * ws.nd);
              ws.rows[n] = r;
              ws.ts[n] = t;
              if (++n == BLOCK) {
                evaluate(ws, n, xv, features, inverse, z, ld, stash);
                n = 0;
              }
            }
          }
          evaluate(ws, n, xv, features, inverse, z, ld, stash);
        });
    return FusedOp.transformed(
        z,
        ld,
        (gz, gld) -> backward(x, params, features, groups, identity, inverse, stash, gz, gld),
        x,
        params);
  }

  private static boolean distinct(int[] groups) {
    int[] sorted = groups.clone();
    Arrays.sort(sorted);
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i] == sorted[i - 1]) {
        return false;
      }
    }
    return true;
  }

  /**
   * The forward direction on {@link VectorSpline}: blocks of elements of the flattened {@code (row,
   * feature)} list split over threads, the per-element log-derivatives summed per row afterwards
   * (in feature order, as the scalar path does), so that no two tasks write the same row.
   */
  private Transformed applyVector(Var x, Var params, int[] features, int[] groups, int[] identity) {
    Tensor xv = x.value();
    Tensor hv = params.value();
    int rows = xv.dim(0);
    int d = xv.dim(1);
    int hc = hv.dim(1);
    int nt = features.length;
    int n = rows * nt;
    int lanes = VectorSpline.L;
    int blocks = (n + lanes - 1) / lanes;
    Tensor z = Tape.newValue(xv.shape());
    Tensor ld = Tape.newValue(Shape.of(rows));
    Tensor lde = Tape.newValue(Shape.of(n));
    float[] xd = xv.data();
    int xo = xv.offset();
    float[] zd = z.data();
    int zo = z.offset();
    float[] hd = hv.data();
    int ho = hv.offset();
    System.arraycopy(xd, xo, zd, zo, rows * d);
    boolean keep = Tape.isRecording() && (x.requiresGrad() || params.requiresGrad());
    Tensor stash = keep ? Tape.newValue(Shape.of(blocks * vector.stashSize * lanes)) : null;
    float[] sd = stash == null ? null : stash.data();
    int sto = stash == null ? 0 : stash.offset();
    float[] led = lde.data();
    int leo = lde.offset();
    int minBlocks = Math.max(1, ELEMENTS_PER_TASK / lanes);
    Threads.parallelRange(
        blocks,
        minBlocks,
        (from, to) ->
            vector.forward(
                vectorBuffers.get(),
                from,
                to,
                n,
                nt,
                features,
                groups,
                xd,
                xo,
                d,
                hd,
                ho,
                hc,
                zd,
                zo,
                led,
                leo,
                sd,
                sto));
    float[] ldd = ld.data();
    int ldo = ld.offset();
    for (int r = 0; r < rows; r++) {
      float acc = 0f;
      for (int t = 0; t < nt; t++) {
        acc += led[leo + r * nt + t];
      }
      ldd[ldo + r] = acc;
    }
    return FusedOp.transformed(
        z,
        ld,
        (gz, gld) -> backwardVector(x, params, features, groups, identity, stash, gz, gld),
        x,
        params);
  }

  private void backwardVector(
      Var x,
      Var params,
      int[] features,
      int[] groups,
      int[] identity,
      Tensor stash,
      Tensor gz,
      Tensor gld) {
    Tensor xv = x.value();
    Tensor gx = x.requiresGrad() ? x.grad() : null;
    Tensor gh = params.requiresGrad() ? params.grad() : null;
    int rows = xv.dim(0);
    int d = xv.dim(1);
    int hc = params.value().dim(1);
    int nt = features.length;
    int n = rows * nt;
    int lanes = VectorSpline.L;
    int blocks = (n + lanes - 1) / lanes;
    float[] gzd = gz == null ? null : gz.data();
    int gzo = gz == null ? 0 : gz.offset();
    float[] gldd = gld == null ? null : gld.data();
    int gldo = gld == null ? 0 : gld.offset();
    float[] gxd = gx == null ? null : gx.data();
    int gxo = gx == null ? 0 : gx.offset();
    float[] ghd = gh == null ? null : gh.data();
    int gho = gh == null ? 0 : gh.offset();
    if (gxd != null && gzd != null) {
      for (int r = 0; r < rows; r++) {
        for (int f : identity) {
          gxd[gxo + r * d + f] += gzd[gzo + r * d + f];
        }
      }
    }
    if (gxd == null && ghd == null) {
      return;
    }
    float[] sd = stash.data();
    int sto = stash.offset();
    int minBlocks = Math.max(1, ELEMENTS_PER_TASK / lanes);
    Threads.parallelRange(
        blocks,
        minBlocks,
        (from, to) ->
            vector.backward(
                vectorBuffers.get(),
                from,
                to,
                n,
                nt,
                features,
                groups,
                d,
                hc,
                gzd,
                gzo,
                gldd,
                gldo,
                gxd,
                gxo,
                ghd,
                gho,
                sd,
                sto));
  }

  /**
   * Evaluates the {@code n} elements listed in the workspace: one vectorised call each for the
   * exponentials of the softmaxes and for the softplus (and, before a backward pass, the sigmoid)
   * of the derivatives, then the spline of each element in double.
   */
  private void evaluate(
      Workspace ws,
      int n,
      Tensor x,
      int[] features,
      boolean inverse,
      Tensor z,
      Tensor ld,
      Tensor stash) {
    if (n == 0) {
      return;
    }
    Elementwise ew = ElementwiseKernels.get();
    ew.exp(ws.exp, 0, ws.exp, 0, n * ws.ne);
    ew.activation(Activation.SOFTPLUS, ws.args, 0, ws.softplus, 0, n * ws.nd);
    if (stash != null) {
      ew.activation(Activation.SIGMOID, ws.args, 0, ws.sigmoid, 0, n * ws.nd);
    }
    int d = x.dim(1);
    int nt = features.length;
    float[] xd = x.data();
    int xo = x.offset();
    float[] zd = z.data();
    int zo = z.offset();
    float[] ldd = ld.data();
    int ldo = ld.offset();
    SplineKernel.Scratch sc = ws.scratch;
    for (int i = 0; i < n; i++) {
      int r = ws.rows[i];
      int t = ws.ts[i];
      int at = r * d + features[t];
      kernel.prepare(
          ws.exp, i * ws.ne, ws.softplus, stash == null ? null : ws.sigmoid, i * ws.nd, sc);
      if (inverse) {
        kernel.inversePrepared(xd[xo + at], sc);
      } else {
        kernel.forwardPrepared(xd[xo + at], sc);
      }
      zd[zo + at] = (float) sc.value;
      ldd[ldo + r] += (float) sc.logDet;
      if (stash != null) {
        kernel.stash(sc, stash.data(), stash.offset() + (r * nt + t) * kernel.stashSize);
      }
    }
  }

  /** Per-thread buffers of the forward pass: {@link #BLOCK} elements' prepared arguments. */
  private static final class Workspace {
    final SplineKernel.Scratch scratch;

    /** Exponential arguments (then values) per element: {@code 2K}. */
    final int ne;

    /** Derivative arguments per element: {@code K - 1}. */
    final int nd;

    final float[] exp;
    final float[] args;
    final float[] softplus;
    final float[] sigmoid;
    final int[] rows = new int[BLOCK];
    final int[] ts = new int[BLOCK];

    Workspace(SplineKernel kernel) {
      scratch = kernel.newScratch();
      ne = 2 * kernel.bins;
      nd = kernel.bins - 1;
      exp = new float[BLOCK * ne];
      args = new float[BLOCK * nd];
      softplus = new float[BLOCK * nd];
      sigmoid = new float[BLOCK * nd];
    }
  }

  private void backward(
      Var x,
      Var params,
      int[] features,
      int[] groups,
      int[] identity,
      boolean inverse,
      Tensor stash,
      Tensor gz,
      Tensor gld) {
    boolean wantX = x.requiresGrad();
    boolean wantP = params.requiresGrad();
    Tensor xv = x.value();
    Tensor hv = params.value();
    Tensor gx = wantX ? x.grad() : null;
    Tensor gh = wantP ? params.grad() : null;
    int rows = xv.dim(0);
    int d = xv.dim(1);
    int hc = hv.dim(1);
    int p = kernel.paramsPerElement;
    int nt = features.length;
    float[] xd = xv.data();
    int xo = xv.offset();
    float[] hd = hv.data();
    int ho = hv.offset();
    float[] gzd = gz == null ? null : gz.data();
    int gzo = gz == null ? 0 : gz.offset();
    float[] gldd = gld == null ? null : gld.data();
    int gldo = gld == null ? 0 : gld.offset();
    float[] gxd = gx == null ? null : gx.data();
    int gxo = gx == null ? 0 : gx.offset();
    float[] ghd = gh == null ? null : gh.data();
    int gho = gh == null ? 0 : gh.offset();
    int minRows = Math.max(1, ELEMENTS_PER_TASK / Math.max(1, nt));
    int ss = kernel.stashSize;
    float[] std = stash.data();
    int sto = stash.offset();
    Threads.parallelRange(
        rows,
        minRows,
        (from, to) -> {
          SplineKernel.Scratch sc = kernel.newScratch();
          for (int r = from; r < to; r++) {
            double gL = gldd == null ? 0 : gldd[gldo + r];
            if (gxd != null && gzd != null) {
              for (int f : identity) {
                gxd[gxo + r * d + f] += gzd[gzo + r * d + f];
              }
            }
            for (int t = 0; t < nt; t++) {
              int f = features[t];
              double v = xd[xo + r * d + f];
              double g = gzd == null ? 0 : gzd[gzo + r * d + f];
              if (!kernel.inside(v)) {
                if (gxd != null) {
                  gxd[gxo + r * d + f] += (float) g;
                }
                continue;
              }
              int off = ho + r * hc + groups[t] * p;
              load(hd, off, sc.raw, p);
              int so = sto + (r * nt + t) * ss;
              if (inverse) {
                kernel.backwardInverse(v, g, gL, sc, std, so);
              } else {
                kernel.backwardForward(v, g, gL, sc, std, so);
              }
              if (gxd != null) {
                gxd[gxo + r * d + f] += (float) sc.gradIn;
              }
              if (ghd != null) {
                int go = gho + r * hc + groups[t] * p;
                for (int i = 0; i < p; i++) {
                  ghd[go + i] += (float) sc.gradRaw[i];
                }
              }
            }
          }
        });
  }

  private static void load(float[] src, int off, double[] dst, int n) {
    for (int i = 0; i < n; i++) {
      dst[i] = src[off + i];
    }
  }

  @Override
  public String toString() {
    return "RationalQuadraticSpline(bins="
        + kernel.bins
        + ", tailBound="
        + kernel.tailBound
        + ", minBinWidth="
        + kernel.minBinWidth
        + ", minBinHeight="
        + kernel.minBinHeight
        + ", minDerivative="
        + kernel.minDerivative
        + ")";
  }
}
