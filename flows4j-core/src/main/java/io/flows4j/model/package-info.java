/**
 * Fitted models and their files.
 *
 * <ul>
 *   <li>{@link io.flows4j.model.FittedModel}: a flow with the names of the columns it models, the
 *       data transform in front of it (standardization) and its training summary; log-densities,
 *       samples, encoding and decoding in the data's own units.
 *   <li>{@link io.flows4j.model.ModelFile}: model files in the safetensors layout (architecture as
 *       JSON, weights as little-endian float32 tensors), written atomically, versioned, and checked
 *       on load so that a truncated, altered or incompatible file is refused with a one-line
 *       message naming the file and the problem.
 * </ul>
 */
package io.flows4j.model;
