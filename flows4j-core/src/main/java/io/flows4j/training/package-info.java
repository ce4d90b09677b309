/**
 * Maximum-likelihood training of flows.
 *
 * <ul>
 *   <li>{@link io.flows4j.training.TrainingConfig}: length, minibatches, optimizer, schedule,
 *       clipping, validation split, early stopping and seed, with defaults chosen for data not seen
 *       before and a preset for the benchmark protocol.
 *   <li>{@link io.flows4j.training.Trainer}: minimises the mean negative log-likelihood of
 *       minibatches, evaluates held-out rows, stops early and restores the best parameters, and
 *       stops with a {@link io.flows4j.training.NonFiniteTrainingException} naming the step and the
 *       parameter when a loss or gradient is not finite.
 *   <li>{@link io.flows4j.training.TrainingListener}: progress after every step (loss, validation
 *       NLL, rate, ETA), for progress bars.
 *   <li>{@link io.flows4j.training.TrainingResult}: what a run did, with its learning curve; model
 *       files store it.
 * </ul>
 */
package io.flows4j.training;
