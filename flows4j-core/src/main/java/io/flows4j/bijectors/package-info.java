/**
 * Bijectors: invertible maps with exact log-determinants, composed into flows. {@code forward} is
 * the normalizing direction (data to latent), {@code inverse} the generative direction.
 */
package io.flows4j.bijectors;
