package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.tensor.Threads;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MainTest {
  private StringWriter out;
  private StringWriter err;
  private int savedThreads;

  @BeforeEach
  void setUp() {
    out = new StringWriter();
    err = new StringWriter();
    savedThreads = Threads.count();
  }

  @AfterEach
  void restoreThreads() {
    Threads.setCount(savedThreads);
  }

  private int run(String... args) {
    return Main.run(args, new PrintWriter(out), new PrintWriter(err));
  }

  @Test
  void version() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("flows4j ").contains("java ").contains("kernels: gemm=");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void help() {
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("Usage: flows4j").contains("--threads").contains("bench");
    assertThat(err.toString()).isEmpty();
  }

  @Test
  void benchHelpListsTheBenchmarksAndOptions() {
    assertThat(run("bench", "--help")).isZero();
    assertThat(out.toString()).contains("gemm").contains("mlp");
    out.getBuffer().setLength(0);
    assertThat(run("bench", "mlp", "--help")).isZero();
    assertThat(out.toString()).contains("--sizes").contains("--quick").contains("--threads");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--threads 0 | --threads must be >= 1, but was 0",
        "bench gemm --threads 0 | --threads must be >= 1, but was 0",
        "bench gemm --threads 1,-2 | --threads must be >= 1, but was -2",
        "bench mlp --threads two | --threads must be a whole number >= 1, but was 'two'",
        "bench gemm --n 64,0 | --n must be >= 1, but was 0",
        "--threads 1,2 | --threads takes one value for 'flows4j', but was 1,2",
        "bench | bench needs a benchmark: W1, W2, W3, W4, gemm, mlp or novelty (see 'flows4j bench --help')",
        "bench mlp --sizes S,XL | Invalid value for option '--sizes' (SIZE[,SIZE...]): expected"
            + " one of [S, M, L] (case-insensitive) but was 'XL'",
        "--no-such-option | Unknown option: '--no-such-option'",
        "frobnicate | Unmatched argument at index 0: 'frobnicate'",
      })
  void usageErrorsAreOneLineWithStatus2(String args, String message) {
    assertThat(run(args.trim().split(" +", -1))).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("error: " + message + System.lineSeparator());
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void verboseAddsTheStackTrace() {
    assertThat(run("bench", "gemm", "--threads", "0", "--verbose")).isEqualTo(2);
    String[] lines = err.toString().lines().toArray(String[]::new);
    assertThat(lines.length).isGreaterThan(2);
    assertThat(lines[lines.length - 1]).isEqualTo("error: --threads must be >= 1, but was 0");
    assertThat(err.toString()).contains("\tat ");
  }

  @Test
  void benchGemmQuickPrintsOneJsonLine() {
    assertThat(run("bench", "gemm", "--quick", "--n", "64", "--threads", "1")).isZero();
    String[] lines = out.toString().lines().toArray(String[]::new);
    assertThat(lines).hasSize(1);
    Map<String, Object> json = FlatJson.parse(lines[0]);
    assertThat(json)
        .containsKeys("bench", "n", "threads", "kernel", "ms", "gflops", "efficiency")
        .containsEntry("bench", "gemm")
        .containsEntry("n", 64.0)
        .containsEntry("threads", 1.0);
    assertThat((Double) json.get("gflops")).isPositive();
    assertThat((Double) json.get("efficiency")).isPositive();
    assertThat(err.toString()).contains("bench gemm: n=64 threads=1");
    assertThat(Threads.count()).as("thread count restored").isEqualTo(1);
  }

  @Test
  void benchMlpQuickPrintsOneJsonLinePerCase() {
    assertThat(run("bench", "mlp", "--quick", "--sizes", "s", "--threads", "1,2")).isZero();
    String[] lines = out.toString().lines().toArray(String[]::new);
    assertThat(lines).hasSize(2);
    for (int i = 0; i < 2; i++) {
      Map<String, Object> json = FlatJson.parse(lines[i]);
      assertThat(json)
          .containsKeys("bench", "size", "threads", "ms_per_step", "gflop", "efficiency")
          .containsEntry("bench", "mlp")
          .containsEntry("size", "S")
          .containsEntry("threads", i + 1.0);
      // 6 * 256 * 8 * (8*64 + 64*64 + 64*16) = 69,206,016 FLOP
      assertThat((Double) json.get("gflop")).isEqualTo(0.069206);
      assertThat((Double) json.get("ms_per_step")).isPositive();
    }
    assertThat(Threads.count()).isEqualTo(savedThreads);
  }
}
