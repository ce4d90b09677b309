package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.data.CsvWriter;
import io.flows4j.data.Dataset;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Threads;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchNoveltyCommandTest {
  @TempDir Path dir;

  private final int savedThreads = Threads.count();

  @AfterEach
  void restoreThreads() {
    Threads.setCount(savedThreads);
  }

  /** Rows of 4 standard normal features; class 9 is shifted by 20 along feature 0. */
  private static Dataset rows(int[] labels, long seed) {
    Rng rng = new Rng(seed);
    float[][] r = new float[labels.length][4];
    for (int i = 0; i < labels.length; i++) {
      for (int j = 0; j < 4; j++) {
        r[i][j] = (float) (rng.nextGaussian() + (j == 0 && labels[i] == 9 ? 20 : 0));
      }
    }
    return Dataset.of(List.of("x0", "x1", "x2", "x3"), r);
  }

  private static void writeLabels(Path file, int[] labels) throws IOException {
    try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(file));
        DataOutputStream d = new DataOutputStream(o)) {
      d.write(new byte[] {0, 0, 8, 1});
      d.writeInt(labels.length);
      for (int l : labels) {
        d.writeByte(l);
      }
    }
  }

  @Test
  void quickRunPrintsOneJsonLineWithBothAurocs() throws IOException {
    int[] train = new int[300];
    int[] test = new int[100];
    for (int i = 0; i < train.length; i++) {
      train[i] = i % 10;
    }
    for (int i = 0; i < test.length; i++) {
      test[i] = (i * 7) % 10;
    }
    Path data = dir.resolve("data");
    Files.createDirectories(data.resolve("fmnist-pca32"));
    Files.createDirectories(data.resolve("fashion-mnist"));
    CsvWriter.write(data.resolve("fmnist-pca32/train.csv.gz"), rows(train, 1));
    CsvWriter.write(data.resolve("fmnist-pca32/test.csv.gz"), rows(test, 2));
    writeLabels(data.resolve("fashion-mnist/train-labels-idx1-ubyte.gz"), train);
    writeLabels(data.resolve("fashion-mnist/t10k-labels-idx1-ubyte.gz"), test);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            new String[] {
              "--threads",
              "1",
              "bench",
              "novelty",
              "--classes",
              "9,3",
              "--quick",
              "--steps",
              "3",
              "--hidden",
              "8,8",
              "--data-dir",
              data.toString()
            },
            new PrintWriter(out),
            new PrintWriter(err));
    assertThat(status).as(err.toString()).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines).hasSize(1); // --quick: the first class only
    Map<String, Object> line = FlatJson.parse(lines.get(0));
    assertThat(line)
        .containsEntry("workload", "novelty")
        .containsEntry("held_out_class", 9.0)
        .containsEntry("flow", "maf")
        .containsEntry("train_rows", 270.0)
        .containsEntry("test_positives", 10.0)
        .containsEntry("steps", 3.0);
    assertThat((Double) line.get("auroc_flow")).isBetween(0.0, 1.0);
    // Class 9 lies 20 standard deviations out: the Gaussian fitted to classes 0-8 ranks all of it
    // above every other row.
    assertThat((Double) line.get("auroc_gaussian")).isEqualTo(1.0);
  }
}
