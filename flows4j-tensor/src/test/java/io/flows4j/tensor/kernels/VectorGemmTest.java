package io.flows4j.tensor.kernels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Runs the GEMM contract against {@link VectorGemm}. */
class VectorGemmTest extends GemmContractTest {
  private final Gemm gemm = new VectorGemm();

  @Override
  Gemm gemm() {
    return gemm;
  }

  @Test
  void isNamedAfterItsVectorWidth() {
    assertThat(gemm.name()).isEqualTo("vector-" + VectorGemmTiles.F.vectorBitSize());
  }

  @Test
  void sumLanesAddsEveryLane() {
    float[] x = new float[VectorGemmTiles.L + 3];
    for (int i = 0; i < VectorGemmTiles.L; i++) {
      x[i + 3] = 1 << i;
    }
    assertThat(VectorGemmTiles.sumLanes(x, 3)).isEqualTo((float) ((1 << VectorGemmTiles.L) - 1));
  }
}
