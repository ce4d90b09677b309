/**
 * Base distributions of flows: log-densities and samples on batches. {@link
 * io.flows4j.distributions.StandardNormal} and {@link io.flows4j.distributions.UniformBox} are
 * fixed; {@link io.flows4j.distributions.DiagonalGaussian} and {@link
 * io.flows4j.distributions.GaussianMixture} are trainable modules whose parameters a {@link
 * io.flows4j.flows.Flow} trains with its bijector. Each rebuilds from its JSON description through
 * {@link io.flows4j.distributions.DistributionRegistry}.
 */
package io.flows4j.distributions;
