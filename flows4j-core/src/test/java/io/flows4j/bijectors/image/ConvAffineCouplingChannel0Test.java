package io.flows4j.bijectors.image;

/** The contract on an image affine coupling, channel mask, parity 0, over [batch, 4, 4, 4]. */
class ConvAffineCouplingChannel0Test extends ConvAffineCouplingContract {
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
    return 4;
  }
}
