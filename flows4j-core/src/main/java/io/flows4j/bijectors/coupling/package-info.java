/**
 * Coupling layers: the features are split by a {@link io.flows4j.bijectors.coupling.CouplingMask}
 * into a conditioning part {@code x_a}, passed through unchanged, and a transformed part {@code
 * x_b}, mapped by an elementwise bijection whose parameters a conditioner network computes from
 * {@code x_a}. Both directions cost one network pass and the Jacobian is triangular, so the
 * log-determinant is a sum over {@code x_b}. Layers: {@link
 * io.flows4j.bijectors.coupling.AdditiveCoupling} (NICE), {@link
 * io.flows4j.bijectors.coupling.AffineCoupling} (RealNVP) and {@link
 * io.flows4j.bijectors.coupling.SplineCoupling} (neural spline flows). Each runs its conditioner
 * (fused dense layers) and then one fused op that gathers {@code x_b}, transforms it, copies {@code
 * x_a} and sums the log-determinant, with a hand-written backward rule.
 */
package io.flows4j.bijectors.coupling;
