/**
 * Compute kernels over flat float arrays: GEMM, elementwise and activation kernels, and 1-D and 2-D
 * convolutions. Each kind has a scalar implementation that always works and, where it pays, a
 * Vector-API one, chosen once at start-up ({@link io.flows4j.tensor.kernels.Kernels}, {@link
 * io.flows4j.tensor.kernels.ElementwiseKernels}); the same tests run against both.
 */
package io.flows4j.tensor.kernels;
