/**
 * Linear bijectors on feature vectors: {@link io.flows4j.bijectors.linear.Permutation} (fixed,
 * parameter-free, log-determinant 0) and {@link io.flows4j.bijectors.linear.LULinear} (a trainable
 * invertible matrix in Glow's LU parameterisation, with an {@code O(D)} log-determinant and an
 * inverse by triangular solves). They mix features between coupling and autoregressive layers.
 */
package io.flows4j.bijectors.linear;
