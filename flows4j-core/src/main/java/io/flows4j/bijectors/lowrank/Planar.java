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
import io.flows4j.tensor.Tensor;
import java.util.Arrays;
import java.util.Locale;

/**
 * A planar flow layer (Rezende and Mohamed 2015, "Variational Inference with Normalizing Flows"):
 *
 * <pre>
 *   g(v) = v + u^ h(w^T v + b),      log|det dg/dv| = log(1 + h'(w^T v + b) w^T u^),
 * </pre>
 *
 * with {@code h = tanh} or a leaky ReLU {@code h(z) = z} ({@code z >= 0}), {@code s z} ({@code z <
 * 0}), {@code s > 0}. {@link Orientation} says which direction {@code g} is: with {@link
 * Orientation#SAMPLING} {@code inverse(z) = g(z)} (latent to data, as in the paper) and {@code
 * forward} solves {@code g(x) = y} numerically; with {@link Orientation#DENSITY} {@code forward(x)
 * = g(x)} and {@code inverse} is numerical.
 *
 * <p><b>Invertibility by construction.</b> The map is invertible iff the scalar map {@code z -> z +
 * m h(z)}, {@code m = w^T u^}, is, i.e. iff {@code 1 + m h'(z)} keeps one sign. For tanh, {@code
 * h'} takes every value in {@code (0, 1]}, so this means {@code m > -1} (the paper's {@code w^T u
 * >= -1}, with equality excluded). For the leaky ReLU, {@code h'} takes only the values {@code 1}
 * and {@code s}, so the map is invertible iff {@code m > -min(1, 1/s)} (orientation-preserving) or
 * {@code m < -max(1, 1/s)} (orientation-reversing, not connected to the identity); the layer keeps
 * the first branch, {@code m > -1 / max(1, s)}: for the usual {@code s <= 1} the same bound as
 * tanh, for {@code s > 1} the stronger {@code m > -1/s}. Both are enforced as {@code m = (-1 +
 * delta + softplus(w^T u)) / max(1, s)} ({@code max(1, s)} read as 1 for tanh) through {@code u^ =
 * u + (m - w^T u) w / |w|^2}, with {@code delta =} {@link #MIN_SLOPE}: every factor {@code 1 + m
 * h'} is then at least {@code delta h' / max(1, s)} for any raw {@code u, w}.
 *
 * <p><b>Numerical direction</b>: one scalar equation per row, {@code z + m h(z) = w^T y + b},
 * solved for {@code z = w^T x + b} by bracketed Newton with bisection to a relative residual of
 * {@code 1e-12} in double (tanh), or exactly (leaky ReLU, piecewise linear); then {@code x = y - u^
 * h(z)}. Its gradients come from implicit differentiation (see {@code PlanarOps}).
 *
 * <p>Parameters: {@code u} and {@code w} of shape {@code [D]}, {@code b} of shape {@code [1]}.
 * Initialisation: {@code u ~ U(-sqrt 2, sqrt 2)}, {@code w ~ U(-sqrt(2/D), sqrt(2/D))}, {@code b =
 * 0}: for {@code x ~ N(0, I)} the pre-activation {@code w^T x} has variance {@code 2/3}, inside the
 * bend of {@code tanh}, and each layer moves points by a distance of order 1, so the layers start
 * non-linear.
 */
public final class Planar extends Module implements Bijector {
  /** The type name in specs and model files. */
  public static final String TYPE = "planar";

  /** The smallest factor {@code 1 + m h'} at {@code h' = max(1, s)}; see the class comment. */
  public static final double MIN_SLOPE = LowRankMath.MIN_SLOPE;

  /** The default negative slope of the leaky ReLU. */
  public static final double DEFAULT_NEGATIVE_SLOPE = 0.01;

  /** The activation {@code h}. */
  public enum Nonlinearity {
    /** {@code h = tanh}, as in the paper. */
    TANH,
    /** {@code h(z) = z} for {@code z >= 0}, {@code s z} otherwise. */
    LEAKY_RELU;

    /** The name in specs: {@code "tanh"} or {@code "leaky-relu"}. */
    public String specName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Nonlinearity fromSpecName(String name) {
      for (Nonlinearity n : values()) {
        if (n.specName().equals(name)) {
          return n;
        }
      }
      throw new IllegalArgumentException(
          "Planar: nonlinearity must be one of "
              + Arrays.stream(values()).map(Nonlinearity::specName).toList()
              + ", but was '"
              + name
              + "'");
    }
  }

  /** Half-width of the uniform initial distribution of {@code u}: {@code sqrt 2}. */
  static final double INIT_U = Math.sqrt(2.0);

  private final int features;
  private final Nonlinearity nonlinearity;
  private final double negativeSlope;
  private final Orientation orientation;
  private final Parameter u;
  private final Parameter w;
  private final Parameter bias;

  private Planar(Builder b) {
    this.features = b.features;
    this.nonlinearity = b.nonlinearity;
    this.negativeSlope = b.negativeSlope;
    this.orientation = b.orientation;
    Rng rng = new Rng(b.seed);
    // Scales measured on W2 (docs/design-notes.md): with u, w ~ U(+-1/sqrt(D)) the layers start
    // nearly linear and variational fits of U3 stalled at KL 0.40-0.68; with these, 0.15-0.16.
    double limU = INIT_U;
    double limW = Math.sqrt(2.0 / features);
    this.u = registerParameter("u", rng.fillUniform(Tensor.zeros(features), -limU, limU));
    this.w = registerParameter("w", rng.fillUniform(Tensor.zeros(features), -limW, limW));
    this.bias = registerParameter("bias", Tensor.zeros(1));
  }

