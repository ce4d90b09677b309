package io.flows4j.optim;

import io.flows4j.autodiff.Parameter;
import java.util.List;
import java.util.Map;

/**
 * Adam (Kingma and Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015) with PyTorch's
 * {@code torch.optim.Adam} update and an optional L2 penalty. At step {@code t} (from 1), for each
 * element with gradient {@code g} and value {@code p}:
 *
 * <pre>
 * g  = g + wd * p                                   (only when wd &gt; 0)
 * m  = beta1 * m + (1 - beta1) * g
 * v  = beta2 * v + (1 - beta2) * g * g
 * p  = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * The tensors are updated in float32, the bias corrections {@code 1 - beta^t} and the step size in
 * double, as PyTorch does. The first step moves every element with {@code |g| >> eps} by about
 * {@code lr} against the sign of its gradient. The state holds {@code "<key>.exp_avg"} ({@code m})
 * and {@code "<key>.exp_avg_sq"} ({@code v}) for every parameter (see {@link Optimizer}).
 */
public final class Adam extends AbstractAdam {
  /**
   * Creates an optimizer with zero moments over named parameters; the names key the {@link
   * #state()} (use full dotted paths, such as a module's named parameters).
   *
   * @throws IllegalArgumentException if there are no parameters or one appears twice
   */
  public Adam(Map<String, Parameter> parameters, AdamConfig config) {
    super("Adam", parameters, config, false);
  }

  /**
   * Creates an optimizer with zero moments over a list of parameters, keyed in the state by {@code
   * "<index>.<name>"}.
   *
   * @throws IllegalArgumentException if the list is empty or holds a parameter twice
   */
  public Adam(List<Parameter> parameters, AdamConfig config) {
    this(byIndex("Adam", parameters), config);
  }

  /** An optimizer with PyTorch's default betas and eps and the given learning rate. */
  public Adam(List<Parameter> parameters, double learningRate) {
    this(parameters, AdamConfig.of(learningRate));
  }
}
