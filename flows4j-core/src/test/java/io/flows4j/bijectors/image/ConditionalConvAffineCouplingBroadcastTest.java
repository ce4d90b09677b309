package io.flows4j.bijectors.image;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The contract on a conditional image coupling (channel mask, parity 0, [batch, 4, 4, 4]) bound to
 * one context row shared by the whole batch.
 */
class ConditionalConvAffineCouplingBroadcastTest extends BijectorContractTest {
  static final int CONTEXT = 3;

  @Override
  protected Bijector create(long seed) {
    ConvAffineCoupling b =
        ImageLayers.conditionalAffineCoupling(4, 8, ImageMask.CHANNEL, 0, CONTEXT, seed);
    perturb(b, seed, 0.3);
    Tensor c = new Rng(seed + 7).fillNormal(Tensor.zeros(1, CONTEXT), 0, 1);
    return b.given(Var.constant(c));
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(4, 4, 4);
  }

  @Override
  protected Structure structure() {
    return Structure.COUPLING;
  }

  @Override
  protected int[] identityFeatures() {
    return ConvAffineCouplingContract.conditioningElements(ImageMask.CHANNEL, 0, 4, 4, 4);
  }
}
