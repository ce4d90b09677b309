package io.flows4j.bijectors.linear;

import io.flows4j.autodiff.LinearOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;

/**
 * A trainable invertible linear map in the LU parameterisation of Glow (Kingma and Dhariwal 2018,
 * "Glow: Generative Flow with Invertible 1x1 Convolutions"), for vectors:
 *
 * <pre>
 *   W = P L (U + diag(s)),   s = softplus(r) + MIN_DIAGONAL,
 *   forward:  z = W x + b,                 log|det dz/dx| =  sum_i log s_i,
 *   inverse:  x = (U + diag s)^-1 L^-1 P^T (z - b),   log|det dx/dz| = -sum_i log s_i,
 * </pre>
 *
 * with {@code P} a fixed permutation, {@code L} unit lower triangular and {@code U} strictly upper
 * triangular. The log-determinant costs {@code O(D)} and the inverse two triangular solves per row
 * ({@code O(D^2)}, float storage, double accumulation), never an explicit inverse matrix.
 *
 * <p><b>Positive diagonal.</b> {@code s = softplus(r) + 1e-3}: softplus keeps the derivative of
 * {@code log s} bounded ({@code sigmoid(r) / s <= 1 / s}), unlike {@code exp}, whose diagonal can
 * underflow to 0 in float for a very negative log-scale; the floor {@link #MIN_DIAGONAL} keeps
 * {@code W} invertible whatever {@code r} becomes, bounds {@code |log det|} from below by {@code D
 * ln 1e-3} and the amplification of each back-substitution step by {@code 1e3} (the same minimum
 * slope as the other layers).
 *
 * <p><b>Initialisation.</b> {@link #randomRotation} starts at a random orthogonal matrix, as Glow
 * does: {@code Q} from the QR decomposition of a seeded Gaussian matrix, factored with partial
 * pivoting as {@code Q = P L U}, and the signs of {@code U}'s diagonal moved into {@code Q}'s
 * columns so that {@code s > 0} ({@code Q S}, with {@code S = diag(sign u_ii)}, is still
 * orthogonal). {@code P} is the pivoting permutation, so it is random and fixed. {@link #identity}
 * starts at {@code W = I}.
 *
 * <p><b>Parameters</b> ({@code D (D - 1) + 2 D} scalars): {@code lower} and {@code upper}, the
 * packed strictly triangular entries ({@code [D (D - 1) / 2]} each, row by row), {@code
 * rawDiagonal} {@code r} and {@code bias} {@code b} ({@code [D]} each). The permutation is
 * architecture: it is stored in the {@link #spec()}, so a rebuilt layer is identical.
 */
public final class LULinear extends Module implements Bijector {
  /** The type name in specs and model files. */
  public static final String TYPE = "lu-linear";

  /** The smallest diagonal entry of {@code U + diag(s)}; see the class comment. */
  public static final double MIN_DIAGONAL = 1e-3;

  private final int features;
  private final int[] perm;
  private final Parameter lower;
  private final Parameter upper;
  private final Parameter rawDiagonal;
  private final Parameter bias;

  /** The layer with {@code L = I}, {@code U = 0}, {@code s = 1}, {@code b = 0}: {@code W = P}. */
  private LULinear(int[] perm) {
    Permutation.inverseOf(perm);
    Checks.requireArgument(
        perm.length >= 2,
        "LULinear: features must be >= 2 (use ElementwiseAffine for one), but was %d",
        perm.length);
    this.features = perm.length;
    this.perm = perm.clone();
    int packed = LuOps.packedSize(features);
    this.lower = registerParameter("lower", Tensor.zeros(packed));
    this.upper = registerParameter("upper", Tensor.zeros(packed));
    this.rawDiagonal =
        registerParameter("rawDiagonal", Tensor.full(Shape.of(features), rawFor(1.0)));
    this.bias = registerParameter("bias", Tensor.zeros(features));
  }

