package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.data.CsvWriter;
import io.flows4j.tensor.Threads;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchWorkloadCommandTest {
  @TempDir Path dir;

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
  void w1QuickRunsTheProtocolOnTheDataFolder() throws IOException {
    Path data = dir.resolve("data");
    Files.createDirectories(data.resolve("2d"));
    CsvWriter.write(data.resolve("2d/moons-train.csv.gz"), ToyData.MOONS.generate(500, 1));
    CsvWriter.write(data.resolve("2d/moons-test.csv.gz"), ToyData.MOONS.generate(200, 2));
    assertThat(
            run(
                "bench",
                "W1",
                "--quick",
                "--steps",
                "3",
                "--model",
                "realnvp",
                "--threads",
                "1",
                "--data-dir",
                data.toString()))
        .as(err.toString())
        .isZero();
    String[] lines = out.toString().lines().toArray(String[]::new);
    assertThat(lines).hasSize(1);
    Map<String, Object> json = FlatJson.parse(lines[0]);
    assertThat(json)
        .containsKeys(
            "workload",
            "model",
            "dataset",
            "dim",
            "steps",
            "batch",
            "lr",
            "params",
            "threads",
            "seed",
            "train_sec",
            "sec_per_step_median",
            "test_nll_nats",
            "nonfinite_steps",
            "peak_rss_mb",
            "flop_per_step",
            "efficiency")
        .containsEntry("workload", "W1")
        .containsEntry("model", "realnvp")
        .containsEntry("dataset", "moons")
        .containsEntry("dim", 2.0)
        .containsEntry("steps", 3.0)
        .containsEntry("batch", 256.0)
        .containsEntry("lr", 0.001)
        .containsEntry("params", 35344.0)
        .containsEntry("seed", 0.0)
        .containsEntry("threads", 1.0)
        .containsEntry("nonfinite_steps", 0.0);
    assertThat((Double) json.get("test_nll_nats")).isFinite();
    assertThat(err.toString()).contains("bench W1 realnvp moons seed=0 t=1");
  }

  @Test
  void benchWithoutASubcommandRunsEveryWorkloadQuick() throws IOException {
    Path data = dir.resolve("data");
    Files.createDirectories(data.resolve("2d"));
    Files.createDirectories(data.resolve("fmnist-pca32"));
    CsvWriter.write(data.resolve("2d/moons-train.csv.gz"), ToyData.MOONS.generate(500, 1));
    CsvWriter.write(data.resolve("2d/moons-test.csv.gz"), ToyData.MOONS.generate(200, 2));
    float[][] rows = new float[600][32];
    io.flows4j.tensor.Rng rng = new io.flows4j.tensor.Rng(3);
    for (float[] r : rows) {
      for (int j = 0; j < r.length; j++) {
        r[j] = (float) rng.nextGaussian();
      }
    }
    io.flows4j.data.Dataset pca = io.flows4j.data.Dataset.of(rows);
    CsvWriter.write(data.resolve("fmnist-pca32/train.csv.gz"), pca.slice(0, 500));
    CsvWriter.write(data.resolve("fmnist-pca32/test.csv.gz"), pca.slice(500, 600));
    Files.createDirectories(data.resolve("fashion-mnist"));
    images(data.resolve("fashion-mnist/train-images-idx3-ubyte.gz"), 300, rng);
    images(data.resolve("fashion-mnist/t10k-images-idx3-ubyte.gz"), 100, rng);
    assertThat(run("bench", "--quick", "--threads", "1", "--data-dir", data.toString()))
        .as(err.toString())
        .isZero();
    java.util.List<Map<String, Object>> lines =
        out.toString().lines().map(FlatJson::parse).toList();
    // W1: four models on the first set; W2: its quick runs; W3: three models; W4: Glow.
    assertThat(lines.stream().map(j -> j.get("workload")).distinct())
        .containsExactly("W1", "W2", "W3", "W4");
    assertThat(lines.stream().filter(j -> j.get("workload").equals("W1"))).hasSize(4);
    assertThat(lines.stream().filter(j -> j.get("workload").equals("W3"))).hasSize(3);
  }

  /** An IDX3 image file (magic 0x803, count, 28, 28, bytes), gzipped, of random pixels. */
  private static void images(Path file, int n, io.flows4j.tensor.Rng rng) throws IOException {
    try (java.io.DataOutputStream out =
        new java.io.DataOutputStream(
            new java.util.zip.GZIPOutputStream(Files.newOutputStream(file)))) {
      out.writeInt(0x803);
      out.writeInt(n);
      out.writeInt(28);
      out.writeInt(28);
      for (int i = 0; i < n * 28 * 28; i++) {
        out.writeByte(rng.nextInt(256));
      }
    }
  }

  @Test
  void missingFilesAreNamedBeforeAnyRun() throws IOException {
    Path data = Files.createDirectories(dir.resolve("empty-data"));
    assertThat(run("bench", "W1", "--quick", "--data-dir", data.toString())).isEqualTo(1);
    assertThat(err.toString())
        .isEqualTo(
            "error: "
                + data.resolve("2d/moons-train.csv.gz")
                + ": no such file (the benchmark data sets live in shared/data beside the"
                + " repository; give their folder with --data-dir)"
                + System.lineSeparator());
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void badOptionsAreOneLineUsageErrors() {
    assertThat(run("bench", "W3", "--dataset", "moons", "--data-dir", dir.toString())).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "error: --dataset for W3 must be one of fmnist-pca32, but was 'moons'"
                + System.lineSeparator());
    err.getBuffer().setLength(0);
    assertThat(run("bench", "W1", "--data-dir", dir.resolve("nope").toString())).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "error: --data-dir "
                + dir.resolve("nope")
                + ": no such folder"
                + System.lineSeparator());
    err.getBuffer().setLength(0);
    assertThat(run("bench", "W1", "--steps", "0", "--data-dir", dir.toString())).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo("error: --steps must be >= 1, but was 0" + System.lineSeparator());
    err.getBuffer().setLength(0);
    assertThat(run("bench", "W1", "--model", "glow")).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: Invalid value for option '--model'");
  }

  @Test
  void w2RunsTheProtocolAndPrintsTheKlFields() {
    assertThat(run("bench", "W2", "--model", "realnvp", "--dataset", "u2", "--steps", "3"))
        .as(err.toString())
        .isZero();
    String[] lines = out.toString().lines().toArray(String[]::new);
    assertThat(lines).hasSize(1);
    Map<String, Object> json = FlatJson.parse(lines[0]);
    assertThat(json)
        .containsKeys(
            "train_sec",
            "sec_per_step_median",
            "kl_nats",
            "kl_stderr",
            "frac_outside_box",
            "peak_rss_mb",
            "params")
        .containsEntry("workload", "W2")
        .containsEntry("model", "realnvp")
        .containsEntry("dataset", "U2")
        .containsEntry("steps", 3.0)
        .containsEntry("batch", 256.0)
        .containsEntry("weight_decay", 0.001)
        .containsEntry("threads", 1.0)
        .containsEntry("eval_samples", 100000.0)
        .containsEntry("nonfinite_steps", 0.0);
    assertThat((Double) json.get("kl_nats")).isFinite();
    assertThat(err.toString()).contains("bench W2 realnvp U2 t=1");
  }

  @Test
  void w2RefusesModelsItCannotBuildBeforeAnyRun() {
    assertThat(run("bench", "W2", "--model", "glow", "--quick")).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("error: --model for W2 must be one of planar, radial, sylvester, residual,");
    assertThat(out.toString()).isEmpty();
    err.getBuffer().setLength(0);
    assertThat(run("bench", "W2", "--dataset", "U5")).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "error: --dataset for W2 must be one of U1, U2, U3, U4, but was 'U5'"
                + System.lineSeparator());
  }
}
