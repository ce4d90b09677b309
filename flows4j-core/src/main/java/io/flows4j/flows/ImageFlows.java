package io.flows4j.flows;

import io.flows4j.bijectors.ActNorm;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.Logit;
import io.flows4j.bijectors.Standardization;
import io.flows4j.bijectors.image.ImageLayers;
import io.flows4j.bijectors.image.ImageMask;
import io.flows4j.bijectors.image.MultiScale;
import io.flows4j.bijectors.image.Squeeze;
import io.flows4j.distributions.ConditionalDiagonalGaussian;
import io.flows4j.distributions.DiagonalGaussian;
import io.flows4j.tensor.Checks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Flows over 8-bit images: the multi-scale architectures of Dinh, Sohl-Dickstein and Bengio 2017
 * ("Density estimation using Real NVP", section 3.6) and Kingma and Dhariwal 2018 ("Glow"), with
 * the pre-processing of dequantized pixels and a learned diagonal Gaussian base per level.
 *
 * <p><b>Data and density.</b> The flows take rows of dequantized pixel values {@code y = p + u} in
 * {@code [0, 256)} (images flattened row-major, see {@link io.flows4j.data.Images}); their first
 * layer divides by 256 ({@code x = y / 256}, log-det {@code -D ln 256}), optionally followed by the
 * logit pre-transform {@code logit(a + (1 - 2a) x)} with {@code a = }{@value #LOGIT_ALPHA} ({@link
 * Logit}, with its exact log-det), then the {@link MultiScale} transform. So {@code log p(y)} is an
 * exact density of the dequantized data, its mean NLL over {@code D} values gives bits per
 * dimension as {@code NLL / (D ln 2)}, and samples come out in pixel units.
 *
 * <p><b>Base.</b> A {@link DiagonalGaussian} over the flat latent vector, with a learned mean and
 * log-scale per element: since the latent vector is the concatenation of the levels' factored-out
 * tensors, this is exactly the product of one learned diagonal Gaussian per level, {@code log p(z)
 * = sum_l log p_l(z_l)}. The class-conditional variant takes the mean and log-scale of every
 * element from a linear map of the context (a one-hot label), a {@link ConditionalDiagonalGaussian}
 * with no hidden layer that starts as {@code N(0, I)} for every label.
 */
public final class ImageFlows {
  /** The logit pre-transform's {@code a} (RealNVP's, section 4.1 of Dinh et al. 2017). */
  public static final double LOGIT_ALPHA = 0.05;

  private ImageFlows() {}

  /** Makes the flow step number {@code index} of a level working on {@code channels} channels. */
  @FunctionalInterface
  public interface StepFactory {
    /**
     * Creates one step.
     *
     * @param channels the channels of the level's images after its squeeze
     * @param index the step's number within the whole flow, from 0 (for alternating masks)
     * @param seed a seed for the step's initial weights, different for every step
     */
    Bijector create(int channels, int index, long seed);
  }

  /**
   * The Glow architecture: {@code levels} levels of (squeeze, {@code stepsPerLevel} steps), each
   * level but the last factoring out half of its channels.
   *
   * @param channels {@code C} of the images
   * @param height {@code H}, divisible by {@code 2^levels}
   * @param width {@code W}, divisible by {@code 2^levels}
   * @param levels {@code L >= 1}
   * @param stepsPerLevel {@code K >= 1}
   * @param step makes each step
   * @param seed the first step's seed; step {@code i} gets {@code seed + i}
   * @throws IllegalArgumentException if a count is not positive or the image size is not divisible
   *     by {@code 2^levels}
   */
  public static MultiScale glowArchitecture(
      int channels,
      int height,
      int width,
      int levels,
      int stepsPerLevel,
      StepFactory step,
      long seed) {
    requireDivisible("ImageFlows.glowArchitecture", height, width, levels);
    Checks.requirePositive(stepsPerLevel, "ImageFlows.glowArchitecture", "stepsPerLevel");
    List<Bijector> built = new ArrayList<>(levels);
    int c = channels;
    int index = 0;
    for (int l = 0; l < levels; l++) {
      c *= 4;
      List<Bijector> layers = new ArrayList<>(stepsPerLevel + 1);
      layers.add(new Squeeze());
      for (int k = 0; k < stepsPerLevel; k++, index++) {
        layers.add(step.create(c, index, seed + index));
      }
      built.add(Bijectors.chain(layers));
      c /= 2;
    }
    return new MultiScale(channels, height, width, built);
  }

