package io.flows4j.bijectors.residual;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.LinearOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.Contexts;
import io.flows4j.bijectors.NonConvergenceException;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.Arrays;
import java.util.Locale;

/**
 * An invertible residual block {@code y = x + g(x)} (Behrmann et al. 2019, "Invertible Residual
 * Networks"; Chen et al. 2019, "Residual Flows for Invertible Generative Modeling"), where {@code
 * g} is a network with Lipschitz constant below 1: LipSwish activations with trainable slopes and
 * spectrally normalised dense layers with coefficient {@code c < 1} (see {@link LipschitzLayer}),
 * {@code g = L_(K) o ... o L_1}, {@code L_i(h) = W_i phi_i(h) + b_i}, widths {@code D -> hidden...
 * -> D}.
 *
 * <pre>
 *   forward (data to latent, closed form):   z = x + g(x),
 *                                            log|det dz/dx| = log det(I + J_g(x))
 *   inverse (latent to data, numerical):     x = lim x_k,  x_(k+1) = z - g(x_k),  x_0 = z,
 *                                            log|det dx/dz| = -log det(I + J_g(x))
 * </pre>
 *
 * <p>Use {@link #inverted()} to put the closed form on the generative side (variational inference).
 *
 * <p><b>Inverse.</b> The fixed-point iteration contracts at the rate {@code Lip(g) < 1} (Banach),
 * from any start. It stops when every element changes by at most {@code tolerance * max(1, |x|)} in
 * one iteration (default {@value #DEFAULT_TOLERANCE}, about ten float32 rounding steps); the error
 * left is then at most {@code Lip/(1 - Lip)} times that change. It gives up after {@code
 * maxIterations} (default {@value #DEFAULT_MAX_ITERATIONS}) with a {@link NonConvergenceException}
 * naming the block, the residual reached and the iterations run. The inverse is differentiable by
 * implicit differentiation: for an incoming gradient {@code a = dL/dx}, {@code w = (I + J_g)^-T a}
 * is solved by the fixed-point iteration {@code w <- a - J_g^T w} (same tolerance, relative to
 * {@code max|w|}), then {@code dL/dz = w} and {@code dL/dtheta = -w^T dg/dtheta}.
 *
 * <p><b>Log-determinant</b>, by {@link LogDetMethod}: {@link LogDetMethod#EXACT} propagates {@code
 * D} tangent vectors through the network on the tape (every op with its own backward rule, so no
 * double backward is needed) and takes {@code log|det|} by LU; {@link LogDetMethod#ESTIMATOR}
 * reports the Russian-roulette estimate {@code sum_(k=1..n) (-1)^(k+1)/k v^T J^k v / P(N >= k)}
 * with {@code v ~ N(0, I)} per row and {@code n = exactTerms + M}, {@code M ~ Geometric(p)} on
 * {@code {0, 1, ...}} ({@code P(M >= m) = (1-p)^m}), and backpropagates the surrogate {@code w^T J
 * v} with the constant {@code w = sum_(m=0..n-1) (-1)^m (J^T)^m v / P(N >= m+1)} (the
 * Neumann-series gradient, which needs no double backward; "memory-efficient" in the paper). The
 * value reported is the estimate; the gradient is the surrogate's, an unbiased estimate of the
 * exact gradient. One method is used while training (on a recording tape in training mode) and one
 * in evaluation (everything else); {@link #useExactLogDet()} switches a trained or loaded model to
 * exact evaluation. The estimator's draws come from a generator seeded from {@code seed} at
 * construction (training) or from {@code seed} afresh at every call (evaluation, so that an
 * estimated log-density is a deterministic function of its input).
 *
 * <p><b>Spectral norm updates.</b> Each call of {@code forward} or {@code inverse} on a recording
 * tape in training mode first runs {@code powerIterations} power iterations on every layer's
 * singular-vector buffers; other calls never change them. A new block runs them to convergence once
 * ({@link #refreshSpectralNorm()}).
 *
 * <p>Inputs are {@code [batch, features]}. Children: {@code layer0 ... layer(K-1)}, each a {@link
 * LipschitzLayer} with parameters {@code beta [1]}, {@code weight [out, in]}, {@code bias [out]}
 * and buffers {@code u [out]}, {@code v [in]}. A 2-D block with hidden widths {@code 64, 64} has
 * 4,485 parameters.
 *
 * <p><b>Context.</b> Built with {@link Builder#context(int) context(C)}, the block is a {@link
 * ConditionalBijector}, {@code z = x + g(x; c)}: the context {@code c} ({@code [batch, C]} or
 * {@code [1, C]}) is concatenated to the input of {@code g}'s first dense layer, {@code h_1 = [W_0,
 * V] [phi_0(x); c] + b_0 = W_0 phi_0(x) + V c + b_0}, with {@code V} the parameter {@code
 * context_weight} of shape {@code [out_0, C]}. Only the {@code x} part {@code W_0} of that weight
 * is spectrally normalised: {@code V c} does not depend on {@code x}, so {@code Lip_x g(.; c) < 1}
 * for every {@code c} and the block stays invertible in {@code x} at every context (the fixed-point
 * inverse, the log-determinant and the implicit gradient see {@code V c} as a per-row bias); the
 * map is not constrained in {@code c}, which needs no inverse. The context-free methods of such a
 * block refuse; use {@link #forward(Var, Var)} or {@link #given(Var)}.
 */
