/**
 * Rational-quadratic spline transforms (Durkan, Bekasov, Murray & Papamakarios 2019, "Neural Spline
 * Flows"): the monotone elementwise kernel with linear tails ({@link
 * io.flows4j.bijectors.spline.RationalQuadraticSpline}, one fused op per direction with its
 * hand-written backward rule) and the autoregressive spline layer built on a MADE conditioner
 * ({@link io.flows4j.bijectors.spline.SplineAutoregressive}). The coupling form of the spline lives
 * in {@link io.flows4j.bijectors.coupling}.
 */
package io.flows4j.bijectors.spline;
