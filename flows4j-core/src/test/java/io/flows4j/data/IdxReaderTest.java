package io.flows4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
  @TempDir Path dir;

  /** An IDX file: header for {@code type} and {@code dims}, then {@code data}. */
  private static byte[] idx(int type, int[] dims, byte[] data) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian
    b.put((byte) 0).put((byte) 0).put((byte) type).put((byte) dims.length);
    for (int d : dims) {
      b.putInt(d);
    }
    return b.put(data).array();
  }

  private static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (OutputStream out = new GZIPOutputStream(b)) {
      out.write(bytes);
    }
    return b.toByteArray();
  }

  private static byte[] ramp(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 7);
    }
    return b;
  }

  private static IdxData read(byte[] bytes, String name) {
    return IdxReader.read(new ByteArrayInputStream(bytes), name);
  }

  @Test
  void readsImagesAsNchwFloats() throws IOException {
    byte[] pixels = ramp(3 * 4 * 5);
    Path file = dir.resolve("images-idx3-ubyte");
    Files.write(file, idx(0x08, new int[] {3, 4, 5}, pixels));
    Tensor t = IdxReader.readImages(file);
    assertThat(t.shape().dims()).containsExactly(3, 1, 4, 5);
    for (int i = 0; i < pixels.length; i++) {
      assertThat(t.getFlat(i)).isEqualTo(pixels[i] & 0xFF);
    }
    assertThat(t.get(2, 0, 3, 4)).isEqualTo(pixels[59] & 0xFF);
    IdxData raw = IdxReader.read(file);
    assertThat(raw.bytes()).isEqualTo(pixels);
    assertThat(raw.dims()).containsExactly(3, 4, 5);
    assertThat(raw.unsignedByte(59)).isEqualTo(pixels[59] & 0xFF);
  }

  @Test
  void readsGzippedLabelsRegardlessOfName() throws IOException {
    byte[] labels = {0, 9, 3, (byte) 255};
    Path file = dir.resolve("labels-idx1-ubyte");
    Files.write(file, gzip(idx(0x08, new int[] {4}, labels)));
    assertThat(IdxReader.readLabels(file)).containsExactly(0, 9, 3, 255);
  }

  @Test
  void readsImagesWithLabelsAsADataset() throws IOException {
    Path images = dir.resolve("x.gz");
    Path labels = dir.resolve("y.gz");
    Files.write(images, gzip(idx(0x08, new int[] {2, 2, 3}, ramp(12))));
    Files.write(labels, gzip(idx(0x08, new int[] {2}, new byte[] {4, 1})));
    Dataset d = IdxReader.readDataset(images, labels);
    assertThat(d.rows()).isEqualTo(2);
    assertThat(d.columns()).isEqualTo(6);
    assertThat(d.labels()).containsExactly(4, 1);
    assertThat(d.get(1, 5)).isEqualTo(ramp(12)[11] & 0xFF);
    Files.write(labels, idx(0x08, new int[] {3}, new byte[3]));
    assertThatThrownBy(() -> IdxReader.readDataset(images, labels))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(images + " has 2 items, but " + labels + " has 3 labels");
  }

  @Test
  void truncatedFilesGiveBothByteCounts() throws IOException {
    byte[] full = idx(0x08, new int[] {10, 28, 28}, new byte[7840]);
    byte[] cut = Arrays.copyOf(full, 5000);
    assertThatThrownBy(() -> read(cut, "images.idx"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(
            "images.idx: truncated IDX file: the header (10 x 28 x 28 bytes) needs 7856 bytes, but"
                + " the file has 5000");
    assertThatThrownBy(() -> read(gzip(cut), "images.idx.gz"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(
            "images.idx.gz: truncated IDX file: the header (10 x 28 x 28 bytes) needs 7856 bytes,"
                + " but the file has 5000 after decompression");
    byte[] longer = Arrays.copyOf(full, 7860);
    assertThatThrownBy(() -> read(longer, "images.idx"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(
            "images.idx: the IDX header (10 x 28 x 28 bytes) needs 7856 bytes, but the file has"
                + " 7860 (4 extra bytes at the end)");
    assertThatThrownBy(() -> read(Arrays.copyOf(full, 10), "images.idx"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(
            "images.idx: truncated IDX header: 3 dimensions need 16 header bytes, but the file has"
                + " 10 bytes");
  }

  @Test
  void truncatedGzipStreamGivesTheDecompressedCount() throws IOException {
    byte[] noisy = ramp(100_000);
    for (int i = 0; i < noisy.length; i++) {
      noisy[i] ^= (byte) (i * i >>> 3);
    }
    byte[] gz = gzip(idx(0x08, new int[] {100_000}, noisy));
    byte[] cut = Arrays.copyOf(gz, gz.length / 2);
    assertThatThrownBy(() -> read(cut, "labels.gz"))
        .isInstanceOf(DataFormatException.class)
        .hasMessageStartingWith(
            "labels.gz: truncated gzip data: the IDX header (100000 bytes) needs 100008 bytes, but"
                + " only ")
        .hasMessageEndingWith(" could be decompressed");
  }

  @Test
  void unsupportedTypesAreNamed() {
    assertThatThrownBy(() -> read(idx(0x0D, new int[] {1}, new byte[4]), "f.idx"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(
            "f.idx: IDX data type 0x0D (float32) is not supported; only 0x08 (unsigned byte) is");
    assertThatThrownBy(() -> read(idx(0x0B, new int[] {1}, new byte[2]), "s.idx"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(
            "s.idx: IDX data type 0x0B (int16) is not supported; only 0x08 (unsigned byte) is");
  }

  @Test
  void nonIdxContentIsRefused() {
    assertThatThrownBy(
            () -> read("x0,x1\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), "a.csv"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage(
            "a.csv: not an IDX file (it starts with bytes 78 30 2c 78; an IDX file starts with 00"
                + " 00)");
    assertThatThrownBy(() -> read(new byte[] {0, 0}, "short"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage("short: not an IDX file (2 bytes, shorter than the 4-byte header)");
    assertThatThrownBy(() -> read(idx(0x08, new int[] {-1}, new byte[0]), "neg"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage("neg: IDX dimension 0 must be >= 0, but was -1");
  }

  @Test
  void wrongRankForImagesOrLabels() {
    IdxData labels = read(idx(0x08, new int[] {3}, new byte[3]), "y");
    assertThatThrownBy(labels::images)
        .isInstanceOf(DataFormatException.class)
        .hasMessage("y: images must have 3 dimensions [N, H, W], but the file has [3]");
    IdxData images = read(idx(0x08, new int[] {1, 2, 2}, new byte[4]), "x");
    assertThatThrownBy(images::labels)
        .isInstanceOf(DataFormatException.class)
        .hasMessage("x: labels must have 1 dimension [N], but the file has [1, 2, 2]");
  }
}
