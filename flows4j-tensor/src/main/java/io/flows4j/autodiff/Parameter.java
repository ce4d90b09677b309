package io.flows4j.autodiff;

import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * A trainable tensor with a name and a gradient buffer of the same shape. Gradients accumulate
 * (backward passes add to {@link #grad()}) until {@link #zeroGrad()}; optimizers read the gradient
 * and update {@link #value()} in place.
 */
public final class Parameter {
  private final String name;
  private final Tensor value;
  private final Tensor grad;

  /**
   * Creates a parameter holding {@code value} (not copied) and a zero gradient.
   *
   * @param name the local name under which its module registers it, e.g. {@code weight}; the full
   *     dotted path ({@code coupling.3.net.0.weight}) depends on where the module sits in a tree,
   *     which is not known when the parameter is made, so it comes from {@code
   *     Module.namedParameters()}
   */
  public Parameter(String name, Tensor value) {
    this.name = name;
    this.value = value;
    this.grad = Tensor.zeros(value.shape());
  }

  /** The local name given at creation (see the constructor for full paths). */
  public String name() {
    return name;
  }

  /** The value, updated in place by optimizers. */
  public Tensor value() {
    return value;
  }

  /** The accumulated gradient, same shape as the value. */
  public Tensor grad() {
    return grad;
  }

  /** The shape of the value. */
  public Shape shape() {
    return value.shape();
  }

  /** Number of scalar elements. */
  public int size() {
    return value.size();
  }

  /**
   * This parameter as a node of the current computation: on a recording tape, a leaf whose gradient
   * accumulates into {@link #grad()}; otherwise (no tape, or {@link Tape#noGrad()}) a constant.
   */
  public Var var() {
    Tape t = Tape.current();
    return t == null ? Var.constant(value) : t.param(this);
  }

  /** Sets the gradient to zero. */
  public void zeroGrad() {
    grad.fill(0f);
  }

  @Override
  public String toString() {
    return "Parameter " + name + " " + value.shape();
  }
}
