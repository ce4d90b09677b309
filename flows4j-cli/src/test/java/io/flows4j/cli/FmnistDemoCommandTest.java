package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.data.CsvReader;
import io.flows4j.data.CsvWriter;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Rng;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code demo fmnist} on a small stand-in for the shared data folder (same layout, fewer rows). */
class FmnistDemoCommandTest {
  @TempDir Path dir;

  /** A data folder with fmnist-pca32 (random scores, a random basis) and IDX label files. */
  private Path dataFolder(int trainRows, int testRows) throws IOException {
    Path root = dir.resolve("data");
    Path pca = root.resolve("fmnist-pca32");
    Path idx = root.resolve("fashion-mnist");
    Files.createDirectories(pca);
    Files.createDirectories(idx);
    Rng rng = new Rng(2);
    CsvWriter.write(pca.resolve("train.csv.gz"), gaussian(trainRows, 32, rng));
    CsvWriter.write(pca.resolve("test.csv.gz"), gaussian(testRows, 32, rng));
    CsvWriter.write(pca.resolve("pca-basis.csv.gz"), gaussian(32, 784, rng));
    CsvWriter.write(pca.resolve("pixel-mean.csv.gz"), gaussian(1, 784, rng));
    CsvWriter.write(pca.resolve("score-mean.csv.gz"), gaussian(1, 32, rng));
    float[][] std = new float[1][32];
    java.util.Arrays.fill(std[0], 0.5f);
    CsvWriter.write(pca.resolve("score-std.csv.gz"), Dataset.of(std));
    labels(idx.resolve("train-labels-idx1-ubyte.gz"), trainRows);
    labels(idx.resolve("t10k-labels-idx1-ubyte.gz"), testRows);
    return root;
  }

  private static Dataset gaussian(int rows, int columns, Rng rng) {
    float[][] v = new float[rows][columns];
    for (float[] r : v) {
      for (int j = 0; j < columns; j++) {
        r[j] = (float) (0.1 * rng.nextGaussian());
      }
    }
    return Dataset.of(v);
  }

  /** An IDX1 label file (magic 0x801, count, bytes), labels 0..9 in turn. */
  private static void labels(Path file, int n) throws IOException {
    try (OutputStream f = Files.newOutputStream(file);
        DataOutputStream out = new DataOutputStream(new GZIPOutputStream(f))) {
      out.writeInt(0x801);
      out.writeInt(n);
      for (int i = 0; i < n; i++) {
        out.writeByte(i % 10);
      }
    }
  }

  @Test
  @DisplayName("fits p(x | label), writes a 10 x 10 grid of 28 x 28 samples, a model and the data")
  void writesSamplesModelAndData() throws IOException {
    Path data = dataFolder(400, 100);
    Path out = dir.resolve("out");
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    int status =
        Main.run(
            CommandsTest.args(
                "demo fmnist --steps 5 --data-dir", data, "--out", out, "--temperature 0.5"),
            new PrintWriter(stdout),
            new PrintWriter(stderr));
    assertThat(status).as(stderr.toString()).isZero();
    assertThat(stdout.toString())
        .contains("flows4j demo fmnist: conditional MAF fitted in", "test NLL: ")
        .contains("wrote " + out + ": samples.png (10 samples per class)");
    BufferedImage png = ImageIO.read(out.resolve("samples.png").toFile());
    // Ten columns of 56-pixel cells (scale 2) with 2-pixel gaps, plus labels and margins.
    assertThat(png.getWidth()).isGreaterThan(10 * 56 + 9 * 2);
    assertThat(png.getHeight()).isGreaterThan(10 * 56 + 9 * 2);
    FittedModel m = CommandIo.loadModel(out.resolve("model.flows4j"));
    assertThat(m.isConditional()).isTrue();
    assertThat(m.contextEncoding().orElseThrow().columns().get(0).labels())
        .containsExactlyInAnyOrderElementsOf(FmnistDemoCommand.CLASSES);
    Dataset train = CsvReader.create().exclude(List.of("label")).read(out.resolve("train.csv.gz"));
    assertThat(train.rows()).isEqualTo(400);
    assertThat(train.columns()).isEqualTo(32);
    assertThat(CsvReader.create().exclude(List.of("label")).read(out.resolve("test.csv.gz")).rows())
        .isEqualTo(100);
  }
}
