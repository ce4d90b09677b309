package io.flows4j.bijectors.image;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/**
 * The contract on a perturbed image affine coupling (every weight random, so the layer is far from
 * the identity) for one mask, parity and image shape; the subclasses pick them.
 */
abstract class ConvAffineCouplingContract extends BijectorContractTest {
  /** Hidden channels of the test conditioners. */
  static final int HIDDEN = 8;

  /** Standard deviation of the noise added to every parameter. */
  static final double PERTURBATION = 0.3;

  abstract ImageMask mask();

  abstract int parity();

  abstract int channels();

  int height() {
    return 4;
  }

  int width() {
    return 4;
  }

  @Override
  protected Bijector create(long seed) {
    ConvAffineCoupling b = ImageLayers.affineCoupling(channels(), HIDDEN, mask(), parity(), seed);
    perturb(b, seed, PERTURBATION);
    return b;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(channels(), height(), width());
  }

  @Override
  protected Structure structure() {
    return Structure.COUPLING;
  }

  @Override
  protected int[] identityFeatures() {
    return conditioningElements(mask(), parity(), channels(), height(), width());
  }

  /** Flat indices within one image {@code [C, H, W]} of the elements the mask passes through. */
  static int[] conditioningElements(ImageMask mask, int parity, int c, int h, int w) {
    int half = c / 2;
    return java.util.stream.IntStream.range(0, c * h * w)
        .filter(
            k -> {
              int ch = k / (h * w);
              int i = (k / w) % h;
              int j = k % w;
              return mask == ImageMask.CHANNEL
                  ? (parity == 0 ? ch < half : ch >= half)
                  : (i + j) % 2 == parity;
            })
        .toArray();
  }
}
