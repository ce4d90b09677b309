package io.flows4j.optim;

import io.flows4j.autodiff.Parameter;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import java.util.List;
import java.util.Map;

/**
 * Stochastic gradient descent with optional momentum, as PyTorch's {@code torch.optim.SGD} with no
 * dampening. For each element with gradient {@code g} and value {@code p}:
 *
 * <pre>
 * g   = g + wd * p                         (only when wd &gt; 0)
 * buf = mu * buf + g                       (only when mu &gt; 0; buf starts at 0, so buf = g at t = 1)
 * d   = g + mu * buf   if nesterov,   buf   otherwise  (g itself when mu = 0)
 * p   = p - lr * d
 * </pre>
 *
 * Nesterov's variant is the reformulation of Sutskever et al., "On the importance of initialization
 * and momentum in deep learning", ICML 2013. With momentum the state holds {@code
 * "<key>.momentum_buffer"} for every parameter (see {@link Optimizer}).
 */
public final class Sgd extends Optimizer {
  private final SgdConfig config;
  private final Tensor[] momentumBuffer;

  /**
   * Creates an optimizer with zero momentum buffers over named parameters; the names key the {@link
   * #state()} (use full dotted paths, such as a module's named parameters).
   *
   * @throws IllegalArgumentException if there are no parameters or one appears twice
   */
  public Sgd(Map<String, Parameter> parameters, SgdConfig config) {
    super("Sgd", parameters, requireConfig(config).learningRate());
    this.config = config;
    this.momentumBuffer = config.momentum() > 0 ? newBuffer("momentum_buffer") : null;
  }

  /**
   * Creates an optimizer with zero momentum buffers over a list of parameters, keyed in the state
   * by {@code "<index>.<name>"}.
   *
   * @throws IllegalArgumentException if the list is empty or holds a parameter twice
   */
  public Sgd(List<Parameter> parameters, SgdConfig config) {
    this(byIndex("Sgd", parameters), config);
  }

  /** Plain gradient descent with the given learning rate. */
  public Sgd(List<Parameter> parameters, double learningRate) {
    this(parameters, SgdConfig.of(learningRate));
  }

  /** The hyperparameters given at construction (the learning rate may since have changed). */
  public SgdConfig config() {
    return config;
  }

  @Override
  void update(double lr, long t) {
    float rate = (float) lr;
    float l2 = (float) config.weightDecay();
    float mu = (float) config.momentum();
    boolean nesterov = config.nesterov();
    List<Parameter> params = parameters();
    for (int k = 0; k < params.size(); k++) {
      Tensor p = params.get(k).value();
      Tensor g = params.get(k).grad();
      float[] pa = p.data();
      int po = p.offset();
      float[] ga = g.data();
      int go = g.offset();
      float[] buf = momentumBuffer == null ? null : momentumBuffer[k].data();
      int n = p.size();
      if (n < 2 * AbstractAdam.MIN_PER_TASK) {
        pass(pa, po, ga, go, buf, 0, n, rate, l2, mu, nesterov);
      } else {
        Threads.parallelRange(
            n,
            AbstractAdam.MIN_PER_TASK,
            (from, to) -> pass(pa, po, ga, go, buf, from, to, rate, l2, mu, nesterov));
      }
    }
  }

  /**
   * One fused pass over elements {@code [from, to)}. As in Adam, the loops index every array by the
   * loop variable alone when the value and gradient start at offset 0, so that C2 vectorizes them;
   * other offsets take the scalar loop at the end.
   */
  private static void pass(
      float[] p,
      int po,
      float[] g,
      int go,
      float[] buf,
      int from,
      int to,
      float lr,
      float l2,
      float mu,
      boolean nesterov) {
    if (po == 0 && go == 0 && l2 == 0f) {
      if (buf == null) {
        for (int i = from; i < to; i++) {
          p[i] = p[i] - lr * g[i];
        }
      } else if (nesterov) {
        for (int i = from; i < to; i++) {
          float gi = g[i];
          float b = mu * buf[i] + gi;
          buf[i] = b;
          p[i] = p[i] - lr * (gi + mu * b);
        }
      } else {
        for (int i = from; i < to; i++) {
          float b = mu * buf[i] + g[i];
          buf[i] = b;
          p[i] = p[i] - lr * b;
        }
      }
      return;
    }
    for (int i = from; i < to; i++) {
      float pi = p[po + i];
      float gi = l2 != 0f ? g[go + i] + l2 * pi : g[go + i];
      float d = gi;
      if (buf != null) {
        float b = mu * buf[i] + gi;
        buf[i] = b;
        d = nesterov ? gi + mu * b : b;
      }
      p[po + i] = pi - lr * d;
    }
  }

  private static SgdConfig requireConfig(SgdConfig config) {
    if (config == null) {
      throw new IllegalArgumentException("Sgd: config must not be null");
    }
    return config;
  }
}