public final class InvertibleResidualBlock extends Module implements Bijector, ConditionalBijector {
  /** The type name in specs. */
  public static final String TYPE = "residual-block";

  /** Largest dimension for which the exact log-determinant is the default. */
  public static final int EXACT_LIMIT = 16;

  /** Default Lipschitz coefficient of every spectrally normalised layer. */
  public static final double DEFAULT_COEFFICIENT = 0.97;

  /** Default tolerance of the fixed-point inverse (see the class comment). */
  public static final double DEFAULT_TOLERANCE = 1e-6;

  /** Default iteration limit of the fixed-point inverse. */
  public static final int DEFAULT_MAX_ITERATIONS = 1000;

  /** Default success probability of the estimator's geometric term count (Chen et al. 2019). */
  public static final double DEFAULT_GEOMETRIC_P = 0.5;

  /** Default number of power-series terms the estimator always computes (Chen et al. 2019). */
  public static final int DEFAULT_EXACT_TERMS = 2;

  /**
   * Iterations without a new smallest change after which an iteration whose change is within {@link
   * #NOISE_FLOOR_FACTOR} of its tolerance is taken as converged (see the class comment).
   */
  static final int STALL_ITERATIONS = 20;

  /** How far above the tolerance float32 rounding of {@code g} may hold the change. */
  static final double NOISE_FLOOR_FACTOR = 100;

  /** Power iterations a new block runs to start from converged singular vectors. */
  static final int REFRESH_ITERATIONS = 500;

  /** Relative change of {@code sigma} at which {@link #refreshSpectralNorm()} stops. */
  static final double REFRESH_TOLERANCE = 1e-7;

  private final int features;
  private final int[] hidden;
  private final double coefficient;
  private final int powerIterations;
  private LogDetMethod trainingLogDet;
  private LogDetMethod evaluationLogDet;
  private final double geometricP;
  private final int exactTerms;
  private final double tolerance;
  private final int maxIterations;
  private final long seed;
  private final LipschitzLayer[] layers;
  private final Rng trainingRng;
  private final int context;
  private final Parameter contextWeight;