  /**
   * The multi-scale RealNVP architecture (Dinh et al. 2017, section 3.6): every level but the last
   * is {@code 3} checkerboard steps, a squeeze and {@code 3} channel steps, then half of the
   * channels is factored out; the last level is {@code 4} checkerboard steps.
   *
   * @param channels {@code C} of the images
   * @param height {@code H}, divisible by {@code 2^(levels - 1)}
   * @param width {@code W}, divisible by {@code 2^(levels - 1)}
   * @param levels {@code L >= 1}
   * @param checkerboard makes a step with a checkerboard mask (the index's parity alternates it)
   * @param channelWise makes a step with a channel mask
   * @param seed the first step's seed; step {@code i} gets {@code seed + i}
   * @throws IllegalArgumentException if a count is not positive or the image size is not divisible
   */
  public static MultiScale realNvpArchitecture(
      int channels,
      int height,
      int width,
      int levels,
      StepFactory checkerboard,
      StepFactory channelWise,
      long seed) {
    requireDivisible("ImageFlows.realNvpArchitecture", height, width, levels - 1);
    List<Bijector> built = new ArrayList<>(levels);
    int c = channels;
    int index = 0;
    for (int l = 0; l < levels; l++) {
      List<Bijector> layers = new ArrayList<>();
      boolean last = l == levels - 1;
      for (int k = 0; k < (last ? 4 : 3); k++, index++) {
        layers.add(checkerboard.create(c, index, seed + index));
      }
      if (!last) {
        layers.add(new Squeeze());
        c *= 4;
        for (int k = 0; k < 3; k++, index++) {
          layers.add(channelWise.create(c, index, seed + index));
        }
        c /= 2;
      }
      built.add(Bijectors.chain(layers));
    }
    return new MultiScale(channels, height, width, built);
  }

  /**
   * The Glow transform (Kingma and Dhariwal 2018): {@code levels} levels of a squeeze and {@code
   * stepsPerLevel} steps, each step ActNorm, an invertible 1x1 convolution (LU) and an affine
   * coupling with a conv 3x3 - 1x1 - 3x3 network of {@code hidden} channels whose last layer starts
   * at zero (channel mask, the conditioning half alternating from step to step); half of the
   * channels factored out after every level but the last.
   *
   * @param levels {@code L >= 1}
   * @param stepsPerLevel {@code K >= 1}
   * @param hidden hidden channels of the coupling networks
   * @param channels {@code C} of the images
   * @param height {@code H}, divisible by {@code 2^L}
   * @param width {@code W}, divisible by {@code 2^L}
   * @param classes context features of the couplings (a one-hot label), 0 for none
   * @param seed seed of the initial weights
   * @throws IllegalArgumentException if a size is out of range
   */
  public static MultiScale glowTransform(
      int levels,
      int stepsPerLevel,
      int hidden,
      int channels,
      int height,
      int width,
      int classes,
      long seed) {
    Checks.requireNonNegative(classes, "ImageFlows.glowTransform", "classes");
    return glowArchitecture(
        channels,
        height,
        width,
        levels,
        stepsPerLevel,
        (c, i, s) ->
            Bijectors.chain(
                new ActNorm(c),
                ImageLayers.invertibleConv1x1(c, s),
                coupling(c, hidden, ImageMask.CHANNEL, i % 2, classes, s ^ COUPLING_SEED_MIX)),
        seed);
  }

  /**
   * The Glow flow over dequantized pixel rows without the logit pre-transform (as in the Glow
   * paper, whose first layers see the pixels on a linear scale): {@link #glowTransform} with a
   * learned diagonal Gaussian base per level.
   *
   * @see #glowTransform
   */
  public static Flow glow(
      int levels, int stepsPerLevel, int hidden, int channels, int height, int width, long seed) {
    return flow(
        glowTransform(levels, stepsPerLevel, hidden, channels, height, width, 0, seed), false);
  }

