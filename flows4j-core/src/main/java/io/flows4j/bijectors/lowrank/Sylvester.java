package io.flows4j.bijectors.lowrank;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.util.Objects;

/**
 * A Sylvester flow layer (van den Berg, Hasenclever, Tomczak and Welling 2018, "Sylvester
 * Normalizing Flows for Variational Inference"), the rank-{@code M} generalisation of {@link
 * Planar}:
 *
 * <pre>
 *   g(v) = v + Q R tanh(R~ Q^T v + b),   log|det dg/dv| = sum_i log(1 + r_ii r~_ii tanh'(z_i)),
 * </pre>
 *
 * with {@code Q} of shape {@code [D, M]} orthonormal ({@code M <= D}), {@code R}, {@code R~} upper
 * triangular {@code M x M}, {@code z = R~ Q^T v + b}; the determinant follows from Sylvester's
 * identity {@code det(I_D + A B) = det(I_M + B A)}. {@link Orientation} says which direction {@code
 * g} is ({@link Orientation#SAMPLING}: {@code inverse = g}, as in the paper).
 *
 * <p><b>Constraint.</b> {@code r_ii = tanh(rho_i)}, {@code r~_ii = (1 - delta) tanh(rho~_i)}: the
 * paper's sufficient condition {@code r_ii r~_ii > -1/|h'|_inf = -1} with a margin {@code delta =}
 * {@link #MIN_SLOPE}, so every factor of the determinant is at least {@code delta} for any raw
 * parameters.
 *
 * <p><b>{@code Q}</b>: {@link Frame#HOUSEHOLDER}, the first {@code M} columns of a product of
 * {@code K} Householder reflections (the paper's Householder variant); or {@link Frame#ORTHOGONAL},
 * the first {@code M} columns of the Cayley transform of a skew-symmetric matrix (exactly
 * orthogonal, where the paper iterates an orthogonalisation to a tolerance); see {@code FrameOps}.
 *
 * <p><b>Numerical direction</b>: triangular in the coordinates {@code Q^T x}, solved coordinate by
 * coordinate (last first) with {@code M} monotone scalar solves per row to a relative residual of
 * {@code 1e-12} in double; the orthogonal complement passes through unchanged (see {@code
 * SylvesterOps}). Gradients by implicit differentiation.
 *
 * <p>Parameters: the frame's ({@code reflections} {@code [K, D]}, or {@code skew} {@code [D (D - 1)
 * / 2]}), {@code rUpper}, {@code tUpper} (packed strictly upper triangles, {@code [M (M - 1) /
 * 2]}), {@code rDiagonal}, {@code tDiagonal} (raw diagonals, {@code [M]}) and {@code bias} {@code
 * [M]}.
 */
public final class Sylvester extends Module implements Bijector {
  /** The type name in specs and model files. */
  public static final String TYPE = "sylvester";

  /** The smallest factor of the determinant; see the class comment. */
  public static final double MIN_SLOPE = LowRankMath.MIN_SLOPE;

  /** How the orthonormal frame {@code Q} is parameterised. */
  public enum Frame {
    /** A product of Householder reflections. */
    HOUSEHOLDER,
    /** The Cayley transform of a skew-symmetric matrix. */
    ORTHOGONAL;

    String specName() {
      return this == HOUSEHOLDER ? "householder" : "orthogonal";
    }

    static Frame fromSpecName(String name) {
      for (Frame f : values()) {
        if (f.specName().equals(name)) {
          return f;
        }
      }
      throw new IllegalArgumentException(
          "Sylvester: frame must be 'householder' or 'orthogonal', but was '" + name + "'");
    }
  }

  private final int features;
  private final int rank;
  private final Frame frame;
  private final int reflections;
  private final Orientation orientation;
  private final Parameter frameParameter;
  private final Parameter rUpper;
  private final Parameter rDiagonal;
  private final Parameter tUpper;
  private final Parameter tDiagonal;
  private final Parameter bias;

  private Sylvester(Builder b) {
    this.features = b.features;
    this.rank = b.rank == 0 ? b.features : b.rank;
    Checks.requireArgument(
        rank <= features, "Sylvester: rank must be <= features %d, but was %d", features, rank);
    this.frame = b.frame;
    this.reflections = b.reflections == 0 ? features : b.reflections;
    this.orientation = b.orientation;
    Rng rng = new Rng(b.seed);
    int d = features;
    int m = rank;
    if (frame == Frame.HOUSEHOLDER) {
      frameParameter =
          registerParameter(
              "reflections", rng.fillNormal(Tensor.zeros(Shape.of(reflections, d)), 0, 1));
    } else {
      double lim = 1 / Math.sqrt(d);
      frameParameter =
          registerParameter("skew", rng.fillUniform(Tensor.zeros(d * (d - 1) / 2), -lim, lim));
    }
    double lim = 1 / Math.sqrt(m);
    int packed = m * (m - 1) / 2;
    rUpper = registerParameter("rUpper", rng.fillUniform(Tensor.zeros(packed), -lim, lim));
    rDiagonal = registerParameter("rDiagonal", rng.fillUniform(Tensor.zeros(m), -1, 1));
    tUpper = registerParameter("tUpper", rng.fillUniform(Tensor.zeros(packed), -lim, lim));
    tDiagonal = registerParameter("tDiagonal", rng.fillUniform(Tensor.zeros(m), -1, 1));
    bias = registerParameter("bias", Tensor.zeros(m));
  }

