package io.flows4j.optim;

import io.flows4j.autodiff.Parameter;
import java.util.List;
import java.util.Map;

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov and Hutter, "Decoupled Weight Decay
 * Regularization", ICLR 2019), as PyTorch's {@code torch.optim.AdamW}. At step {@code t} (from 1):
 *
 * <pre>
 * p  = p * (1 - lr * wd)
 * m  = beta1 * m + (1 - beta1) * g
 * v  = beta2 * v + (1 - beta2) * g * g
 * p  = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * Unlike {@link Adam}'s L2 term, the decay does not pass through the moment estimates, so every
 * weight shrinks by the same factor whatever its gradient history. PyTorch's default decay for
 * AdamW is {@code 1e-2}; {@link AdamConfig#of} gives none, so set it with {@link
 * AdamConfig#withWeightDecay}.
 */
public final class AdamW extends AbstractAdam {
  /**
   * Creates an optimizer with zero moments over named parameters; the names key the {@link
   * #state()} (use full dotted paths, such as a module's named parameters).
   *
   * @throws IllegalArgumentException if there are no parameters or one appears twice
   */
  public AdamW(Map<String, Parameter> parameters, AdamConfig config) {
    super("AdamW", parameters, config, true);
  }

  /**
   * Creates an optimizer with zero moments over a list of parameters, keyed in the state by {@code
   * "<index>.<name>"}.
   *
   * @throws IllegalArgumentException if the list is empty or holds a parameter twice
   */
  public AdamW(List<Parameter> parameters, AdamConfig config) {
    this(byIndex("AdamW", parameters), config);
  }
}
