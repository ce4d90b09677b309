package io.flows4j.bijectors.image;

/**
 * Which elements of an image {@code [batch, C, H, W]} an image coupling transforms and which
 * condition the transform (Dinh, Sohl-Dickstein and Bengio 2017, "Density estimation using Real
 * NVP", section 3.4).
 */
public enum ImageMask {
  /**
   * Split by channel: with {@code h = C / 2}, parity 0 transforms channels {@code [h, C)} given
   * channels {@code [0, h)} (Glow's split), parity 1 transforms {@code [0, h)} given {@code [h,
   * C)}. The conditioner sees only the conditioning channels.
   */
  CHANNEL,
  /**
   * Split by pixel, a checkerboard: pixel {@code (i, j)} conditions when {@code (i + j) % 2 ==
   * parity} and is transformed otherwise, in every channel. The conditioner sees the whole image
   * with the transformed pixels set to zero.
   */
  CHECKERBOARD;

  /** The name in specs: {@code "channel"} or {@code "checkerboard"}. */
  public String specName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * The mask named {@code name} in a spec.
   *
   * @throws IllegalArgumentException if the name is neither {@code "channel"} nor {@code
   *     "checkerboard"}
   */
  public static ImageMask fromSpecName(String name) {
    for (ImageMask m : values()) {
      if (m.specName().equals(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException(
        "image coupling: mask must be 'channel' or 'checkerboard', but was '" + name + "'");
  }
}