  private InvertibleResidualBlock(Builder b) {
    this.features = Checks.requirePositive(b.features, "InvertibleResidualBlock", "features");
    this.hidden = b.hidden.clone();
    for (int h : hidden) {
      Checks.requirePositive(h, "InvertibleResidualBlock", "hidden width");
    }
    Checks.requireArgument(
        b.coefficient > 0 && b.coefficient < 1,
        "InvertibleResidualBlock: coefficient must be in (0, 1), but was %s",
        b.coefficient);
    this.coefficient = b.coefficient;
    this.powerIterations =
        Checks.requirePositive(b.powerIterations, "InvertibleResidualBlock", "powerIterations");
    this.trainingLogDet =
        b.trainingLogDet != null ? b.trainingLogDet : LogDetMethod.defaultFor(features);
    this.evaluationLogDet =
        b.evaluationLogDet != null ? b.evaluationLogDet : LogDetMethod.defaultFor(features);
    Checks.requireArgument(
        b.geometricP > 0 && b.geometricP < 1,
        "InvertibleResidualBlock: geometricP must be in (0, 1), but was %s",
        b.geometricP);
    this.geometricP = b.geometricP;
    this.exactTerms = Checks.requirePositive(b.exactTerms, "InvertibleResidualBlock", "exactTerms");
    Checks.requireArgument(
        b.tolerance > 0 && b.tolerance < 1,
        "InvertibleResidualBlock: tolerance must be in (0, 1), but was %s",
        b.tolerance);
    this.tolerance = b.tolerance;
    this.maxIterations =
        Checks.requirePositive(b.maxIterations, "InvertibleResidualBlock", "maxIterations");
    this.seed = b.seed;
    int n = hidden.length + 1;
    this.layers = new LipschitzLayer[n];
    for (int i = 0; i < n; i++) {
      int in = i == 0 ? features : hidden[i - 1];
      int out = i == n - 1 ? features : hidden[i];
      layers[i] =
          registerModule("layer" + i, new LipschitzLayer(in, out, i == n - 1, b.seed * 31 + i));
    }
    this.trainingRng = new Rng(b.seed ^ 0x5DEECE66DL);
    this.context = Checks.requireNonNegative(b.context, "InvertibleResidualBlock", "context");
    if (context > 0) {
      // U(-1/sqrt(C), 1/sqrt(C)), the fan-in initialisation of the first layer's other weights.
      double bound = 1.0 / Math.sqrt(context);
      this.contextWeight =
          registerParameter(
              "context_weight",
              new Rng(b.seed * 31 + n)
                  .fillUniform(Tensor.zeros(layers[0].out(), context), -bound, bound));
    } else {
      this.contextWeight = null;
    }
    refreshSpectralNorm();
  }

  /** A builder of a block over {@code features} features. */
  public static Builder builder(int features) {
    return new Builder(features);
  }

  /** Settings of a block; every one has a default. */
  public static final class Builder {
    private final int features;
    private int[] hidden = {64, 64};
    private double coefficient = DEFAULT_COEFFICIENT;
    private int powerIterations = 1;
    private LogDetMethod trainingLogDet;
    private LogDetMethod evaluationLogDet;
    private double geometricP = DEFAULT_GEOMETRIC_P;
    private int exactTerms = DEFAULT_EXACT_TERMS;
    private double tolerance = DEFAULT_TOLERANCE;
    private int maxIterations = DEFAULT_MAX_ITERATIONS;
    private long seed;
    private int context;

    private Builder(int features) {
      this.features = features;
    }

    /** Hidden widths of {@code g} (default {@code 64, 64}). */
    public Builder hidden(int... widths) {
      this.hidden = widths.clone();
      return this;
    }

    /** Lipschitz coefficient {@code c} in {@code (0, 1)} of every layer (default 0.97). */
    public Builder coefficient(double c) {
      this.coefficient = c;
      return this;
    }

    /** Power iterations per training call, at least 1 (default 1). */
    public Builder powerIterations(int n) {
      this.powerIterations = n;
      return this;
    }

    /** The log-determinant method in training and in evaluation. */
    public Builder logDet(LogDetMethod method) {
      this.trainingLogDet = method;
      this.evaluationLogDet = method;
      return this;
    }

    /** The log-determinant method on a recording tape in training mode. */
    public Builder trainingLogDet(LogDetMethod method) {
      this.trainingLogDet = method;
      return this;
    }

    /** The log-determinant method everywhere else (evaluation, sampling). */
    public Builder evaluationLogDet(LogDetMethod method) {
      this.evaluationLogDet = method;
      return this;
    }

    /** The estimator's geometric success probability {@code p} in {@code (0, 1)}. */
    public Builder geometricP(double p) {
      this.geometricP = p;
      return this;
    }

