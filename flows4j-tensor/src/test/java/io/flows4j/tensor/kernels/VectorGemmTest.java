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
    float[] x = new float[VectorGemmTiles.L];
    for (int i = 0; i < x.length; i++) {
      x[i] = 1 << i;
    }
    float sum =
        VectorGemmTiles.sumLanes(
            jdk.incubator.vector.FloatVector.fromArray(VectorGemmTiles.F, x, 0));
    assertThat(sum).isEqualTo((float) ((1 << VectorGemmTiles.L) - 1));
  }
}
