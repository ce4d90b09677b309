/**
 * Optimizers that update {@link io.flows4j.autodiff.Parameter}s in place from their accumulated
 * gradients ({@link io.flows4j.optim.Adam}, {@link io.flows4j.optim.AdamW}, {@link
 * io.flows4j.optim.Sgd}), learning-rate schedules ({@link io.flows4j.optim.LearningRateSchedule})
 * and gradient-norm clipping ({@link io.flows4j.optim.GradientClipping}).
 *
 * <p>The update formulas follow PyTorch's {@code torch.optim} exactly (same order of operations,
 * float32 arithmetic on the tensors, bias-correction scalars in double), so hyperparameters and
 * training curves carry over. Each optimizer updates a parameter in one fused pass over its
 * elements; the state (moments and step count) can be saved as named tensors and restored to resume
 * training.
 *
 * <pre>{@code
 * Optimizer opt = new Adam(model.namedParameters(), AdamConfig.of(1e-3)); // names key the state
 * opt.setSchedule(new WarmupSchedule(500, new CosineSchedule(1e-3, 1e-5, 10_000)));
 * for (...) {
 *   opt.zeroGrad();
 *   try (Tape tape = Tape.record()) { tape.backward(loss(...)); }
 *   GradientClipping.clipGradNorm(opt.parameters(), 1.0);
 *   opt.step();
 * }
 * }</pre>
 */
package io.flows4j.optim;
