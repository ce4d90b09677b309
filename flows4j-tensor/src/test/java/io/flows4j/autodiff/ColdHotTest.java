package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The vector kernels give the same bits before and after the JIT compiles them. This runs in a
 * fresh JVM ({@link ColdHotProbe}), since in the test JVM other tests have warmed the kernels
 * already. With the Vector API's {@code lanewise(EXP / TANH / ...)} the outputs changed once C2
 * replaced the Java fallback by its intrinsic, which made seeded training irreproducible.
 */
class ColdHotTest {
  /** How long the child JVM may take (cold start and 50,000 calls of 34 kernels, busy machine). */
  static final long CHILD_TIMEOUT_SECONDS = 120;

  @Test
  @DisplayName(
      "every vector kernel with a transcendental gives the same bits cold and hot (seed 93)")
  void coldAndHotAgree() throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                List.of(
                    java,
                    "--add-modules=jdk.incubator.vector",
                    "-cp",
                    System.getProperty("java.class.path"),
                    ColdHotProbe.class.getName()))
            .redirectErrorStream(true)
            .start();
    boolean finished = p.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!finished) {
      p.destroyForcibly();
    }
    assertThat(finished).as("child JVM finished").isTrue();
    // The incubator module prints a warning line first; the verdict is the last line.
    String[] lines = out.strip().split("\\R");
    assertThat(lines[lines.length - 1]).as(out).isEqualTo("ok");
  }
}
