package io.flows4j.bijectors.image;

/** The contract on an image affine coupling, checkerboard mask, parity 0, over [batch, 2, 4, 4]. */
class ConvAffineCouplingCheckerboard0Test extends ConvAffineCouplingContract {
  @Override
  ImageMask mask() {
    return ImageMask.CHECKERBOARD;
  }

  @Override
  int parity() {
    return 0;
  }

  @Override
  int channels() {
    return 2;
  }
}
