package io.flows4j.nn;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.ShapeMismatchException;

/**
 * A residual block {@code y = x + g(x)} around an inner module {@code g}, registered as {@code net}
 * (He et al. 2016, Deep Residual Learning for Image Recognition).
 */
public final class ResidualBlock extends UnaryModule {
  private final UnaryModule net;

  /** Wraps {@code net}, whose output must have the shape of its input. */
  public ResidualBlock(UnaryModule net) {
    Checks.requireArgument(net != null, "ResidualBlock: net must not be null");
    this.net = registerModule("net", net);
  }

  /**
   * Computes {@code x + net(x)}.
   *
   * @throws ShapeMismatchException if {@code net(x)} does not have the shape of {@code x}
   */
  @Override
  public Var forward(Var x) {
    Var g = net.forward(x);
    Checks.requireShape(
        g.shape().equals(x.shape()),
        "ResidualBlock: net must keep the shape of its input %s, but returned %s",
        x.shape(),
        g.shape());
    return ArithmeticOps.add(x, g);
  }

  /** The inner module {@code g}. */
  public UnaryModule net() {
    return net;
  }
}
