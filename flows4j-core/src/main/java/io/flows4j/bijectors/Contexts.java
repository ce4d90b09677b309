package io.flows4j.bijectors;

import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;

/**
 * The context checks every conditional layer makes, in one place so that every family words its
 * errors the same way: a layer built with {@code C} context features takes a context of shape
 * {@code [batch, C]} or {@code [1, C]}, and refuses to run without one.
 */
public final class Contexts {
  private Contexts() {}

  /**
   * The context with one row per input row: {@code [1, C]} is repeated {@code rows} times, {@code
   * [rows, C]} is returned as is; {@code null} for a layer without context ({@code C = 0}).
   *
   * @param op the operation, for messages (e.g. {@code "AffineCoupling.forward"})
   * @param c the context, {@code null} for none
   * @param rows the input's batch size
   * @param contextFeatures the layer's {@code C}, 0 for an unconditional layer
   * @throws IllegalArgumentException if a context is missing for a conditional layer or given to an
   *     unconditional one
   * @throws io.flows4j.tensor.ShapeMismatchException if the context is not {@code [rows, C]} or
   *     {@code [1, C]}
   */
  public static Var rows(String op, Var c, int rows, int contextFeatures) {
    if (contextFeatures == 0) {
      Checks.requireArgument(
          c == null,
          "%s: the layer was built without a context, but one of shape %s was given",
          op,
          c == null ? null : c.shape());
      return null;
    }
    Checks.requireArgument(
        c != null, "%s: the layer needs a context of %d features", op, contextFeatures);
    Checks.requireShape(
        c.shape().rank() == 2
            && c.shape().dim(1) == contextFeatures
            && (c.shape().dim(0) == rows || c.shape().dim(0) == 1),
        "%s: context must have shape [%d, %d] or [1, %d], but was %s",
        op,
        rows,
        contextFeatures,
        contextFeatures,
        c.shape());
    return c.shape().dim(0) == rows ? c : ShapeOps.gatherRows(c, new int[rows]);
  }

  /**
   * Refuses a context-free call on a conditional layer.
   *
   * @param layer the layer's name, for the message
   * @param op {@code "forward"} or {@code "inverse"}
   * @param contextFeatures the layer's {@code C}
   * @throws IllegalStateException if {@code contextFeatures > 0}
   */
  public static void requireNone(String layer, String op, int contextFeatures) {
    if (contextFeatures > 0) {
      throw new IllegalStateException(
          layer
              + "."
              + op
              + ": the layer takes a context of "
              + contextFeatures
              + " features; call "
              + op
              + "(x, context) or given(context)");
    }
  }

  /**
   * Whether {@code b} needs a context: a {@link ConditionalBijector} with {@code C > 0} (a family
   * built without context, such as an unconditional MAF layer, does not).
   */
  public static boolean isConditional(Object b) {
    return b instanceof ConditionalBijector cb && cb.contextFeatures() > 0;
  }
}
