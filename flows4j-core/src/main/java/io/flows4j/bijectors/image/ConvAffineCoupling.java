package io.flows4j.bijectors.image;

import io.flows4j.autodiff.LinearOps;
import io.flows4j.autodiff.MathOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.Contexts;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.bijectors.coupling.AffineCoupling;
import io.flows4j.io.Json;
import io.flows4j.nn.Conv2d;
import io.flows4j.nn.Init;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.SplittableRandom;

/**
 * The affine coupling of RealNVP and Glow over images (Dinh, Sohl-Dickstein and Bengio 2017,
 * "Density estimation using Real NVP"; Kingma and Dhariwal 2018, "Glow: Generative Flow with
 * Invertible 1x1 Convolutions"), with a convolutional conditioner and a channel or checkerboard
 * {@link ImageMask}.
 *
 * <p>With {@code x_a} the conditioning and {@code x_b} the transformed elements, the conditioner
 * gives a shift {@code t} and a raw log-scale {@code u} for every transformed element, and {@code s
 * = u / (1 + |u| / bound)}:
 *
 * <pre>
 *   forward (data to latent):  z_a = x_a,  z_b = x_b exp(s) + t,     log|det J| =  sum s
 *   inverse (latent to data):  x_a = z_a,  x_b = (z_b - t) exp(-s),  log|det J| = -sum s
 * </pre>
 *
 * <p><b>Conditioner</b> (Glow's {@code NN()}): conv 3x3 ({@code in -> hidden}, padding 1), ReLU,
 * conv 1x1 ({@code hidden -> hidden}), ReLU, conv 3x3 ({@code hidden -> 2 out}, padding 1), the
 * last convolution zero-initialised so that the layer starts as the identity. Channel mask: {@code
 * in} = the conditioning channels, {@code out} = the transformed channels. Checkerboard: {@code in
 * = out = C}, the input being the image with the transformed pixels zeroed. The output's first
 * {@code out} channels are the shifts, the last {@code out} the raw log-scales.
 *
 * <p><b>Scale.</b> The log-scale is soft-clipped, {@code |s| < bound} (default {@link
 * AffineCoupling#DEFAULT_SCALE_BOUND}), as in the vector couplings of {@code
 * io.flows4j.bijectors.coupling}, rather than Glow's {@code sigmoid(u + 2)}: one parameterisation
 * for every affine coupling in the library (same kernel math, same tests of its derivative); the
 * zero-initialised output gives exactly {@code s = 0}, the identity, where {@code sigmoid(2)}
 * starts every layer at a contraction by 0.88; it is symmetric (a layer can expand as well as
 * contract, which the data -> latent direction needs for pixel values spread over {@code [0, 1)}),
 * and its bound gives every element a slope in {@code [e^-bound, e^bound]}, so the map and its
 * inverse stay finite and the log-determinant bounded whatever the network outputs, which is what
 * Glow's sigmoid was chosen for.
 *
 * <p><b>Context.</b> With {@code K > 0} context features the layer is a {@link
 * ConditionalBijector}: the context {@code c} ({@code [batch, K]}, or {@code [1, K]} for the whole
 * batch) enters as a per-channel bias after the first convolution, {@code h_1 = ReLU(conv_3x3(x_a)
 * + c V^T)} with {@code V} of shape {@code [hidden, K]} (so a class-conditional Glow passes one-hot
 * labels). {@code z_a = x_a} keeps the map invertible at every context. Such a layer runs through
 * {@link #forward(Var, Var)} or {@link #given(Var)}; its context-free methods refuse.
 *
 * <p>Inputs are {@code [batch, channels, height, width]}; any height and width.
 */
public final class ConvAffineCoupling extends Module implements Bijector, ConditionalBijector {
  /** The type name in specs and model files. */
  public static final String TYPE = "conv-affine-coupling";

  private final int channels;
  private final int hidden;
  private final ImageMask mask;
  private final int parity;
  private final double scaleBound;
  private final int context;

  /** First transformed channel, and how many (the checkerboard transforms all of them). */
  private final int first;

  private final int count;
  private final Conv2d in;
  private final Conv2d mid;
  private final Conv2d out;
  private final Parameter contextWeight;

  /**
   * An image affine coupling with every setting given.
   *
   * @param channels image channels {@code C}, at least 2 for a channel mask, at least 1 for a
   *     checkerboard
   * @param hidden hidden channels of the conditioner, at least 1
   * @param mask channel or checkerboard
   * @param parity 0 or 1, which half conditions (see {@link ImageMask})
   * @param scaleBound bound of the log-scale, {@code > 0} and finite
   * @param context context features {@code K}, 0 for an unconditional layer
   * @param seed seed of the conditioner's initial weights
   * @throws IllegalArgumentException if a size or the parity is out of range, or the mask is null
   */
  public ConvAffineCoupling(
      int channels,
      int hidden,
      ImageMask mask,
      int parity,
      double scaleBound,
      int context,
      long seed) {
    Checks.requireArgument(mask != null, "ConvAffineCoupling: mask must not be null");
    Checks.requirePositive(channels, "ConvAffineCoupling", "channels");
    Checks.requirePositive(hidden, "ConvAffineCoupling", "hidden");
    Checks.requireArgument(
        parity == 0 || parity == 1,
        "ConvAffineCoupling: parity must be 0 or 1, but was %d",
        parity);
    Checks.requireArgument(
        mask != ImageMask.CHANNEL || channels >= 2,
        "ConvAffineCoupling: channels must be >= 2 for a channel mask, but was %d",
        channels);
    Checks.requireArgument(
        scaleBound > 0 && Double.isFinite(scaleBound),
        "ConvAffineCoupling: scaleBound must be > 0 and finite, but was %s",
        scaleBound);
    this.channels = channels;
    this.hidden = hidden;
    this.mask = mask;
    this.parity = parity;
    this.scaleBound = scaleBound;
    this.context = Checks.requireNonNegative(context, "ConvAffineCoupling", "context");
    int half = channels / 2;
    int inChannels;
    if (mask == ImageMask.CHANNEL) {
      first = parity == 0 ? half : 0;
      count = parity == 0 ? channels - half : half;
      inChannels = channels - count;
    } else {
      first = 0;
      count = channels;
      inChannels = channels;
    }
    SplittableRandom random = new SplittableRandom(seed);
    this.in = registerModule("in", new Conv2d(inChannels, hidden, 3, 1, true, random.nextLong()));
    this.mid = registerModule("mid", new Conv2d(hidden, hidden, 1, 0, true, random.nextLong()));
    this.out =
        registerModule(
            "out", new Conv2d(hidden, 2 * count, 3, 1, true, random.nextLong()).zeroInit());
    this.contextWeight =
        context == 0
            ? null
            : registerParameter(
                "contextWeight", Init.uniformFanIn(Tensor.zeros(hidden, context), context, random));
  }