  /**
   * The identity map on {@code features} features ({@code P = L = I}, {@code U = 0}, {@code s =
   * 1}).
   *
   * @throws IllegalArgumentException if {@code features < 2}
   */
  public static LULinear identity(int features) {
    Checks.requirePositive(features, "LULinear", "features");
    int[] p = new int[features];
    for (int i = 0; i < features; i++) {
      p[i] = i;
    }
    return new LULinear(p);
  }

  /**
   * A layer that starts at a random orthogonal matrix drawn from {@code seed}; see the class
   * comment.
   *
   * @throws IllegalArgumentException if {@code features < 2}
   */
  public static LULinear randomRotation(int features, long seed) {
    Checks.requirePositive(features, "LULinear", "features");
    LuOps.Factorization f = LuOps.randomRotation(features, seed, MIN_DIAGONAL);
    LULinear layer = new LULinear(f.permutation());
    layer.lower.value().copyFrom(Tensor.wrap(f.lower(), f.lower().length));
    layer.upper.value().copyFrom(Tensor.wrap(f.upper(), f.upper().length));
    layer.rawDiagonal.value().copyFrom(Tensor.wrap(f.rawDiagonal(), f.rawDiagonal().length));
    return layer;
  }

  /** The raw diagonal value giving the diagonal {@code s} (at least just above the floor). */
  private static float rawFor(double s) {
    return LuOps.rawFor(s, MIN_DIAGONAL);
  }

  /** Number of features {@code D}. */
  public int features() {
    return features;
  }

  /** The fixed permutation: row {@code i} of {@code L (U + diag s)} is row {@code p[i]} of W. */
  public int[] permutation() {
    return perm.clone();
  }

  /** The current matrix {@code W}, of shape {@code [D, D]} (a new tensor). */
  public Tensor weight() {
    try (Tape t = Tape.noGrad()) {
      return weightVar().value();
    }
  }

  private Var weightVar() {
    return LuOps.weight(lower.var(), upper.var(), rawDiagonal.var(), perm, MIN_DIAGONAL);
  }

  /**
   * {@code z = W x + b} by one dense product.
   *
   * @param x of shape {@code [batch, features]}
   * @return {@code z} of shape {@code [batch, features]} and {@code sum log s} of shape {@code
   *     [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not {@code [batch, features]}
   */
  @Override
  public Transformed forward(Var x) {
    requireInput("LULinear.forward", x);
    Var z = LinearOps.linear(x, weightVar(), bias.var(), Activation.IDENTITY);
    Var ld = LuOps.logDet(rawDiagonal.var(), x.shape().dim(0), 1.0, MIN_DIAGONAL);
    return new Transformed(z, ld);
  }

  /**
   * {@code x = W^-1 (z - b)} by two triangular solves per row.
   *
   * @param z of shape {@code [batch, features]}
   * @return {@code x} of shape {@code [batch, features]} and {@code -sum log s} of shape {@code
   *     [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} is not {@code [batch, features]}
   */
  @Override
  public Transformed inverse(Var z) {
    requireInput("LULinear.inverse", z);
    Var x =
        LuOps.solve(
            "LULinear.inverse",
            z,
            bias.var(),
            lower.var(),
            upper.var(),
            rawDiagonal.var(),
            perm,
            MIN_DIAGONAL);
    Var ld = LuOps.logDet(rawDiagonal.var(), z.shape().dim(0), -1.0, MIN_DIAGONAL);
    return new Transformed(x, ld);
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
    return Spec.of(TYPE).put("features", features).put("permutation", perm).build();
  }

  /**
   * Rebuilds a layer from its {@link #spec()}: the stored permutation with {@code L = I}, {@code U
   * = 0}, {@code s = 1}, {@code b = 0}, to be overwritten by the saved state.
   *
   * @throws IllegalArgumentException if a member is missing or invalid
   */
  public static LULinear fromSpec(Json.Obj spec) {
    int[] p = spec.getArray("permutation").toIntArray();
    int d = spec.getInt("features");
    Checks.requireArgument(
        p.length == d, "LULinear: permutation must have %d entries, but has %d", d, p.length);
    return new LULinear(p);
  }
}
