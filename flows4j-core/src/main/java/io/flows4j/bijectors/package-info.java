/**
 * Bijectors: invertible maps with exact log-determinants, composed into flows. {@code forward} is
 * the normalizing direction (data to latent), {@code inverse} the generative direction.
 *
 * <p>Besides the composition ({@link io.flows4j.bijectors.Chain}, {@link
 * io.flows4j.bijectors.Bijector#inverted()}), this package holds the elementwise and normalization
 * layers: {@link io.flows4j.bijectors.ElementwiseAffine}, {@link io.flows4j.bijectors.ActNorm},
 * {@link io.flows4j.bijectors.BatchNormFlow}, {@link io.flows4j.bijectors.Standardization}, {@link
 * io.flows4j.bijectors.Sigmoid}, {@link io.flows4j.bijectors.Logit} and {@link
 * io.flows4j.bijectors.Tanh}. Each is one fused op per direction that returns its value and its
 * per-row log-determinant together and propagates both gradients in one backward pass. A value
 * outside the domain of a direction is refused with {@link
 * io.flows4j.bijectors.InputOutsideDomainException}.
 */
package io.flows4j.bijectors;