    /** Power-series terms the estimator always computes, at least 1. */
    public Builder exactTerms(int n) {
      this.exactTerms = n;
      return this;
    }

    /** Tolerance of the fixed-point inverse, in {@code (0, 1)}. */
    public Builder tolerance(double t) {
      this.tolerance = t;
      return this;
    }

    /** Iteration limit of the fixed-point inverse, at least 1. */
    public Builder maxIterations(int n) {
      this.maxIterations = n;
      return this;
    }

    /** Seed of the initial weights and of the estimator's draws. */
    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    /**
     * Context features {@code C} (default 0: an unconditional block); with {@code C > 0} the block
     * is conditional, see the class comment.
     */
    public Builder context(int features) {
      this.context = features;
      return this;
    }

    /**
     * Builds the block.
     *
     * @throws IllegalArgumentException if a setting is out of range
     */
    public InvertibleResidualBlock build() {
      return new InvertibleResidualBlock(this);
    }
  }

  /** The number of features {@code D}. */
  public int features() {
    return features;
  }

  /** The log-determinant method used in training. */
  public LogDetMethod trainingLogDet() {
    return trainingLogDet;
  }

  /** The log-determinant method used in evaluation. */
  public LogDetMethod evaluationLogDet() {
    return evaluationLogDet;
  }

  /**
   * Makes every call outside training compute the exact log-determinant (for evaluating a model
   * trained with the estimator); the choice is part of {@link #spec()}, so a model saved after this
   * call evaluates exactly when loaded.
   *
   * @return this block
   */
  public InvertibleResidualBlock useExactLogDet() {
    this.evaluationLogDet = LogDetMethod.EXACT;
    return this;
  }

  /** Sets the log-determinant methods of training and evaluation; returns this block. */
  public InvertibleResidualBlock setLogDet(LogDetMethod training, LogDetMethod evaluation) {
    Checks.requireArgument(
        training != null && evaluation != null, "setLogDet: methods must not be null");
    this.trainingLogDet = training;
    this.evaluationLogDet = evaluation;
    return this;
  }

  /**
   * Runs power iterations on every layer until its singular-value estimate changes by less than a
   * relative 1e-7 (at most {@value #REFRESH_ITERATIONS} iterations), e.g. after the weights were
   * set by hand.
   */
  public void refreshSpectralNorm() {
    for (LipschitzLayer l : layers) {
      l.powerIterate(REFRESH_ITERATIONS, REFRESH_TOLERANCE);
    }
  }

  /**
   * The current singular-value estimates {@code sigma_i = u_i^T W_i v_i} of the raw weights; the
   * effective weights have spectral norm {@code min(sigma_i, c)} to the accuracy of the estimate.
   */
  public double[] singularValueEstimates() {
    double[] s = new double[layers.length];
    for (int i = 0; i < layers.length; i++) {
      s[i] = layers[i].sigma();
    }
    return s;
  }

  private boolean trainingCall() {
    return Tape.isRecording() && isTraining();
  }

  /** The network of this call without context. */
  Net net() {
    return net(null);
  }

  /**
   * The network of this call; on a training call, power iterations first.
   *
   * @param c the context with one row per input row, {@code null} for none
   */
  Net net(Var c) {
    boolean update = trainingCall();
    int n = layers.length;
    Var[] w = new Var[n];
    Var[] b = new Var[n];
    Var[] beta = new Var[n];
    for (int i = 0; i < n; i++) {
      if (update) {
        layers[i].powerIterate(powerIterations, 0);
      }
      w[i] = layers[i].effectiveWeight(coefficient);
      b[i] = layers[i].bias().var();
      beta[i] = layers[i].betaParameter().var();
    }
    Var term =
        c == null ? null : LinearOps.linear(c, contextWeight.var(), null, Activation.IDENTITY);
    return new Net(w, b, beta, term);
  }

  /**
   * The normalizing direction {@code z = x + g(x)} with {@code log det(I + J_g(x))}.
   *
   * @param x of shape {@code [batch, features]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} does not have that shape
   * @throws IllegalStateException if the block takes a context
   */
  @Override
  public Transformed forward(Var x) {
    Contexts.requireNone("InvertibleResidualBlock", "forward", context);
    return forward(x, null);
  }

