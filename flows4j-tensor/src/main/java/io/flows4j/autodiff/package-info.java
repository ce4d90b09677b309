/**
 * Reverse-mode automatic differentiation with coarse, fused ops.
 *
 * <p>A {@link io.flows4j.autodiff.Tape} records the ops of one forward pass; each op computes its
 * value into an arena buffer and records a hand-written backward rule next to it. Ops are grouped
 * by concept: {@link io.flows4j.autodiff.LinearOps} (matrix products and fused dense layers, masked
 * and with context), {@link io.flows4j.autodiff.ArithmeticOps} (broadcasting arithmetic), {@link
 * io.flows4j.autodiff.MathOps} (elementwise functions), {@link io.flows4j.autodiff.Reductions} and
 * {@link io.flows4j.autodiff.Losses} (log-densities and the likelihood loss). {@link
 * io.flows4j.autodiff.Gradients} finds non-finite gradients.
 */
package io.flows4j.autodiff;
