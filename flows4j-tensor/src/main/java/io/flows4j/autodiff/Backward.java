package io.flows4j.autodiff;

/**
 * The backward rule of one recorded op: reads the gradient of the op's output and adds the
 * gradients of its inputs (only of those that require one).
 */
@FunctionalInterface
public interface Backward {
  /**
   * Propagates the output gradient to the inputs.
   *
   * @param out the op's output node; {@code out.grad()} holds {@code d loss / d out}
   */
  void run(Var out);
}