  /**
   * The multi-scale RealNVP transform (Dinh et al. 2017, section 3.6): in every level but the last,
   * three checkerboard couplings, a squeeze, three channel couplings, then half of the channels
   * factored out; the last level is four checkerboard couplings. Every coupling is preceded by an
   * ActNorm, which stands in for the paper's batch normalization (the same per-channel affine map,
   * with statistics fixed after the first batch instead of running ones); the masks alternate. The
   * coupling networks are conv 3x3 - 1x1 - 3x3 of {@code hidden} channels, last layer zero.
   *
   * @param levels {@code L >= 1}
   * @param hidden hidden channels of the coupling networks
   * @param channels {@code C}
   * @param height {@code H}, divisible by {@code 2^(L-1)}
   * @param width {@code W}, divisible by {@code 2^(L-1)}
   * @param classes context features of the couplings (a one-hot label), 0 for none
   * @param seed seed of the initial weights
   * @throws IllegalArgumentException if a size is out of range
   */
  public static MultiScale realNvpTransform(
      int levels, int hidden, int channels, int height, int width, int classes, long seed) {
    Checks.requireNonNegative(classes, "ImageFlows.realNvpTransform", "classes");
    return realNvpArchitecture(
        channels,
        height,
        width,
        levels,
        (c, i, s) ->
            Bijectors.chain(
                new ActNorm(c), coupling(c, hidden, ImageMask.CHECKERBOARD, i % 2, classes, s)),
        (c, i, s) ->
            Bijectors.chain(
                new ActNorm(c), coupling(c, hidden, ImageMask.CHANNEL, i % 2, classes, s)),
        seed);
  }

  /**
   * The multi-scale RealNVP flow over dequantized pixel rows, with the logit pre-transform of the
   * paper ({@code a = }{@value #LOGIT_ALPHA}) and a learned diagonal Gaussian base per level.
   *
   * @see #realNvpTransform
   */
  public static Flow realNvp(
      int levels, int hidden, int channels, int height, int width, long seed) {
    return flow(realNvpTransform(levels, hidden, channels, height, width, 0, seed), true);
  }

  /** Mixed into a step's seed for its coupling, so that it differs from the 1x1 convolution's. */
  private static final long COUPLING_SEED_MIX = 0x5DEECE66DL;

  private static Bijector coupling(
      int channels, int hidden, ImageMask mask, int parity, int classes, long seed) {
    return classes == 0
        ? ImageLayers.affineCoupling(channels, hidden, mask, parity, seed)
        : ImageLayers.conditionalAffineCoupling(channels, hidden, mask, parity, classes, seed);
  }

  /**
   * The layers before the multi-scale transform: division by 256 of {@code dimension} values, then,
   * when {@code logit} is set, {@code logit(a + (1 - 2a) x)}.
   *
   * @throws IllegalArgumentException if {@code dimension < 1}
   */
  public static Bijector preprocessing(int dimension, boolean logit) {
    Checks.requirePositive(dimension, "ImageFlows.preprocessing", "dimension");
    double[] mean = new double[dimension];
    double[] std = new double[dimension];
    Arrays.fill(std, 256.0);
    Standardization scale = new Standardization(mean, std);
    return logit ? Bijectors.chain(scale, new Logit(LOGIT_ALPHA)) : scale;
  }

  /**
   * The flow over dequantized pixel rows (see the class comment).
   *
   * @param transform the multi-scale transform (unconditional)
   * @param logit whether to apply the logit pre-transform
   * @throws IllegalArgumentException if {@code transform} is conditional
   */
  public static Flow flow(MultiScale transform, boolean logit) {
    Checks.requireArgument(
        transform.contextFeatures() == 0,
        "ImageFlows.flow: the transform takes a context of %d features; use conditionalFlow",
        transform.contextFeatures());
    int d = transform.latentSize();
    return new Flow(Bijectors.chain(preprocessing(d, logit), transform), new DiagonalGaussian(d));
  }

  /**
   * The class-conditional flow: the base's mean and log-scale are a linear map of the context (a
   * one-hot label of {@code classes} features), and the transform's conditional layers, if any,
   * take the same context.
   *
   * @param transform the multi-scale transform (conditional on {@code classes} features or not)
   * @param logit whether to apply the logit pre-transform
   * @param classes the number of context features
   * @param seed seed of the base's linear map
   * @throws IllegalArgumentException if {@code classes < 1} or the transform takes another context
   *     size
   */
  public static ConditionalFlow conditionalFlow(
      MultiScale transform, boolean logit, int classes, long seed) {
    Checks.requirePositive(classes, "ImageFlows.conditionalFlow", "classes");
    int d = transform.latentSize();
    return new ConditionalFlow(
        Bijectors.chain(preprocessing(d, logit), transform),
        new ConditionalDiagonalGaussian(d, classes, new int[0], seed));
  }

  private static void requireDivisible(String op, int height, int width, int squeezes) {
    Checks.requirePositive(height, op, "height");
    Checks.requirePositive(width, op, "width");
    Checks.requireArgument(squeezes >= 0 && squeezes < 16, "%s: levels must be >= 1", op);
    int f = 1 << squeezes;
    Checks.requireArgument(
        height % f == 0 && width % f == 0,
        "%s: height and width must be divisible by %d for %d squeezes, but were %d and %d",
        op,
        f,
        squeezes,
        height,
        width);
  }
}
