package io.flows4j.bijectors;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;
import java.util.Arrays;

/**
 * Support for fused bijector ops, which compute a layer's output and its log-determinant in one
 * pass and propagate both gradients in one backward pass: the two-output node and the checks of
 * feature index lists shared by coupling, autoregressive and elementwise layers.
 */
public final class FusedOp {
  private FusedOp() {}

  /**
   * The backward rule of a fused op: adds the inputs' gradients given the gradients of both
   * outputs.
   */
  @FunctionalInterface
  public interface Rule {
    /**
     * Propagates the outputs' gradients to the op's inputs.
     *
     * @param gradValue {@code dLoss/dvalue}, or {@code null} when the value received no gradient
     * @param gradLogAbsDet {@code dLoss/dlogAbsDet}, or {@code null} when it received none
     */
    void run(Tensor gradValue, Tensor gradLogAbsDet);
  }

  /**
   * Makes the two output nodes of a fused op and records {@code rule} once for both.
   *
   * <p>The log-determinant node is recorded first and the value node second. Every consumer of
   * either output is recorded later, so when the tape runs backwards both gradients are complete
   * when the first of the two nodes is reached: the value node's rule (reached first) handles both
   * gradients, and the log-determinant's rule runs the op's rule only if the value node had no
   * gradient (when the loss uses the log-determinant alone).
   *
   * @param value the transformed values, of shape {@code [batch, ...]}
   * @param logAbsDet the log-determinants, of shape {@code [batch]}
   * @param rule the op's backward rule
   * @param inputs the op's inputs
   * @return both outputs as nodes of the current tape
   */
  public static Transformed transformed(Tensor value, Tensor logAbsDet, Rule rule, Var... inputs) {
    boolean[] done = {false};
    Var[] ld = new Var[1];
    ld[0] =
        Tape.result(
            logAbsDet,
            out -> {
              if (done[0]) {
                done[0] = false;
                return;
              }
              rule.run(null, out.grad());
            },
            inputs);
    Var v =
        Tape.result(
            value,
            out -> {
              rule.run(out.grad(), ld[0].gradOrNull());
              done[0] = true;
            },
            inputs);
    return new Transformed(v, ld[0]);
  }

  /**
   * Checks the transformed-feature list of a fused op and returns the complementary, untransformed
   * features in increasing order.
   *
   * @param op the op's name, for messages
   * @param features distinct indices in {@code [0, d)}
   * @param groups one parameter group per transformed feature, each in {@code [0, g)}
   * @param d number of features
   * @param g number of parameter groups
   * @return the features not in {@code features}
   * @throws IllegalArgumentException if an index is out of range, repeated, or the lists differ in
   *     length
   */
  public static int[] untransformed(String op, int[] features, int[] groups, int d, int g) {
    Checks.requireArgument(
        features.length == groups.length,
        "%s: features and groups must have the same length, but were %d and %d",
        op,
        features.length,
        groups.length);
    boolean[] seen = new boolean[d];
    for (int t = 0; t < features.length; t++) {
      int f = features[t];
      Checks.requireArgument(
          f >= 0 && f < d && !seen[f],
          "%s: features must be distinct indices in [0, %d), but were %s",
          op,
          d,
          Arrays.toString(features));
      seen[f] = true;
      Checks.requireArgument(
          groups[t] >= 0 && groups[t] < g,
          "%s: groups must be in [0, %d), but were %s",
          op,
          g,
          Arrays.toString(groups));
    }
    int[] rest = new int[d - features.length];
    int n = 0;
    for (int f = 0; f < d; f++) {
      if (!seen[f]) {
        rest[n++] = f;
      }
    }
    return rest;
  }
}
