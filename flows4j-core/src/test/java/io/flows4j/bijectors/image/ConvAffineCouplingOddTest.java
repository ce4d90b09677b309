package io.flows4j.bijectors.image;

/**
 * The contract on an image affine coupling with 3 channels (a channel mask splitting 1 | 2) over a
 * non-square 3x5 image.
 */
class ConvAffineCouplingOddTest extends ConvAffineCouplingContract {
  @Override
  ImageMask mask() {
    return ImageMask.CHANNEL;
  }

  @Override
  int parity() {
    return 0;
  }

  @Override
  int channels() {
    return 3;
  }

  @Override
  int height() {
    return 3;
  }

  @Override
  int width() {
    return 5;
  }
}