  /**
   * The generative direction: {@code x} with {@code x + g(x) = z} by fixed-point iteration (see the
   * class comment), and {@code -log det(I + J_g(x))}.
   *
   * @param z of shape {@code [batch, features]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} does not have that shape
   * @throws NonConvergenceException if the iteration does not reach its tolerance
   * @throws IllegalStateException if the block takes a context
   */
  @Override
  public Transformed inverse(Var z) {
    Contexts.requireNone("InvertibleResidualBlock", "inverse", context);
    return inverse(z, null);
  }

  /**
   * The normalizing direction at a context, {@code z = x + g(x; c)}.
   *
   * @param x of shape {@code [batch, features]}
   * @param c of shape {@code [batch, C]} or {@code [1, C]}; {@code null} for a block without
   *     context
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   */
  @Override
  public Transformed forward(Var x, Var c) {
    String op = "InvertibleResidualBlock.forward";
    requireInput(op, x);
    Net net = net(Contexts.rows(op, c, x.shape().dim(0), context));
    Net.Pass pass = net.forward(x);
    Var z = Net.residual(x, pass);
    return new Transformed(z, logDet(net, pass, currentMethod(), currentRng()));
  }

  /**
   * The generative direction at a context: {@code x} with {@code x + g(x; c) = z}.
   *
   * @param z of shape {@code [batch, features]}
   * @param c of shape {@code [batch, C]} or {@code [1, C]}; {@code null} for a block without
   *     context
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   * @throws NonConvergenceException if the iteration does not reach its tolerance
   */
  @Override
  public Transformed inverse(Var z, Var c) {
    String op = "InvertibleResidualBlock.inverse";
    requireInput(op, z);
    Net net = net(Contexts.rows(op, c, z.shape().dim(0), context));
    Var x = invert(net, z, tolerance, maxIterations, describe());
    Net.Pass pass = net.forward(x);
    return new Transformed(x, ArithmeticOps.neg(logDet(net, pass, currentMethod(), currentRng())));
  }

  /** Context features {@code C}, 0 for a block without context. */
  @Override
  public int contextFeatures() {
    return context;
  }

  private LogDetMethod currentMethod() {
    return trainingCall() ? trainingLogDet : evaluationLogDet;
  }

  private Rng currentRng() {
    return trainingCall() ? trainingRng : new Rng(seed);
  }

  /** The estimator's settings. */
  private Estimator estimator() {
    return new Estimator(geometricP, exactTerms);
  }

  private Var logDet(Net net, Net.Pass pass, LogDetMethod method, Rng rng) {
    return method == LogDetMethod.EXACT
        ? exactLogDet(net, pass)
        : estimator().logDet(net, pass, rng);
  }

