package io.flows4j.autodiff;

import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * A node of a computation: a value and, when it needs one, a gradient of the same shape. Ops take
 * and return {@code Var}s; on a recording {@link Tape} they also record their backward rule.
 *
 * <p>Values made on a recording tape live in the tape's arena and are valid only until the tape is
 * closed: read or {@link Tensor#copy() copy} what you need before then. Outside a tape (or in
 * {@link Tape#noGrad()}) ops allocate ordinary tensors and record nothing.
 */
public final class Var {
  private final Tensor value;
  private final boolean requiresGrad;
  private final Parameter parameter;
  private Tensor grad;
  private final Tape tape;

  Var(Tensor value, boolean requiresGrad, Parameter parameter, Tape tape) {
    this.value = value;
    this.requiresGrad = requiresGrad;
    this.parameter = parameter;
    this.tape = tape;
    if (parameter != null) {
      this.grad = parameter.grad();
    }
  }

  /** A constant (no gradient) wrapping {@code value}, usable on any tape or none. */
  public static Var constant(Tensor value) {
    return new Var(value, false, null, null);
  }

  /** The value. */
  public Tensor value() {
    return value;
  }

  /** The shape of the value. */
  public Shape shape() {
    return value.shape();
  }

  /** Whether a gradient flows to this node (it depends on a parameter or a tracked input). */
  public boolean requiresGrad() {
    return requiresGrad;
  }

  /** The parameter this node reads, or {@code null} for computed values and constants. */
  public Parameter parameter() {
    return parameter;
  }

  /** The gradient so far, or {@code null} when none has arrived. */
  public Tensor gradOrNull() {
    return grad;
  }

  /**
   * The gradient buffer, allocated (zeroed) from the tape's arena on first use. Backward rules add
   * into it. For a parameter node this is the parameter's own gradient, so gradients accumulate
   * across passes.
   *
   * @throws IllegalStateException if this node does not require a gradient
   */
  public Tensor grad() {
    if (grad == null) {
      if (!requiresGrad || tape == null) {
        throw new IllegalStateException("Var.grad: this value does not require a gradient");
      }
      grad = tape.allocZeroed(value.shape());
    }
    return grad;
  }

  /**
   * The gradient buffer for an op that will write every element: the existing buffer when a
   * gradient has arrived (the caller must then add), otherwise a fresh arena buffer with
   * unspecified contents (the caller must overwrite). Saves a zero fill and a read per element in
   * GEMM-based rules, which pass {@code beta = 0} for a fresh buffer.
   */
  Tensor gradForOverwrite() {
    if (grad == null) {
      if (!requiresGrad || tape == null) {
        throw new IllegalStateException("Var.grad: this value does not require a gradient");
      }
      grad = tape.alloc(value.shape());
    }
    return grad;
  }

  /** The single element of a one-element value (a loss, say). */
  public float item() {
    if (value.size() != 1) {
      throw new IllegalStateException(
          "Var.item: value must have one element, but has shape " + value.shape());
    }
    return value.getFlat(0);
  }

  Tape tape() {
    return tape;
  }

  @Override
  public String toString() {
    return "Var" + value.shape() + (requiresGrad ? " (grad)" : "");
  }
}
