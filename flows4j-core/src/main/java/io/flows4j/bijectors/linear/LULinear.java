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
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.StableMath;
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
    int d = features;
    double[][] q = orthogonal(d, new Rng(seed));
    // Doolittle with partial pivoting: rows piv[i] of Q = row i of L U.
    int[] piv = new int[d];
    for (int i = 0; i < d; i++) {
      piv[i] = i;
    }
    for (int c = 0; c < d; c++) {
      int p = c;
      for (int r = c + 1; r < d; r++) {
        if (Math.abs(q[r][c]) > Math.abs(q[p][c])) {
          p = r;
        }
      }
      double[] t = q[c];
      q[c] = q[p];
      q[p] = t;
      int ti = piv[c];
      piv[c] = piv[p];
      piv[p] = ti;
      for (int r = c + 1; r < d; r++) {
        q[r][c] /= q[c][c];
        for (int k = c + 1; k < d; k++) {
          q[r][k] -= q[r][c] * q[c][k];
        }
      }
    }
    LULinear layer = new LULinear(piv);
    Tensor lo = layer.lower.value();
    Tensor up = layer.upper.value();
    Tensor raw = layer.rawDiagonal.value();
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < i; j++) {
        lo.setFlat(LuOps.lowerIndex(i, j), (float) q[i][j]);
      }
      for (int j = i + 1; j < d; j++) {
        // Column j of Q is multiplied by sign(u_jj), so U's column j is too.
        up.setFlat(LuOps.upperIndex(d, i, j), (float) (q[i][j] * Math.signum(q[j][j])));
      }
      raw.setFlat(i, rawFor(Math.abs(q[i][i])));
    }
    return layer;
  }

  /** The raw diagonal value giving the diagonal {@code s} (at least just above the floor). */
  private static float rawFor(double s) {
    double above = Math.max(s - MIN_DIAGONAL, 1e-6);
    return (float) StableMath.softplusInverse(above);
  }

  /** A {@code d x d} orthogonal matrix: modified Gram-Schmidt on the columns of a Gaussian one. */
  private static double[][] orthogonal(int d, Rng rng) {
    double[][] a = new double[d][d];
    for (int i = 0; i < d; i++) {
      for (int j = 0; j < d; j++) {
        a[i][j] = rng.nextGaussian();
      }
    }
    for (int j = 0; j < d; j++) {
      for (int k = 0; k < j; k++) {
        double dot = 0;
        for (int i = 0; i < d; i++) {
          dot += a[i][k] * a[i][j];
        }
        for (int i = 0; i < d; i++) {
          a[i][j] -= dot * a[i][k];
        }
      }
      double norm = 0;
      for (int i = 0; i < d; i++) {
        norm += a[i][j] * a[i][j];
      }
      norm = Math.sqrt(norm);
      for (int i = 0; i < d; i++) {
        a[i][j] /= norm;
      }
    }
    return a;
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
        LuOps.solve(z, bias.var(), lower.var(), upper.var(), rawDiagonal.var(), perm, MIN_DIAGONAL);
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
