/**
 * Residual flows: invertible residual blocks {@code y = x + g(x)} with a Lipschitz-constrained
 * network {@code g} (Behrmann et al. 2019, "Invertible Residual Networks"; Chen et al. 2019,
 * "Residual Flows for Invertible Generative Modeling"). {@link
 * io.flows4j.bijectors.residual.InvertibleResidualBlock} is the bijector: closed form in the
 * normalizing direction, fixed-point iteration (differentiable by implicit differentiation) in the
 * generative direction, and {@code log det(I + J_g)} exactly (tangent propagation and LU, for small
 * dimension) or by the Russian-roulette power-series estimator with the Neumann-series gradient.
 * The network's pieces (spectral normalisation by power iteration with persistent singular-vector
 * buffers, LipSwish with a trainable slope) and their ops with hand-written backward rules are
 * package-private.
 */
package io.flows4j.bijectors.residual;