  /**
   * {@code log det(I + J_g(x))} per row, exactly: {@code D} tangents {@code e_j} per row propagated
   * through the network on the tape give the rows of {@code J^T}, then LU.
   */
  static Var exactLogDet(Net net, Net.Pass pass) {
    int rows = pass.g().shape().dim(0);
    int d = net.features();
    Tensor e = Tape.newValue(Shape.of(rows * d, d));
    e.fill(0f);
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < d; j++) {
        e.setFlat((r * d + j) * d + j, 1f);
      }
    }
    Var jt = net.jvp(pass, Var.constant(e), d);
    return ResidualOps.logAbsDetIdentityPlus(jt, d);
  }

  /**
   * Solves {@code x + g(x) = z} by fixed-point iteration and returns {@code x} as a node that is
   * differentiable (by implicit differentiation) in {@code z} and the network's parameters.
   */
  static Var invert(Net net, Var z, double tolerance, int maxIterations, String who) {
    NetKernel kernel = net.kernel();
    Shape shape = z.shape();
    int rows = shape.dim(0);
    int d = shape.dim(1);
    float[] zz = z.value().copy().data();
    float[] x = fixedPoint(kernel, zz, rows, tolerance, maxIterations, who);
    Tensor xs = Tensor.wrap(x, rows, d);
    if (!Tape.isRecording()) {
      return Var.constant(xs);
    }
    // g at the solution with x held constant: its backward carries -w to the parameters.
    Var gStar = net.forward(Var.constant(xs)).g();
    return Tape.result(
        xs,
        node -> {
          float[] a = node.grad().copy().data();
          float[] w = transposedSolve(kernel, x, a, rows, tolerance, maxIterations, who);
          if (z.requiresGrad()) {
            Tensor gz = z.grad();
            for (int i = 0; i < rows * d; i++) {
              gz.setFlat(i, gz.getFlat(i) + w[i]);
            }
          }
          if (gStar.requiresGrad()) {
            Tensor gg = gStar.grad();
            for (int i = 0; i < rows * d; i++) {
              gg.setFlat(i, gg.getFlat(i) - w[i]);
            }
          }
        },
        z,
        gStar);
  }

  /**
   * {@code x = z - g(x)} iterated from {@code x = z} (see the class comment). A row leaves the
   * iteration as soon as it meets the tolerance, so the rows still iterating are compacted and a
   * few slow rows do not keep the whole batch busy.
   */
  static float[] fixedPoint(
      NetKernel kernel, float[] z, int rows, double tolerance, int maxIterations, String who) {
    int d = kernel.features();
    float[] x = z.clone();
    float[] xa = new float[rows * d];
    float[] ga = new float[rows * d];
    float[][] scratch = kernel.scratch(rows);
    int[] active = new int[rows];
    for (int r = 0; r < rows; r++) {
      active[r] = r;
    }
    int live = rows;
    double worst = Double.NaN;
    int worstAt = 0;
    Stall stalled = new Stall(tolerance);
    for (int it = 1; it <= maxIterations; it++) {
      for (int a = 0; a < live; a++) {
        System.arraycopy(x, active[a] * d, xa, a * d, d);
      }
      kernel.evaluate(xa, live, active, ga, scratch);
      worst = 0;
      int still = 0;
      for (int a = 0; a < live; a++) {
        int row = active[a];
        boolean rowDone = true;
        for (int f = 0; f < d; f++) {
          int i = row * d + f;
          float next = z[i] - ga[a * d + f];
          if (!Float.isFinite(next)) {
            throw new NonConvergenceException(
                String.format(
                    Locale.ROOT,
                    "%s: fixed-point iteration produced %s at row %d, feature %d in iteration %d",
                    who,
                    next,
                    row,
                    f,
                    it),
                it,
                Double.NaN);
          }
          double scaled = Math.abs(next - x[i]) / Math.max(1.0, Math.abs(next));
          if (scaled > tolerance) {
            rowDone = false;
          }
          if (scaled > worst) {
            worst = scaled;
            worstAt = i;
          }
          x[i] = next;
        }
        if (!rowDone) {
          active[still++] = row;
        }
      }
      live = still;
      if (live == 0 || stalled.atFloor(worst)) {
        return x;
      }
    }
    throw new NonConvergenceException(
        String.format(
            Locale.ROOT,
            "%s: fixed-point iteration x <- z - g(x) did not converge in %d iterations: the"
                + " largest change was %.3g (relative to max(1, |x|)) at row %d, feature %d, but"
                + " must be <= %.3g; is Lip(g) < 1 (singular-value estimates stale)?",
            who,
            maxIterations,
            worst,
            worstAt / d,
            worstAt % d,
            tolerance),
        maxIterations,
        worst);
  }

  /**
   * {@code w = (I + J_g(x))^-T a} by the iteration {@code w <- a - J_g(x)^T w}, until every element
   * changes by at most {@code tolerance * max|w|}.
   */
  static float[] transposedSolve(
      NetKernel kernel,
      float[] x,
      float[] a,
      int rows,
      double tolerance,
      int maxIterations,
      String who) {
    NetKernel.Slopes slopes = kernel.slopes(x, rows);
    int n = a.length;
    float[] w = a.clone();
    float[] jtw = new float[n];
    double change = Double.NaN;
    Stall stall = new Stall(tolerance);
    for (int it = 1; it <= maxIterations; it++) {
      slopes.vjp(w, jtw);
      change = 0;
      double scale = Float.MIN_NORMAL;
      for (int i = 0; i < n; i++) {
        float next = a[i] - jtw[i];
        change = Math.max(change, Math.abs(next - w[i]));
        scale = Math.max(scale, Math.abs(next));
        w[i] = next;
      }
      if (change <= tolerance * scale || stall.atFloor(change / scale)) {
        return w;
      }
    }
    throw new NonConvergenceException(
        String.format(
            Locale.ROOT,
            "%s: the implicit gradient's iteration w <- a - J^T w did not converge in %d"
                + " iterations: the largest change was %.3g",
            who,
            maxIterations,
            change),
        maxIterations,
        change);
  }

  /**
   * Detects an iteration held at the float32 noise floor: the largest change has not reached a new
   * minimum for {@link #STALL_ITERATIONS} iterations and is within {@link #NOISE_FLOOR_FACTOR}
   * times the tolerance.
   */
  private static final class Stall {
    private final double tolerance;
    private double best = Double.POSITIVE_INFINITY;
    private int since;

    Stall(double tolerance) {
      this.tolerance = tolerance;
    }

    boolean atFloor(double change) {
      if (change < best) {
        best = change;
        since = 0;
        return false;
      }
      return ++since >= STALL_ITERATIONS && best <= NOISE_FLOOR_FACTOR * tolerance;
    }
  }

  /** A description for messages, e.g. {@code residual block 2 -> 64 -> 64 -> 2 (c = 0.97)}. */
  String describe() {
    StringBuilder sb = new StringBuilder("InvertibleResidualBlock ").append(features);
    for (int h : hidden) {
      sb.append(" -> ").append(h);
    }
    sb.append(" -> ").append(features);
    sb.append(String.format(Locale.ROOT, " (c = %s, sigma estimates ", coefficient));
    double[] s = singularValueEstimates();
    for (int i = 0; i < s.length; i++) {
      sb.append(i == 0 ? "[" : ", ").append(String.format(Locale.ROOT, "%.4g", s[i]));
    }
    return sb.append("])").toString();
  }

  private void requireInput(String op, Var x) {
    Checks.requireShape(
        x.shape().rank() == 2 && x.shape().dim(1) == features,
        "%s: input must have shape [batch, %d], but was %s",
        op,
        features,
        x.shape());
  }

  @Override
  public Json.Obj spec() {
    Spec spec =
        Spec.of(TYPE)
            .put("features", features)
            .put("hidden", hidden)
            .put("coefficient", coefficient)
            .put("powerIterations", powerIterations)
            .put("trainingLogDet", trainingLogDet.id())
            .put("evaluationLogDet", evaluationLogDet.id())
            .put("geometricP", geometricP)
            .put("exactTerms", exactTerms)
            .put("tolerance", tolerance)
            .put("maxIterations", maxIterations)
            .put("seed", seed);
    // Written only for a conditional block, so unconditional specs stay as they were.
    return context > 0 ? spec.put("context", context).build() : spec.build();
  }

  /**
   * Rebuilds a block (with fresh weights) from its {@link #spec()}.
   *
   * @throws IllegalArgumentException if the spec is invalid
   */
  public static InvertibleResidualBlock fromSpec(Json.Obj spec) {
    return builder(spec.getInt("features"))
        .hidden(spec.getArray("hidden").toIntArray())
        .coefficient(spec.getDouble("coefficient"))
        .powerIterations(spec.getInt("powerIterations"))
        .trainingLogDet(LogDetMethod.of(spec.getString("trainingLogDet")))
        .evaluationLogDet(LogDetMethod.of(spec.getString("evaluationLogDet")))
        .geometricP(spec.getDouble("geometricP"))
        .exactTerms(spec.getInt("exactTerms"))
        .tolerance(spec.getDouble("tolerance"))
        .maxIterations(spec.getInt("maxIterations"))
        .seed(spec.getLong("seed"))
        .context(spec.has("context") ? spec.getInt("context") : 0)
        .build();
  }

  @Override
  public String toString() {
    return describe() + "\n" + super.toString() + "\n  hidden " + Arrays.toString(hidden);
  }
}
