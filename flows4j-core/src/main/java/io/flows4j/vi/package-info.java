/**
 * Variational inference: fitting a flow {@code q} to an unnormalized density {@code p~(x) =
 * exp(-U(x))} by minimising the reverse KL divergence {@code KL(q || p) = E_q[log q(x) + U(x)] +
 * log Z} with reparameterised samples of the flow. {@link io.flows4j.vi.Target} is the density,
 * {@link io.flows4j.vi.Targets} the built-in ones (the energies U1-U4 of Rezende and Mohamed 2015,
 * a banana, Neal's funnel, a Gaussian mixture), {@link io.flows4j.vi.VariationalTrainer} the
 * training loop and {@link io.flows4j.vi.VariationalDiagnostics} the figures of a fitted flow
 * (ELBO, importance-sampling estimate of {@code log Z}, effective sample size, KL).
 */
package io.flows4j.vi;