  /** Image channels {@code C}. */
  public int channels() {
    return channels;
  }

  /** Hidden channels of the conditioner. */
  public int hiddenChannels() {
    return hidden;
  }

  /** The mask type. */
  public ImageMask mask() {
    return mask;
  }

  /** The mask's parity, 0 or 1. */
  public int parity() {
    return parity;
  }

  /** The bound of the log-scale. */
  public double scaleBound() {
    return scaleBound;
  }

  /** Context features {@code K}, 0 for a layer without context. */
  @Override
  public int contextFeatures() {
    return context;
  }

  /**
   * The channels the transform changes, {@code [first, first + count)}, as {@code {first, count}}.
   */
  public int[] transformedChannels() {
    return new int[] {first, count};
  }

  @Override
  public Transformed forward(Var x) {
    Contexts.requireNone("ConvAffineCoupling", "forward", context);
    return forward(x, null);
  }

  @Override
  public Transformed inverse(Var z) {
    Contexts.requireNone("ConvAffineCoupling", "inverse", context);
    return inverse(z, null);
  }

  /**
   * Data to latent at a context.
   *
   * @param x of shape {@code [batch, channels, height, width]}
   * @param c of shape {@code [batch, K]} or {@code [1, K]}; {@code null} for a layer without
   *     context
   * @return {@code z} of the shape of {@code x} and {@code log|det dz/dx|} of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   * @throws IllegalArgumentException if a context is missing for a conditional layer or given to an
   *     unconditional one
   */
  @Override
  public Transformed forward(Var x, Var c) {
    return transform("ConvAffineCoupling.forward", x, c, false);
  }

  /**
   * Latent to data at a context.
   *
   * @param z of shape {@code [batch, channels, height, width]}
   * @param c of shape {@code [batch, K]} or {@code [1, K]}; {@code null} for a layer without
   *     context
   * @return {@code x} of the shape of {@code z} and {@code log|det dx/dz|} of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if a shape does not fit
   * @throws IllegalArgumentException if a context is missing for a conditional layer or given to an
   *     unconditional one
   */
  @Override
  public Transformed inverse(Var z, Var c) {
    return transform("ConvAffineCoupling.inverse", z, c, true);
  }

  private Transformed transform(String op, Var x, Var c, boolean inverse) {
    Checks.requireShape(
        x.shape().rank() == 4 && x.shape().dim(1) == channels,
        "%s: input must have shape [batch, %d, height, width], but was %s",
        op,
        channels,
        x.shape());
    Var rows = Contexts.rows(op, c, x.shape().dim(0), context);
    boolean[] pixels =
        mask == ImageMask.CHECKERBOARD
            ? ImageCouplingOps.transformedPixels(x.shape().dim(2), x.shape().dim(3), parity)
            : null;
    // The conditioning elements are the same in x and z, so both directions compute the same h.
    Var xa =
        pixels == null
            ? ImageCouplingOps.channels(x, parity == 0 ? 0 : count, channels - count)
            : ImageCouplingOps.maskTransformed(x, pixels);
    Var h1 = in.forward(xa);
    h1 =
        rows == null
            ? MathOps.activation(h1, Activation.RELU)
            : ImageCouplingOps.addChannelBiasRelu(
                h1, LinearOps.linear(rows, contextWeight.var(), null, Activation.IDENTITY));
    Var h2 = MathOps.activation(mid.forward(h1), Activation.RELU);
    Var h = out.forward(h2);
    return ImageCouplingOps.affine(op, x, h, first, count, pixels, (float) scaleBound, inverse);
  }

  @Override
  public Json.Obj spec() {
    Spec spec =
        Spec.of(TYPE)
            .put("channels", channels)
            .put("hidden", hidden)
            .put("mask", mask.specName())
            .put("parity", parity)
            .put("scaleBound", scaleBound);
    return (context > 0 ? spec.put("context", context) : spec).build();
  }

  /**
   * Rebuilds a layer (with fresh weights) from its {@link #spec()}.
   *
   * @throws IllegalArgumentException if a member is missing or invalid
   */
  public static ConvAffineCoupling fromSpec(Json.Obj spec) {
    return new ConvAffineCoupling(
        spec.getInt("channels"),
        spec.getInt("hidden"),
        ImageMask.fromSpecName(spec.getString("mask")),
        spec.getInt("parity"),
        spec.getDouble("scaleBound"),
        spec.has("context") ? spec.getInt("context") : 0,
        0L);
  }

  @Override
  protected String kind() {
    return "ConvAffineCoupling";
  }
}
