/**
 * Flows of the form {@code y = x + (low-rank update)} whose Jacobian is the identity (or a multiple
 * of it) plus a term of rank {@code M << D}, so that its determinant costs {@code O(D M)} by the
 * matrix determinant lemma or Sylvester's determinant identity: {@link
 * io.flows4j.bijectors.lowrank.Planar} (rank one) and {@link io.flows4j.bijectors.lowrank.Radial}
 * (scaled identity plus rank one) of Rezende and Mohamed (2015), and {@link
 * io.flows4j.bijectors.lowrank.Sylvester} (rank {@code M}) of van den Berg et al. (2018).
 *
 * <p><b>Orientation.</b> Their formulas are written latent to data in the variational-inference
 * literature. Each layer takes an {@link io.flows4j.bijectors.lowrank.Orientation}: {@code
 * SAMPLING} puts the closed form on {@code Bijector.inverse} (latent to data: cheap reparameterised
 * samples and their densities, for variational inference), {@code DENSITY} on {@code
 * Bijector.forward} (data to latent: cheap exact densities of data, for maximum likelihood). The
 * other direction is computed numerically: one monotone scalar root per row (planar), a quadratic
 * in closed form (radial) or {@code M} monotone scalar roots per row (Sylvester), to a stated
 * tolerance in double precision. Both directions return exact log-determinants and are
 * differentiable: the numerical direction by implicit differentiation, with the inverse Jacobian
 * applied through the Sherman-Morrison / Woodbury identities.
 *
 * <p>The package is called {@code lowrank} for that shared structure (identity plus low rank),
 * which is what makes both the determinant and the implicit gradient of the numerical direction
 * cheap.
 */
package io.flows4j.bijectors.lowrank;
