package io.flows4j.bijectors.image;

import io.flows4j.autodiff.ConvOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.bijectors.linear.LULinear;
import io.flows4j.bijectors.linear.LuOps;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Glow's invertible 1x1 convolution (Kingma and Dhariwal 2018, "Glow: Generative Flow with
 * Invertible 1x1 Convolutions", section 3.2) in the LU parameterisation: the same invertible {@code
 * C x C} matrix mixes the channels at every pixel.
 *
 * <pre>
 *   W = P L (U + diag(s)),   s = softplus(r) + MIN_DIAGONAL,
 *   forward:  z[b, :, i, j] = W x[b, :, i, j],        log|det| =  H W sum_c log s_c
 *   inverse:  x[b, :, i, j] = W^-1 z[b, :, i, j],     log|det| = -H W sum_c log s_c
 * </pre>
 *
 * <p>The weight, its log-determinant and the inverse are {@link LuOps}', shared with {@link
 * LULinear}: the forward pass forms {@code W} once ({@code O(C^3)}, tiny) and multiplies every
 * image by it (one GEMM {@code [C, C] x [C, H W]} per image); the log-determinant costs {@code
 * O(C)}; the inverse is two triangular solves per image with the {@code H W} pixels as right-hand
 * sides, in double, never an explicit inverse matrix. There is no bias (Glow puts an ActNorm before
 * each 1x1 convolution).
 *
 * <p><b>Initialisation.</b> {@link #randomRotation} starts at a random rotation, as Glow does (see
 * {@link LuOps#randomRotation}); the permutation {@code P} is the pivoting of that factorisation,
 * fixed and stored in the {@link #spec()}.
 *
 * <p><b>Parameters</b> ({@code C (C - 1) + C} scalars): {@code lower}, {@code upper} (packed,
 * {@code [C (C - 1) / 2]} each) and {@code rawDiagonal} {@code r} ({@code [C]}).
 *
 * <p>Inputs are {@code [batch, channels, height, width]}.
 */
public final class InvertibleConv1x1 extends Module implements Bijector {
  /** The type name in specs and model files. */
  public static final String TYPE = "invertible-conv1x1";

  /** The smallest diagonal entry of {@code U + diag(s)}, that of {@link LULinear}. */
  public static final double MIN_DIAGONAL = LULinear.MIN_DIAGONAL;

  private final int channels;
  private final int[] perm;
  private final Parameter lower;
  private final Parameter upper;
  private final Parameter rawDiagonal;

  /** The layer {@code W = P} ({@code L = I}, {@code U = 0}, {@code s = 1}). */
  private InvertibleConv1x1(int[] perm) {
    Checks.requireArgument(
        perm.length >= 2, "InvertibleConv1x1: channels must be >= 2, but was %d", perm.length);
    int[] sorted = perm.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      Checks.requireArgument(
          sorted[i] == i,
          "InvertibleConv1x1: permutation must be a permutation of 0..%d, but was %s",
          perm.length - 1,
          Arrays.toString(perm));
    }
    this.channels = perm.length;
    this.perm = perm.clone();
    int packed = LuOps.packedSize(channels);
    this.lower = registerParameter("lower", Tensor.zeros(packed));
    this.upper = registerParameter("upper", Tensor.zeros(packed));
    this.rawDiagonal =
        registerParameter(
            "rawDiagonal", Tensor.full(Shape.of(channels), LuOps.rawFor(1.0, MIN_DIAGONAL)));
  }

  /**
   * A layer that starts at a random rotation drawn from {@code seed}.
   *
   * @param channels channels {@code C}, at least 2
   * @throws IllegalArgumentException if {@code channels < 2}
   */
  public static InvertibleConv1x1 randomRotation(int channels, long seed) {
    Checks.requireArgument(
        channels >= 2, "InvertibleConv1x1: channels must be >= 2, but was %d", channels);
    LuOps.Factorization f = LuOps.randomRotation(channels, seed, MIN_DIAGONAL);
    InvertibleConv1x1 layer = new InvertibleConv1x1(f.permutation());
    layer.lower.value().copyFrom(Tensor.wrap(f.lower(), f.lower().length));
    layer.upper.value().copyFrom(Tensor.wrap(f.upper(), f.upper().length));
    layer.rawDiagonal.value().copyFrom(Tensor.wrap(f.rawDiagonal(), channels));
    return layer;
  }

  /** Channels {@code C}. */
  public int channels() {
    return channels;
  }

  /** The fixed permutation: row {@code i} of {@code L (U + diag s)} is row {@code p[i]} of W. */
  public int[] permutation() {
    return perm.clone();
  }

  /** The current matrix {@code W}, of shape {@code [C, C]} (a new tensor). */
  public Tensor weight() {
    try (Tape t = Tape.noGrad()) {
      return weightVar().value().copy();
    }
  }

  private Var weightVar() {
    return LuOps.weight(lower.var(), upper.var(), rawDiagonal.var(), perm, MIN_DIAGONAL);
  }

  /**
   * {@code z = W x} at every pixel.
   *
   * @param x of shape {@code [batch, channels, height, width]}
   * @return {@code z} of the same shape and {@code H W sum log s} of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} is not {@code [batch, channels,
   *     height, width]}
   */
  @Override
  public Transformed forward(Var x) {
    requireInput("InvertibleConv1x1.forward", x);
    Var w = ShapeOps.reshape(weightVar(), channels, channels, 1, 1);
    Var z = ConvOps.conv2d(x, w, null, 0);
    return new Transformed(z, logDet(x.shape(), 1));
  }

  /**
   * {@code x = W^-1 z} at every pixel, by two triangular solves per image.
   *
   * @param z of shape {@code [batch, channels, height, width]}
   * @return {@code x} of the same shape and {@code -H W sum log s} of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} is not {@code [batch, channels,
   *     height, width]}
   */
  @Override
  public Transformed inverse(Var z) {
    String op = "InvertibleConv1x1.inverse";
    requireInput(op, z);
    Var x =
        LuOps.solve(op, z, null, lower.var(), upper.var(), rawDiagonal.var(), perm, MIN_DIAGONAL);
    return new Transformed(x, logDet(z.shape(), -1));
  }

  private Var logDet(Shape s, int sign) {
    double pixels = (double) s.dim(2) * s.dim(3);
    return LuOps.logDet(rawDiagonal.var(), s.dim(0), sign * pixels, MIN_DIAGONAL);
  }

  private void requireInput(String op, Var x) {
    Checks.requireShape(
        x.shape().rank() == 4 && x.shape().dim(1) == channels,
        "%s: input must have shape [batch, %d, height, width], but was %s",
        op,
        channels,
        x.shape());
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).put("channels", channels).put("permutation", perm).build();
  }

  /**
   * Rebuilds a layer from its {@link #spec()}: the stored permutation with {@code L = I}, {@code U
   * = 0}, {@code s = 1}, to be overwritten by the saved state.
   *
   * @throws IllegalArgumentException if a member is missing or invalid
   */
  public static InvertibleConv1x1 fromSpec(Json.Obj spec) {
    int[] p = spec.getArray("permutation").toIntArray();
    int c = spec.getInt("channels");
    Checks.requireArgument(
        p.length == c,
        "InvertibleConv1x1: permutation must have %d entries, but has %d",
        c,
        p.length);
    return new InvertibleConv1x1(p);
  }

  @Override
  protected String kind() {
    return "InvertibleConv1x1";
  }
}
