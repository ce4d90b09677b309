package io.flows4j.bijectors.image;

/** The contract on an image affine coupling, channel mask, parity 1, over [batch, 4, 4, 4]. */
class ConvAffineCouplingChannel1Test extends ConvAffineCouplingContract {
  @Override
  ImageMask mask() {
    return ImageMask.CHANNEL;
  }

  @Override
  int parity() {
    return 1;
  }

  @Override
  int channels() {
    return 4;
  }
}
