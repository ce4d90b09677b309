/**
 * Dense float32 tensors and the operations on them: {@link io.flows4j.tensor.Shape} and {@link
 * io.flows4j.tensor.Tensor} (row-major, batch-first, rank 1 to 4), structural and broadcasting
 * operations in {@link io.flows4j.tensor.Tensors}, stable scalar formulas in {@link
 * io.flows4j.tensor.StableMath}, seeded randomness in {@link io.flows4j.tensor.Rng}, and the
 * compute thread pool {@link io.flows4j.tensor.Threads}.
 */
package io.flows4j.tensor;
