package io.flows4j.tensor.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The elementwise contract on the Vector-API kernels. The build adds {@code jdk.incubator.vector}
 * to the test JVM, so their absence is a failure here, not a skip.
 */
class VectorElementwiseTest extends ElementwiseContractTest {
  @Override
  Elementwise kernels() {
    Elementwise v = ElementwiseKernels.vectorOrNull();
    assertThat(v).as("the Vector API kernels are available in the test JVM").isNotNull();
    return v;
  }

  @Test
  void chosenByDefault() {
    assertThat(ElementwiseKernels.get().name()).startsWith("vector-");
  }
}
