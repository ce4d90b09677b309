package io.flows4j.tensor.kernels;

/** The elementwise contract on the scalar kernels. */
class ScalarElementwiseTest extends ElementwiseContractTest {
  @Override
  Elementwise kernels() {
    return ElementwiseKernels.scalar();
  }
}