  /** A builder for a tanh layer in the sampling orientation with seed 0. */
  public static Builder builder(int features) {
    return new Builder(features);
  }

  /**
   * A tanh layer whose closed form is the sampling direction ({@code inverse}), for variational
   * inference.
   *
   * @throws IllegalArgumentException if {@code features < 1}
   */
  public static Planar sampling(int features, long seed) {
    return builder(features).orientation(Orientation.SAMPLING).seed(seed).build();
  }

  /**
   * A tanh layer whose closed form is the density direction ({@code forward}), for maximum
   * likelihood.
   *
   * @throws IllegalArgumentException if {@code features < 1}
   */
  public static Planar density(int features, long seed) {
    return builder(features).orientation(Orientation.DENSITY).seed(seed).build();
  }

  /** Options of a {@link Planar} layer. */
  public static final class Builder {
    private final int features;
    private Nonlinearity nonlinearity = Nonlinearity.TANH;
    private double negativeSlope = DEFAULT_NEGATIVE_SLOPE;
    private Orientation orientation = Orientation.SAMPLING;
    private long seed;

    private Builder(int features) {
      Checks.requirePositive(features, "Planar", "features");
      this.features = features;
    }

    /** The activation (default tanh). */
    public Builder nonlinearity(Nonlinearity n) {
      this.nonlinearity = java.util.Objects.requireNonNull(n, "nonlinearity");
      return this;
    }

    /**
     * The leaky ReLU's negative slope {@code s} (default 0.01; ignored for tanh).
     *
     * @throws IllegalArgumentException unless {@code s} is finite and {@code > 0}
     */
    public Builder negativeSlope(double s) {
      Checks.requireArgument(
          s > 0 && Double.isFinite(s),
          "Planar: negativeSlope must be finite and > 0, but was %s",
          s);
      this.negativeSlope = s;
      return this;
    }

    /** Which direction is the closed form (default {@link Orientation#SAMPLING}). */
    public Builder orientation(Orientation o) {
      this.orientation = java.util.Objects.requireNonNull(o, "orientation");
      return this;
    }

    /** Seed of the initial {@code u} and {@code w}. */
    public Builder seed(long s) {
      this.seed = s;
      return this;
    }

    /** The layer. */
    public Planar build() {
      return new Planar(this);
    }
  }

  /** Number of features {@code D}. */
  public int features() {
    return features;
  }

  /** Which direction is the closed form. */
  public Orientation orientation() {
    return orientation;
  }

  /** The activation. */
  public Nonlinearity nonlinearity() {
    return nonlinearity;
  }

  /**
   * The normalizing direction: {@code g(x)} in the density orientation, the numerical {@code
   * g^-1(x)} in the sampling orientation.
   *
   * @param x of shape {@code [batch, D]}
   * @return of shape {@code [batch, D]}, with log-determinants of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not {@code [batch, D]}
   * @throws io.flows4j.bijectors.NonConvergenceException if a numerical solve fails (see the class
   *     comment; it does not happen for finite inputs)
   */
  @Override
  public Transformed forward(Var x) {
    return orientation == Orientation.DENSITY
        ? PlanarOps.closed(
            "Planar.forward", x, u.var(), w.var(), bias.var(), opKind(), negativeSlope)
        : PlanarOps.solve(
            "Planar.forward", x, u.var(), w.var(), bias.var(), opKind(), negativeSlope);
  }

  /**
   * The generative direction: {@code g(z)} in the sampling orientation, the numerical {@code
   * g^-1(z)} in the density orientation.
   *
   * @param z of shape {@code [batch, D]}
   * @return of shape {@code [batch, D]}, with log-determinants of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} is not {@code [batch, D]}
   * @throws io.flows4j.bijectors.NonConvergenceException if a numerical solve fails
   */
  @Override
  public Transformed inverse(Var z) {
    return orientation == Orientation.SAMPLING
        ? PlanarOps.closed(
            "Planar.inverse", z, u.var(), w.var(), bias.var(), opKind(), negativeSlope)
        : PlanarOps.solve(
            "Planar.inverse", z, u.var(), w.var(), bias.var(), opKind(), negativeSlope);
  }

  private PlanarOps.Kind opKind() {
    return nonlinearity == Nonlinearity.TANH ? PlanarOps.Kind.TANH : PlanarOps.Kind.LEAKY_RELU;
  }

  @Override
  public Json.Obj spec() {
    Spec s =
        Spec.of(TYPE)
            .put("features", features)
            .put("nonlinearity", nonlinearity.specName())
            .put("orientation", orientation.specName());
    if (nonlinearity == Nonlinearity.LEAKY_RELU) {
      s.put("negativeSlope", negativeSlope);
    }
    return s.build();
  }

  /**
   * Rebuilds a layer from its {@link #spec()} (weights to be loaded from the saved state).
   *
   * @throws IllegalArgumentException if a member is missing or invalid
   */
  public static Planar fromSpec(Json.Obj spec) {
    Builder b =
        builder(spec.getInt("features"))
            .nonlinearity(Nonlinearity.fromSpecName(spec.getString("nonlinearity")))
            .orientation(Orientation.fromSpecName(spec.getString("orientation")));
    if (spec.has("negativeSlope")) {
      b.negativeSlope(spec.getDouble("negativeSlope"));
    }
    return b.build();
  }
}
