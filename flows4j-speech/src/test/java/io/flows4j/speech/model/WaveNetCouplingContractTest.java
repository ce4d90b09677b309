package io.flows4j.speech.model;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.BijectorContractTest;
import io.flows4j.tensor.Shape;

/**
 * {@link WaveNetCoupling} on {@code [batch, 4, 5]} with a two-layer WaveNet of kernel 3 and
 * dilation rate 2, in evaluation mode (no dropout), its zero end layer perturbed.
 */
class WaveNetCouplingContractTest extends BijectorContractTest {
  @Override
  protected Bijector create(long seed) {
    WaveNetCoupling c = new WaveNetCoupling(4, 6, 3, 2, 2, 0.1, seed);
    perturb(c, seed, 0.2);
    c.eval();
    return c;
  }

  @Override
  protected Shape eventShape() {
    return Shape.of(4, 5);
  }

  @Override
  protected Structure structure() {
    return Structure.COUPLING;
  }

  @Override
  protected int[] identityFeatures() {
    int[] f = new int[10];
    for (int i = 0; i < 10; i++) {
      f[i] = i; // channels 0 and 1 (the first half), every position
    }
    return f;
  }
}
