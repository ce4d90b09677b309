package io.flows4j.bijectors;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Tensor;

/**
 * The two output nodes of one fused bijector op, its value and its per-row log-determinant, with a
 * single backward rule that receives both output gradients and so propagates them in one pass.
 *
 * <p>The tape makes one node per output. Both nodes are recorded one after the other, so every op
 * that consumes either of them is recorded later and has run its backward rule before either of
 * theirs: when the log-determinant's rule runs (it is recorded second, so it runs first), both
 * gradients are final, and it runs the fused rule once for both. The value node's rule then does
 * nothing; it runs the fused rule alone only when no gradient reached the log-determinant (whose
 * rule the tape then skips).
 */
final class FusedResult {
  private FusedResult() {}

  /** The backward rule of a fused op with a value and a log-determinant output. */
  @FunctionalInterface
  interface Rule {
    /**
     * Adds into the gradients of the op's inputs (those that require one).
     *
     * @param dValue {@code d loss / d value}, or {@code null} when no gradient reached the value
     * @param dLogAbsDet {@code d loss / d logAbsDet} of shape {@code [batch]}, or {@code null}
     */
    void run(Tensor dValue, Tensor dLogAbsDet);
  }

  /**
   * Makes the output nodes of a fused op.
   *
   * @param value the op's value output, of shape {@code [batch, ...]}
   * @param logAbsDet its log-determinant, of shape {@code [batch]}
   * @param rule the fused backward rule
   * @param inputs every input the outputs depend on
   */
  static Transformed of(Tensor value, Tensor logAbsDet, Rule rule, Var... inputs) {
    boolean[] handled = {false};
    Var[] valueNode = new Var[1];
    Var v =
        Tape.result(
            value,
            out -> {
              if (!handled[0]) {
                rule.run(out.gradOrNull(), null);
              }
              handled[0] = false;
            },
            inputs);
    valueNode[0] = v;
    Var ld =
        Tape.result(
            logAbsDet,
            out -> {
              rule.run(valueNode[0].gradOrNull(), out.gradOrNull());
              handled[0] = true;
            },
            inputs);
    return new Transformed(v, ld);
  }
}
