package io.flows4j.tensor.kernels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KernelsTest {
  /** How long the child JVM of the fallback test may take (it starts cold on a busy machine). */
  static final long CHILD_TIMEOUT_SECONDS = 60;

  @Test
  void picksTheVectorProviderWhenTheModuleIsPresent() {
    // The build runs tests with --add-modules jdk.incubator.vector.
    assertThat(Kernels.vectorAvailable()).isTrue();
    assertThat(Kernels.chooseGemm(null)).isInstanceOf(VectorGemm.class);
    assertThat(Kernels.chooseGemm(" ")).isInstanceOf(VectorGemm.class);
    assertThat(Kernels.gemm().name()).startsWith("vector-");
    assertThat(Kernels.vectorGemm()).get().isInstanceOf(VectorGemm.class);
  }

  @Test
  void thePropertyForcesAProvider() {
    assertThat(Kernels.chooseGemm("scalar")).isInstanceOf(ScalarGemm.class);
    assertThat(Kernels.chooseGemm("Vector")).isInstanceOf(VectorGemm.class);
    assertThat(Kernels.scalarGemm().name()).isEqualTo("scalar");
  }

  @Test
  void refusesAnUnknownProvider() {
    assertThatThrownBy(() -> Kernels.chooseGemm("gpu"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("flows4j.kernels: must be 'scalar' or 'vector', but was 'gpu'");
  }

  @Test
  void fallsBackToScalarWithoutTheModule() throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    KernelsProbe.class.getName()))
            .redirectErrorStream(true)
            .start();
    boolean finished = p.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!finished) {
      p.destroyForcibly();
    }
    assertThat(finished).as("child JVM finished").isTrue();
    assertThat(out).isEqualTo("scalar false 19.0");
  }
}
