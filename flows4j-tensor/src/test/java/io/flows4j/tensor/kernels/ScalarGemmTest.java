package io.flows4j.tensor.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Runs the GEMM contract against {@link ScalarGemm}. */
class ScalarGemmTest extends GemmContractTest {
  private final Gemm gemm = new ScalarGemm();

  @Override
  Gemm gemm() {
    return gemm;
  }

  @Test
  void isNamedScalar() {
    assertThat(gemm.name()).isEqualTo("scalar");
  }
}
