/**
 * Autoregressive bijectors: each feature is transformed by an invertible scalar map whose
 * parameters a masked network ({@link io.flows4j.nn.MADE}) computes from the features before it in
 * an order. {@link io.flows4j.bijectors.autoregressive.MaskedAffineAutoregressive} (MAF) evaluates
 * densities in one pass and samples in one pass per feature; its inverted view (IAF) has the
 * opposite costs.
 */
package io.flows4j.bijectors.autoregressive;
