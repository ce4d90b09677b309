package io.flows4j.bijectors.image;

/** The contract on an image affine coupling, checkerboard mask, parity 1, over [batch, 2, 4, 4]. */
class ConvAffineCouplingCheckerboard1Test extends ConvAffineCouplingContract {
  @Override
  ImageMask mask() {
    return ImageMask.CHECKERBOARD;
  }

  @Override
  int parity() {
    return 1;
  }

  @Override
  int channels() {
    return 2;
  }
}
