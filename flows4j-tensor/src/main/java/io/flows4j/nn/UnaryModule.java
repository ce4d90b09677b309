package io.flows4j.nn;

import io.flows4j.autodiff.Var;

/**
 * A module that maps one tensor to one tensor, such as a dense network; the building block that
 * {@link Sequential} and {@link ResidualBlock} compose.
 */
public abstract class UnaryModule extends Module {
  /** Creates a module with no parameters or children. */
  protected UnaryModule() {}

  /**
   * Applies this module. On a recording tape the ops are recorded and parameter gradients flow into
   * {@link io.flows4j.autodiff.Parameter#grad()}.
   *
   * @param x the input; its required shape is documented by each module
   * @return the output
   */
  public abstract Var forward(Var x);
}
