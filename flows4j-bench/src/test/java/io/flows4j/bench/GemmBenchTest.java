package io.flows4j.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GemmBenchTest {
  @Test
  void formatsOneJsonLinePerCase() {
    assertThat(GemmBench.line(256, 1, "vector-512", 93.14))
        .isEqualTo(
            "{\"bench\":\"gemm\",\"n\":256,\"threads\":1,\"provider\":\"vector-512\","
                + "\"gflops\":93.1,\"efficiency\":0.80}");
    assertThat(GemmBench.line(1024, 2, "scalar", 23.2))
        .isEqualTo(
            "{\"bench\":\"gemm\",\"n\":1024,\"threads\":2,\"provider\":\"scalar\","
                + "\"gflops\":23.2,\"efficiency\":0.10}");
  }

  @Test
  void timesEachSizeAndRestoresTheThreadCount() {
    int before = Threads.count();
    List<String> printed = new ArrayList<>();
    List<String> lines = GemmBench.run(Kernels.scalarGemm(), 1, new int[] {8}, printed::add);
    assertThat(lines).hasSize(1).isEqualTo(printed);
    assertThat(lines.get(0))
        .matches(
            "\\{\"bench\":\"gemm\",\"n\":8,\"threads\":1,\"provider\":\"scalar\","
                + "\"gflops\":[0-9]+\\.[0-9],\"efficiency\":[0-9]+\\.[0-9]{2}\\}");
    assertThat(Threads.count()).isEqualTo(before);
  }

  @Test
  void refusesBadArguments() {
    assertThatThrownBy(() -> GemmBench.run(Kernels.scalarGemm(), 1, new int[] {0}, s -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bench gemm: sizes must be >= 1, but was 0");
    assertThatThrownBy(() -> GemmBench.run(Kernels.scalarGemm(), 0, new int[] {8}, s -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be >= 1, but was 0");
    assertThatThrownBy(() -> GemmBench.main(new String[] {"--fast"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "bench gemm: unknown option '--fast'; expected --threads T, --provider vector|scalar"
                + " or --shapes");
  }
}
