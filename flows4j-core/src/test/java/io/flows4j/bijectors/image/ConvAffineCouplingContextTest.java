package io.flows4j.bijectors.image;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.ConditionalBijector;
import io.flows4j.bijectors.ConditionalContextTest;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.util.Arrays;

/**
 * How a conditional image coupling uses its context (checkerboard, parity 0, [rows, 2, 3, 4]): only
 * the transformed elements depend on it, broadcasting, gradients and refused contexts.
 */
class ConvAffineCouplingContextTest extends ConditionalContextTest {
  static final int C = 2;
  static final int H = 3;
  static final int W = 4;
  static final int CONTEXT = 3;

  @Override
  protected ConditionalBijector create(long seed) {
    return perturbed(
        ImageLayers.conditionalAffineCoupling(C, 8, ImageMask.CHECKERBOARD, 0, CONTEXT, seed),
        seed,
        0.3);
  }

  @Override
  protected Bijector createUnconditional(long seed) {
    return ImageLayers.affineCoupling(C, 8, ImageMask.CHECKERBOARD, 0, seed);
  }

  /**
   * 6 rows x 8 hidden channels x 12 pixels of ReLUs per layer: at the default step of {@code 1e-2}
   * some pre-activation crosses its kink (measured: the quotient moved from 0.940 at {@code 1e-2}
   * to 0.900 at {@code 1e-3} and 0.898 at {@code 3e-4}, against the analytic 0.899).
   */
  @Override
  protected double contextFdStep() {
    return 1e-3;
  }

  @Override
  protected int features() {
    return C * H * W;
  }

  @Override
  protected int context() {
    return CONTEXT;
  }

  @Override
  protected Tensor input(long seed, int rows) {
    return new Rng(seed).fillNormal(Tensor.zeros(rows, C, H, W), 0, 1);
  }

  @Override
  protected int[] contextDependentFeatures() {
    int[] identity =
        ConvAffineCouplingContract.conditioningElements(ImageMask.CHECKERBOARD, 0, C, H, W);
    return java.util.stream.IntStream.range(0, features())
        .filter(k -> Arrays.binarySearch(identity, k) < 0)
        .toArray();
  }
}
