package io.flows4j.speech.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.speech.Fixtures;
import io.flows4j.tensor.NonFiniteException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudioTest {
  @TempDir Path dir;

  @Test
  void writeThenReadGivesTheSamples16BitExactly() {
    float[] x = {0f, 0.5f, -0.5f, -1f, 32767f / 32768f, 1f / 32768f, -3f / 32768f};
    Path p = dir.resolve("a.wav");
    Audio.writeWav(p, x, 22050);
    Wav back = Audio.readWav(p);
    assertThat(back.sampleRate()).isEqualTo(22050);
    assertThat(back.samples()).containsExactly(x);
    assertThat(p.toFile().length()).isEqualTo(44 + 2L * x.length);
  }

  @Test
  void writeClipsAndRounds() {
    Path p = dir.resolve("clip.wav");
    Audio.writeWav(p, new float[] {1.5f, -2f, 1f, 0.4f / 32768f, 0.6f / 32768f}, 8000);
    assertThat(Audio.readWav(p).samples())
        .containsExactly(32767f / 32768f, -1f, 32767f / 32768f, 0f, 1f / 32768f);
  }

  @Test
  void readsTheKitsWavAsInt16Over32768() throws IOException {
    Path p = Fixtures.file("kjv00106.wav");
    byte[] bytes = Files.readAllBytes(p);
    Wav wav = Audio.readWav(p);
    assertThat(wav.sampleRate()).isEqualTo(22050);
    assertThat(wav.samples()).hasSize(29657);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 29657; i += 97) {
      assertThat(wav.samples()[i]).isEqualTo(b.getShort(44 + 2 * i) / 32768f);
    }
  }

  @Test
  void convertsOtherPcmDepthsAndFloat() {
    // one sample each: 8-bit unsigned 192 -> 0.5; 24-bit -2^22 -> -0.5; 32-bit 2^30 -> 0.5
    assertThat(Audio.parse(wav(1, 1, 8, 1, new byte[] {(byte) 192}), "a").samples())
        .containsExactly(0.5f);
    assertThat(Audio.parse(wav(1, 1, 24, 1, new byte[] {0, 0, (byte) 0xC0}), "a").samples())
        .containsExactly(-0.5f);
    assertThat(Audio.parse(wav(1, 1, 32, 1, le(1 << 30)), "a").samples()).containsExactly(0.5f);
    assertThat(Audio.parse(wav(3, 1, 32, 1, le(Float.floatToIntBits(0.25f))), "a").samples())
        .containsExactly(0.25f);
    byte[] d = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(-0.125).array();
    assertThat(Audio.parse(wav(3, 1, 64, 1, d), "a").samples()).containsExactly(-0.125f);
  }

  @Test
  void downmixesStereoByAveraging() {
    byte[] data =
        ByteBuffer.allocate(8)
            .order(ByteOrder.LITTLE_ENDIAN)
            .putShort((short) 16384)
            .putShort((short) 0)
            .putShort((short) -32768)
            .putShort((short) 16384)
            .array();
    Wav w = Audio.parse(wav(1, 2, 16, 44100, data), "s.wav");
    assertThat(w.sampleRate()).isEqualTo(44100);
    assertThat(w.samples()).containsExactly(0.25f, -0.25f);
  }

  @Test
  void readsExtensibleFormatAndSkipsOtherChunksAndTruncatedData() {
    ByteBuffer fmt = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
    fmt.putShort((short) 0xFFFE)
        .putShort((short) 1)
        .putInt(16000)
        .putInt(32000)
        .putShort((short) 2)
        .putShort((short) 16)
        .putShort((short) 22)
        .putShort((short) 16)
        .putInt(4)
        .putShort((short) 1);
    byte[] list = "LIST\3\0\0\0abc\0".getBytes(StandardCharsets.ISO_8859_1);
    byte[] data =
        ByteBuffer.allocate(8 + 4)
            .order(ByteOrder.LITTLE_ENDIAN)
            .put("data".getBytes(StandardCharsets.US_ASCII))
            .putInt(1000)
            .putShort((short) 8192)
            .putShort((short) -8192)
            .array();
    byte[] all =
        concat(header(list.length + 8 + 40 + data.length), list, chunk("fmt ", fmt.array()), data);
    Wav w = Audio.parse(all, "x.wav");
    assertThat(w.sampleRate()).isEqualTo(16000);
    assertThat(w.samples()).containsExactly(0.25f, -0.25f);
  }

  @Test
  void refusesUnsupportedFormatsNamingThem() {
    assertThatThrownBy(() -> Audio.parse(wav(6, 1, 8, 8000, new byte[4]), "law.wav"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("law.wav: unsupported WAV encoding A-law (format tag 6); need PCM or float");
    assertThatThrownBy(() -> Audio.parse(wav(1, 1, 12, 8000, new byte[4]), "b.wav"))
        .hasMessage(
            "b.wav: unsupported WAV format 12-bit PCM; need 8/16/24/32-bit PCM or 32/64-bit float");
    byte[] rifx = wav(1, 1, 16, 8000, new byte[2]);
    rifx[3] = 'X';
    assertThatThrownBy(() -> Audio.parse(rifx, "r.wav"))
        .hasMessage("r.wav: unsupported WAV variant RIFX; need a little-endian RIFF WAV");
    assertThatThrownBy(
            () ->
                Audio.parse("hello world, not a wav".getBytes(StandardCharsets.US_ASCII), "t.txt"))
        .hasMessage("t.txt: not a WAV file (no RIFF/WAVE header)");
    assertThatThrownBy(() -> Audio.parse(header(0), "e.wav")).hasMessage("e.wav: no fmt chunk");
  }

  @Test
  void aMissingFileIsNamed() {
    Path p = dir.resolve("missing.wav");
    assertThatThrownBy(() -> Audio.readWav(p))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessage(p + ": cannot read (no such file)");
  }

  @Test
  void failedWritesLeaveNoFile() throws IOException {
    Path p = dir.resolve("nan.wav");
    assertThatThrownBy(() -> Audio.writeWav(p, new float[] {0f, Float.NaN}, 22050))
        .isInstanceOf(NonFiniteException.class)
        .hasMessage("Audio.writeWav: samples must be finite, but sample 1 was NaN");
    Path inMissingDir = dir.resolve("no/such/dir/x.wav");
    assertThatThrownBy(() -> Audio.writeWav(inMissingDir, new float[] {0f}, 22050))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("cannot write");
    assertThatThrownBy(() -> Audio.writeWav(p, new float[] {0f}, 0))
        .hasMessage("Audio.writeWav: sample rate must be positive, but was 0");
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }
  }

  @Test
  void writeReplacesAnExistingFileWhole() {
    Path p = dir.resolve("r.wav");
    Audio.writeWav(p, new float[1000], 22050);
    Audio.writeWav(p, new float[] {0.5f}, 22050);
    assertThat(Audio.readWav(p).samples()).containsExactly(0.5f);
    assertThat(Audio.readWav(p).seconds()).isCloseTo(1.0 / 22050, within(1e-12));
  }

  private static byte[] wav(int format, int channels, int bits, int rate, byte[] data) {
    ByteBuffer fmt = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    int block = channels * bits / 8;
    fmt.putShort((short) format)
        .putShort((short) channels)
        .putInt(rate)
        .putInt(rate * block)
        .putShort((short) block)
        .putShort((short) bits);
    byte[] f = chunk("fmt ", fmt.array());
    byte[] d = chunk("data", data);
    return concat(header(f.length + d.length), f, d);
  }

  private static byte[] header(int rest) {
    return ByteBuffer.allocate(12)
        .order(ByteOrder.LITTLE_ENDIAN)
        .put("RIFF".getBytes(StandardCharsets.US_ASCII))
        .putInt(4 + rest)
        .put("WAVE".getBytes(StandardCharsets.US_ASCII))
        .array();
  }

  private static byte[] chunk(String id, byte[] body) {
    return ByteBuffer.allocate(8 + body.length)
        .order(ByteOrder.LITTLE_ENDIAN)
        .put(id.getBytes(StandardCharsets.US_ASCII))
        .putInt(body.length)
        .put(body)
        .array();
  }

  private static byte[] le(int v) {
    return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] p : parts) {
      b.put(p);
    }
    return b.array();
  }
}
