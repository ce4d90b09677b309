package io.flows4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path dir;

  private static Map<String, Tensor> sample(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("net.0.weight", random(r, 4, 3));
    m.put("net.0.bias", random(r, 4));
    m.put("prior.image", random(r, 2, 1, 2, 3));
    m.put("special", Tensor.of(new float[] {Float.NaN, -0f, Float.MIN_VALUE, 1e38f}, 4));
    m.put("empty", Tensor.zeros(0, 3));
    return m;
  }

  private static Tensor random(SplittableRandom r, int... dims) {
    Tensor t = Tensor.zeros(dims);
    for (int i = 0; i < t.size(); i++) {
      t.setFlat(i, (float) r.nextGaussian());
    }
    return t;
  }

  private static void assertBitExact(Map<String, Tensor> actual, Map<String, Tensor> expected) {
    assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
    for (String k : expected.keySet()) {
      Tensor a = actual.get(k);
      Tensor e = expected.get(k);
      assertThat(a.shape()).as(k).isEqualTo(e.shape());
      for (int i = 0; i < e.size(); i++) {
        assertThat(Float.floatToRawIntBits(a.getFlat(i)))
            .as("%s[%d]", k, i)
            .isEqualTo(Float.floatToRawIntBits(e.getFlat(i)));
      }
    }
  }

  @Test
  @DisplayName("round trip is bit-exact, keeps order and metadata, seed=1")
  void roundTrip() throws IOException {
    Map<String, Tensor> tensors = sample(1);
    Path file = dir.resolve("model.safetensors");
    SafeTensors.write(file, tensors, Map.of("format", "flows4j", "note", "quote \" and é"));
    SafeTensors.Contents c = SafeTensors.read(file);
    assertBitExact(c.tensors(), tensors);
    assertThat(c.metadata())
        .containsEntry("format", "flows4j")
        .containsEntry("note", "quote \" and é")
        .containsKey(SafeTensors.CRC_KEY);
    // Layout: little-endian header length, header padded to 8 bytes, then the data.
    byte[] bytes = Files.readAllBytes(file);
    long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    assertThat(n % 8).isZero();
    String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
    assertThat(header)
        .contains("\"net.0.weight\":{\"dtype\":\"F32\",\"shape\":[4,3],\"data_offsets\":[0,48]}");
    float first = ByteBuffer.wrap(bytes, 8 + (int) n, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
    assertThat(first).isEqualTo(tensors.get("net.0.weight").getFlat(0));
  }

  @Test
  @DisplayName("a written file gets the permissions of any new file (the umask), not owner-only")
  void permissionsFollowTheUmask() throws IOException {
    Assumptions.assumeTrue(
        dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX file system");
    Path file = dir.resolve("m.safetensors");
    SafeTensors.write(file, sample(3), Map.of());
    Path plain = Files.createFile(dir.resolve("plain.txt"));
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files.getPosixFilePermissions(plain));
  }

  @Test
  @DisplayName("overwriting replaces the file and leaves no temporary files, seed=2")
  void overwriteIsAtomicAndClean() throws IOException {
    Path file = dir.resolve("m.safetensors");
    SafeTensors.write(file, sample(2), Map.of());
    Map<String, Tensor> second = Map.of("only", Tensor.of(new float[] {1, 2}, 2));
    SafeTensors.write(file, second, Map.of());
    assertBitExact(SafeTensors.read(file).tensors(), second);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("m.safetensors");
    }
  }

  @Test
  void readsAFileWithoutMetadataOrChecksum() throws IOException {
    String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + 8).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).putFloat(1.5f).putFloat(-2f);
    Path file = dir.resolve("plain.safetensors");
    Files.write(file, b.array());
    SafeTensors.Contents c = SafeTensors.read(file);
    assertThat(c.tensors().get("a").toArray()).containsExactly(1.5f, -2f);
    assertThat(c.metadata()).isEmpty();
  }

  private byte[] valid() {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("w", Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    m.put("b", Tensor.of(new float[] {7, 8}, 2));
    return SafeTensors.encode(m, Map.of());
  }

  private static String decodeError(byte[] bytes) {
    try {
      SafeTensors.decode(bytes, "f");
    } catch (FileFormatException e) {
      return e.getMessage();
    }
    return null;
  }

  @Test
  void refusesTruncatedFiles() {
    byte[] ok = valid();
    for (int len = 0; len < ok.length; len++) {
      String msg = decodeError(Arrays.copyOf(ok, len));
      assertThat(msg)
          .as("truncated to %d bytes", len)
          .isNotNull()
          .startsWith("f: ")
          .doesNotContain("\n");
    }
    assertThat(decodeError(Arrays.copyOf(ok, ok.length - 4)))
        .isEqualTo(
            "f: file is truncated: the header describes 32 bytes of tensor data, but the file"
                + " holds 28");
    assertThat(decodeError(Arrays.copyOf(ok, 5)))
        .isEqualTo("f: file is 5 bytes, too short for the 8-byte header length");
    assertThat(decodeError(Arrays.copyOf(ok, ok.length + 3)))
        .isEqualTo(
            "f: file has trailing bytes: the header describes 32 bytes of tensor data, but the"
                + " file holds 35");
  }

  @Test
  void refusesOrNoticesEveryFlippedHeaderByte() {
    byte[] ok = valid();
    int n = (int) ByteBuffer.wrap(ok).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    String header = new String(ok, 8, n, StandardCharsets.UTF_8);
    for (int i = 0; i < 8 + n; i++) {
      byte[] bad = ok.clone();
      bad[i] ^= 0x01;
      SafeTensors.Contents c;
      try {
        c = SafeTensors.decode(bad, "f");
      } catch (FileFormatException e) {
        assertThat(e.getMessage()).startsWith("f: ").doesNotContain("\n");
        continue;
      }
      // A flip that keeps the file well-formed can only have renamed a tensor or a metadata key:
      // the loader then reports the name as missing or unexpected.
      boolean renamed =
          !c.tensors().keySet().equals(java.util.Set.of("w", "b"))
              || !c.metadata().keySet().equals(java.util.Set.of(SafeTensors.CRC_KEY));
      assertThat(renamed).as("flip at byte %d of header %s", i, header).isTrue();
    }
  }

  @Test
  void refusesCorruptedData() {
    byte[] bad = valid();
    bad[bad.length - 2] ^= 0x10;
    assertThat(decodeError(bad)).startsWith("f: tensor data is corrupted: CRC-32C must be ");
  }

  private static byte[] withHeader(String header, int dataBytes) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    return b.array();
  }

  @Test
  void refusesWrongShapesOffsetsAndTypes() {
    assertThat(
            decodeError(
                withHeader(
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20)))
        .isEqualTo("f: tensor 'a': shape [2, 3] needs 24 bytes, but data_offsets [0, 20] hold 20");
    assertThat(
            decodeError(
                withHeader("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4)))
        .isEqualTo("f: tensor 'a': dtype must be F32, but was F16");
    assertThat(
            decodeError(
                withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", 4)))
        .isEqualTo("f: tensor 'a': rank must be 1 to 4, but shape is []");
    assertThat(
            decodeError(
                withHeader(
                    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                    4)))
        .isEqualTo(
            "f: tensor 'b' must begin at data offset 4, but begins at 0 (tensors overlap or leave"
                + " a gap)");
    assertThat(
            decodeError(
                withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)))
        .isEqualTo(
            "f: tensor 'a' must begin at data offset 0, but begins at 4 (tensors overlap or leave"
                + " a gap)");
    assertThat(decodeError(withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4)))
        .isEqualTo("f: tensor 'a': member 'data_offsets' is missing");
    assertThat(decodeError(withHeader("{\"__metadata__\":{\"k\":1}}", 0)))
        .isEqualTo("f: __metadata__ values must be strings, but 'k' is number");
    assertThat(decodeError(withHeader("[1, 2]", 0)))
        .isEqualTo("f: header must be a JSON object starting with '{'");
    assertThat(decodeError(withHeader("{\"a\":", 0)))
        .startsWith("f: header is not valid JSON: json: expected a value");
    byte[] huge = valid();
    huge[7] = 0x7f;
    assertThat(decodeError(huge)).startsWith("f: header length must be 2 to");
    byte[] latin = withHeader("{\"\u00e9\":{}}", 0);
    latin[11] = (byte) 0xff;
    assertThat(decodeError(latin)).isEqualTo("f: header is not valid UTF-8");
  }

  @Test
  void refusesReservedNames() {
    Map<String, Tensor> m = Map.of("__metadata__", Tensor.zeros(1));
    assertThatThrownBy(() -> SafeTensors.encode(m, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must be non-empty and not __metadata__");
  }
}
