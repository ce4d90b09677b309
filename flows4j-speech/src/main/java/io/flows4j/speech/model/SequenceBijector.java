package io.flows4j.speech.model;

import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Transformed;
import io.flows4j.tensor.Tensor;

/**
 * A bijector on padded batches of sequences {@code [batch, channels, length]} with a 0/1 frame mask
 * {@code [batch, 1, length]}: positions where the mask is 0 are padding. Outputs are zero at
 * padding, and log-determinants count only each row's valid positions, so padding never changes an
 * item's value or log-determinant. Without a mask every position is valid.
 */
interface SequenceBijector extends Bijector {
  /**
   * The normalizing direction on a masked batch.
   *
   * @param x of shape {@code [batch, channels, length]}, zero at padding
   * @param mask of shape {@code [batch, 1, length]}, or {@code null} (all valid)
   */
  Transformed forward(Var x, Tensor mask);

  /**
   * The generative direction on a masked batch.
   *
   * @param z of shape {@code [batch, channels, length]}
   * @param mask of shape {@code [batch, 1, length]}, or {@code null} (all valid)
   */
  Transformed inverse(Var z, Tensor mask);

  @Override
  default Transformed forward(Var x) {
    return forward(x, null);
  }

  @Override
  default Transformed inverse(Var z) {
    return inverse(z, null);
  }
}