  /** A builder: rank {@code M = D}, Householder frame with {@code K = D}, sampling orientation. */
  public static Builder builder(int features) {
    return new Builder(features);
  }

  /** Options of a {@link Sylvester} layer. */
  public static final class Builder {
    private final int features;
    private int rank;
    private Frame frame = Frame.HOUSEHOLDER;
    private int reflections;
    private Orientation orientation = Orientation.SAMPLING;
    private long seed;

    private Builder(int features) {
      Checks.requirePositive(features, "Sylvester", "features");
      this.features = features;
    }

    /**
     * The rank {@code M} (default {@code D}).
     *
     * @throws IllegalArgumentException unless {@code 1 <= m <= D}
     */
    public Builder rank(int m) {
      Checks.requireArgument(
          m >= 1 && m <= features, "Sylvester: rank must be in [1, %d], but was %d", features, m);
      this.rank = m;
      return this;
    }

    /**
     * A Householder frame of {@code k} reflections (the default, with {@code k = D}).
     *
     * @throws IllegalArgumentException if {@code k < 1}
     */
    public Builder householder(int k) {
      Checks.requirePositive(k, "Sylvester", "reflections");
      this.frame = Frame.HOUSEHOLDER;
      this.reflections = k;
      return this;
    }

    /** A Cayley-transform frame. */
    public Builder orthogonal() {
      this.frame = Frame.ORTHOGONAL;
      return this;
    }

    /** Which direction is the closed form (default {@link Orientation#SAMPLING}). */
    public Builder orientation(Orientation o) {
      this.orientation = Objects.requireNonNull(o, "orientation");
      return this;
    }

    /** Seed of the initial parameters. */
    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    /** The layer. */
    public Sylvester build() {
      return new Sylvester(this);
    }
  }

  /** Number of features {@code D}. */
  public int features() {
    return features;
  }

  /** The rank {@code M}. */
  public int rank() {
    return rank;
  }

  /** Which direction is the closed form. */
  public Orientation orientation() {
    return orientation;
  }

  private Var q() {
    return frame == Frame.HOUSEHOLDER
        ? FrameOps.householder(frameParameter.var(), rank)
        : FrameOps.cayley(frameParameter.var(), features, rank);
  }

  /**
   * The normalizing direction ({@code g} in the density orientation, {@code g^-1} otherwise).
   *
   * @param x of shape {@code [batch, D]}
   * @return of shape {@code [batch, D]}, with log-determinants of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not {@code [batch, D]}
   * @throws io.flows4j.bijectors.NonConvergenceException if a numerical solve fails
   */
  @Override
  public Transformed forward(Var x) {
    return apply("Sylvester.forward", x, orientation == Orientation.DENSITY);
  }

  /**
   * The generative direction ({@code g} in the sampling orientation, {@code g^-1} otherwise).
   *
   * @param z of shape {@code [batch, D]}
   * @return of shape {@code [batch, D]}, with log-determinants of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} is not {@code [batch, D]}
   * @throws io.flows4j.bijectors.NonConvergenceException if a numerical solve fails
   */
  @Override
  public Transformed inverse(Var z) {
    return apply("Sylvester.inverse", z, orientation == Orientation.SAMPLING);
  }

  private Transformed apply(String op, Var x, boolean closed) {
    Checks.requireShape(
        x.shape().rank() == 2 && x.shape().dim(1) == features,
        "%s: input must have shape [batch, %d], but was %s",
        op,
        features,
        x.shape());
    Var q = q();
    return closed
        ? SylvesterOps.closed(
            op, x, q, rUpper.var(), rDiagonal.var(), tUpper.var(), tDiagonal.var(), bias.var())
        : SylvesterOps.solve(
            op, x, q, rUpper.var(), rDiagonal.var(), tUpper.var(), tDiagonal.var(), bias.var());
  }

  @Override
  public Json.Obj spec() {
    Spec s =
        Spec.of(TYPE)
            .put("features", features)
            .put("rank", rank)
            .put("frame", frame.specName())
            .put("orientation", orientation.specName());
    if (frame == Frame.HOUSEHOLDER) {
      s.put("reflections", reflections);
    }
    return s.build();
  }

  /**
   * Rebuilds a layer from its {@link #spec()} (weights to be loaded from the saved state).
   *
   * @throws IllegalArgumentException if a member is missing or invalid
   */
  public static Sylvester fromSpec(Json.Obj spec) {
    Builder b =
        builder(spec.getInt("features"))
            .rank(spec.getInt("rank"))
            .orientation(Orientation.fromSpecName(spec.getString("orientation")));
    if (Frame.fromSpecName(spec.getString("frame")) == Frame.HOUSEHOLDER) {
      b.householder(spec.getInt("reflections"));
    } else {
      b.orthogonal();
    }
    return b.build();
  }
}
