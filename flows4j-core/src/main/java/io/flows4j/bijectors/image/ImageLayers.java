package io.flows4j.bijectors.image;

import io.flows4j.bijectors.coupling.AffineCoupling;

/**
 * Factories of the image layers, for presets and user code: Glow's invertible 1x1 convolution and
 * the convolutional affine coupling (unconditional and conditional). Inputs of every layer are
 * {@code [batch, channels, height, width]}.
 */
public final class ImageLayers {
  private ImageLayers() {}

  /**
   * An invertible 1x1 convolution in LU form that starts at a random rotation.
   *
   * @param channels channels {@code C}, at least 2
   * @param seed seed of the rotation
   * @throws IllegalArgumentException if {@code channels < 2}
   */
  public static InvertibleConv1x1 invertibleConv1x1(int channels, long seed) {
    return InvertibleConv1x1.randomRotation(channels, seed);
  }

  /**
   * An affine coupling with a conv 3x3 - 1x1 - 3x3 conditioner of {@code hidden} channels (last
   * layer zero: the identity at the start) and the default scale bound.
   *
   * @param channels image channels {@code C}
   * @param hidden hidden channels of the conditioner (Glow: 512; W4: 128)
   * @param mask channel or checkerboard
   * @param parity 0 or 1, which half conditions the other
   * @param seed seed of the conditioner's initial weights
   * @throws IllegalArgumentException if a size or the parity is out of range
   */
  public static ConvAffineCoupling affineCoupling(
      int channels, int hidden, ImageMask mask, int parity, long seed) {
    return new ConvAffineCoupling(
        channels, hidden, mask, parity, AffineCoupling.DEFAULT_SCALE_BOUND, 0, seed);
  }

  /**
   * A conditional affine coupling: the context ({@code [batch, contextFeatures]} or {@code [1,
   * contextFeatures]}) adds a learned per-channel bias after the conditioner's first convolution.
   * Use it through {@code forward(x, c)}, {@code inverse(z, c)} or {@code given(c)}.
   *
   * @param channels image channels {@code C}
   * @param hidden hidden channels of the conditioner
   * @param mask channel or checkerboard
   * @param parity 0 or 1, which half conditions the other
   * @param contextFeatures context features {@code K}, at least 1
   * @param seed seed of the conditioner's initial weights
   * @throws IllegalArgumentException if a size or the parity is out of range
   */
  public static ConvAffineCoupling conditionalAffineCoupling(
      int channels, int hidden, ImageMask mask, int parity, int contextFeatures, long seed) {
    if (contextFeatures < 1) {
      throw new IllegalArgumentException(
          "ConvAffineCoupling: contextFeatures must be >= 1, but was " + contextFeatures);
    }
    return new ConvAffineCoupling(
        channels, hidden, mask, parity, AffineCoupling.DEFAULT_SCALE_BOUND, contextFeatures, seed);
  }
}
