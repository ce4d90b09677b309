package io.flows4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CsvWriterTest {
  @TempDir Path dir;

  /** Random float32 values of every magnitude, including subnormals and the extremes. */
  private static Dataset randomFloats(long seed, int rows, int cols) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      float f;
      do {
        f = Float.intBitsToFloat(r.nextInt());
      } while (!Float.isFinite(f));
      v[i] = f;
    }
    v[0] = Float.MAX_VALUE;
    v[1] = -Float.MIN_VALUE;
    v[2] = -0f;
    return Dataset.of(Dataset.defaultColumnNames(cols), v);
  }

  private List<Path> filesInDir() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"out.csv", "out.csv.gz"})
  @DisplayName("write then read gives the same float32 bits (seed 31)")
  void roundTripIsExact(String name) {
    Dataset d = randomFloats(31, 2000, 5);
    Path file = dir.resolve(name);
    CsvWriter.write(file, d);
    Dataset back = CsvReader.create().read(file);
    assertThat(back.columnNames()).isEqualTo(d.columnNames());
    float[] a = d.toTensor().toArray();
    float[] b = back.toTensor().toArray();
    assertThat(b).hasSameSizeAs(a);
    for (int i = 0; i < a.length; i++) {
      assertThat(Float.floatToRawIntBits(b[i]))
          .as("value %d: %s", i, a[i])
          .isEqualTo(Float.floatToRawIntBits(a[i]));
    }
  }

  @Test
  void gzipIsWrittenWhenTheNameEndsInGz() throws IOException {
    Path file = dir.resolve("out.csv.gz");
    CsvWriter.write(file, Dataset.of(new float[][] {{1.5f, 2f}}));
    byte[] raw = Files.readAllBytes(file);
    assertThat(raw[0] & 0xFF).isEqualTo(0x1F);
    assertThat(raw[1] & 0xFF).isEqualTo(0x8B);
    try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .isEqualTo("x0,x1\n1.5,2.0\n");
    }
  }

  @Test
  void extraColumnsOfEveryType() throws IOException {
    Path file = dir.resolve("scored.csv");
    Dataset d = Dataset.of(List.of("x0", "x1"), new float[] {0.1f, -2f, 3e-5f, 4e10f});
    CsvWriter.write(
        file,
        d,
        CsvWriter.column("log_prob", new double[] {-1.25, Double.NEGATIVE_INFINITY}),
        CsvWriter.column("anomaly", new boolean[] {false, true}),
        CsvWriter.column("label", new int[] {7, 3}),
        CsvWriter.column("score", new float[] {0.5f, Float.NaN}));
    assertThat(Files.readString(file))
        .isEqualTo(
            "x0,x1,log_prob,anomaly,label,score\n"
                + "0.1,-2.0,-1.25,false,7,0.5\n"
                + "3.0E-5,4.0E10,-Infinity,true,3,NaN\n");
    Dataset back = CsvReader.create().select("x0,x1,label").read(file);
    assertThat(back.toTensor().toArray()).containsExactly(0.1f, -2f, 7f, 3e-5f, 4e10f, 3f);
  }

  @Test
  void extraColumnsMustHaveOneValuePerRow() {
    Dataset d = Dataset.of(new float[][] {{1f}, {2f}});
    assertThatThrownBy(
            () -> CsvWriter.write(dir.resolve("x.csv"), d, CsvWriter.column("lp", new float[3])))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("CsvWriter.write: column lp must have one value per row (2), but has 3");
  }

  @Test
  void awkwardHeaderNamesAreQuotedAndReadBack() {
    List<String> names = List.of("a,b", "say \"hi\"", " padded ", "#hash", "semi;colon", "ok");
    Path file = dir.resolve("names.csv");
    CsvWriter.write(file, Dataset.of(names, new float[] {1, 2, 3, 4, 5, 6}));
    Dataset back = CsvReader.create().read(file);
    assertThat(back.columnNames()).isEqualTo(names);
    assertThat(back.toTensor().toArray()).containsExactly(1f, 2f, 3f, 4f, 5f, 6f);
  }

  @Test
  void streamingWriterWritesRowsAndTensors() throws IOException {
    Path file = dir.resolve("samples.csv");
    try (CsvWriter out = CsvWriter.open(file, List.of("x0", "x1"))) {
      out.row(1f, 2f);
      out.rows(Tensor.of(new float[][] {{3f, 4f}, {5f, 6f}}));
      out.value(7f).value(8f).endRow();
      assertThat(out.rowCount()).isEqualTo(4);
      assertThat(file).doesNotExist();
      out.commit();
    }
    assertThat(Files.readString(file)).isEqualTo("x0,x1\n1.0,2.0\n3.0,4.0\n5.0,6.0\n7.0,8.0\n");
    assertThat(filesInDir()).containsExactly(file);
  }

  @Test
  void rowsOfTheWrongLengthAreRefused() {
    try (CsvWriter out = CsvWriter.open(dir.resolve("x.csv"), List.of("x0", "x1"))) {
      out.value(1f);
      assertThatThrownBy(out::endRow)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageEndingWith("x.csv: row 0 has 1 values, but the header has 2 columns");
      out.value(2f);
      assertThatThrownBy(() -> out.value(3f))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageEndingWith("x.csv: row 0 already has its 2 values; call endRow()");
      assertThatThrownBy(() -> out.rows(Tensor.zeros(2, 3)))
          .isInstanceOf(ShapeMismatchException.class)
          .hasMessage("CsvWriter.rows: rows must have 2 values, but the tensor has shape [2, 3]");
    }
  }

  @Test
  @DisplayName("a writer that fails mid-way leaves no file and no temporary file behind")
  void failureMidWayLeavesNothing() throws IOException {
    Path file = dir.resolve("out.csv.gz");
    RuntimeException boom = new IllegalStateException("model produced garbage");
    assertThatThrownBy(
            () -> {
              try (CsvWriter out = CsvWriter.open(file, List.of("x0"))) {
                for (int i = 0; i < 100_000; i++) {
                  out.value((float) i).endRow();
                }
                throw boom;
              }
            })
        .isSameAs(boom);
    assertThat(filesInDir()).isEmpty();
  }

  @Test
  void failureMidWayKeepsTheOldFile() throws IOException {
    Path file = dir.resolve("out.csv");
    Files.writeString(file, "old\n");
    assertThatThrownBy(
            () ->
                AtomicFiles.write(
                    file,
                    out -> {
                      out.write("new content, half".getBytes(StandardCharsets.UTF_8));
                      throw new IOException("No space left on device");
                    }))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage(file + ": cannot write (No space left on device)");
    assertThat(Files.readString(file)).isEqualTo("old\n");
    assertThat(filesInDir()).containsExactly(file);
  }

  @Test
  void atomicWriteReplacesTheFile() throws IOException {
    Path file = dir.resolve("out.csv");
    Files.writeString(file, "old\n");
    CsvWriter.write(file, Dataset.of(new float[][] {{1f}}));
    assertThat(Files.readString(file)).isEqualTo("x0\n1.0\n");
    assertThat(filesInDir()).containsExactly(file);
  }

  @Test
  void unwritableTargetsGiveOneLineMessages() {
    Path missingDir = dir.resolve("no-such-dir").resolve("out.csv");
    assertThatThrownBy(() -> CsvWriter.write(missingDir, Dataset.of(new float[][] {{1f}})))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage(
            missingDir
                + ": cannot write (the directory "
                + missingDir.getParent()
                + " does not"
                + " exist)");
    assertThatThrownBy(() -> CsvWriter.write(dir, Dataset.of(new float[][] {{1f}})))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage(dir + ": is a directory");
  }

  @Test
  void commitTwiceOrAfterCloseIsRefused() {
    CsvWriter out = CsvWriter.open(dir.resolve("x.csv"), List.of("x0"));
    out.row(1f);
    out.commit();
    assertThatThrownBy(out::commit)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageEndingWith("the writer is closed");
    out.close();
  }
}
