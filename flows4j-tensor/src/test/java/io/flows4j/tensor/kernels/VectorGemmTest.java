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

  @Test
  void transposeMovesEveryElementOfBlocksAndEdges() {
    int rows = 37;
    int cols = 45;
    int sOff = 3;
    int sStride = 50;
    int dOff = 5;
    int dStride = 41;
    float[] src = new float[sOff + rows * sStride];
    for (int i = 0; i < src.length; i++) {
      src[i] = i;
    }
    float[] dst = new float[dOff + cols * dStride];
    java.util.Arrays.fill(dst, -1f);
    VectorGemmTiles.transpose(src, sOff, sStride, dst, dOff, dStride, rows, cols);
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        assertThat(dst[dOff + c * dStride + r])
            .as("(%d, %d)", r, c)
            .isEqualTo(src[sOff + r * sStride + c]);
      }
    }
    long written = 0;
    for (float x : dst) {
      written += x >= 0 ? 1 : 0;
    }
    assertThat(written).as("elements written").isEqualTo((long) rows * cols);
  }
}
