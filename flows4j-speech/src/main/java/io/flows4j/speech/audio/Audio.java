package io.flows4j.speech.audio;

import io.flows4j.data.AtomicFiles;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.NonFiniteException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads and writes WAV files (RIFF/WAVE).
 *
 * <p>Writing: always mono 16-bit PCM with a 44-byte header, atomically (a temporary file renamed
 * over the target, see {@link AtomicFiles}): a failed write leaves no partial file.
 *
 * <p>Reading converts what it can to mono float samples in [−1, 1] and refuses the rest:
 *
 * <ul>
 *   <li>PCM 16-bit: {@code sample / 32768} (exact; the analysis's convention);
 *   <li>PCM 8-bit (unsigned), 24-bit and 32-bit: converted, {@code (v − 128)/128}, {@code v /
 *       2^23}, {@code v / 2^31};
 *   <li>IEEE float 32- and 64-bit: taken as they are;
 *   <li>{@code WAVE_FORMAT_EXTENSIBLE}: as its sub-format (PCM or float);
 *   <li>more than one channel: downmixed to mono by averaging the channels;
 *   <li>any sample rate: kept and returned in {@link Wav#sampleRate()} (no resampling here; the
 *       log-mel analysis refuses rates other than 22050 Hz, naming the rate);
 *   <li>refused with a one-line message naming the format: compressed encodings (A-law, μ-law,
 *       ADPCM, MP3, ...), other bit depths, RIFX (big-endian) and RF64 files, files without a
 *       {@code fmt } or {@code data} chunk.
 * </ul>
 *
 * A {@code data} chunk longer than the file (as streaming writers leave it) is read up to the
 * file's end.
 */
public final class Audio {
  private static final int FORMAT_PCM = 1;
  private static final int FORMAT_FLOAT = 3;
  private static final int FORMAT_EXTENSIBLE = 0xFFFE;

  private Audio() {}

  /**
   * Reads a WAV file into mono float samples.
   *
   * @throws UncheckedIOException if the file cannot be read ({@code x.wav: cannot read (no such
   *     file)})
   * @throws IllegalArgumentException if it is not a WAV file or its format is refused (the message
   *     names the file and the format)
   */
  public static Wav readWav(Path path) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException(path + ": cannot read (no such file)", e);
    } catch (AccessDeniedException e) {
      throw new UncheckedIOException(path + ": cannot read (permission denied)", e);
    } catch (IOException e) {
      throw new UncheckedIOException(path + ": cannot read (" + e.getMessage() + ")", e);
    }
    return parse(bytes, path.toString());
  }

  /** Parses WAV bytes; {@code name} appears in error messages. */
  static Wav parse(byte[] bytes, String name) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < 12) {
      throw bad(name, "not a WAV file (only " + bytes.length + " bytes)");
    }
    String riff = ascii(bytes, 0);
    String wave = ascii(bytes, 8);
    if (riff.equals("RIFX") || riff.equals("RF64")) {
      throw bad(name, "unsupported WAV variant " + riff + "; need a little-endian RIFF WAV");
    }
    if (!riff.equals("RIFF") || !wave.equals("WAVE")) {
      throw bad(name, "not a WAV file (no RIFF/WAVE header)");
    }
    int format = -1;
    int channels = 0;
    int sampleRate = 0;
    int blockAlign = 0;
    int bits = 0;
    int pos = 12;
    while (pos + 8 <= bytes.length) {
      String id = ascii(bytes, pos);
      long size = Integer.toUnsignedLong(b.getInt(pos + 4));
      int body = pos + 8;
      if (id.equals("fmt ")) {
        if (size < 16 || body + 16 > bytes.length) {
          throw bad(name, "fmt chunk is too short (" + size + " bytes)");
        }
        format = Short.toUnsignedInt(b.getShort(body));
        channels = Short.toUnsignedInt(b.getShort(body + 2));
        sampleRate = b.getInt(body + 4);
        blockAlign = Short.toUnsignedInt(b.getShort(body + 12));
        bits = Short.toUnsignedInt(b.getShort(body + 14));
        if (format == FORMAT_EXTENSIBLE) {
          if (size < 40 || body + 26 > bytes.length) {
            throw bad(name, "WAVE_FORMAT_EXTENSIBLE fmt chunk is too short (" + size + " bytes)");
          }
          format = Short.toUnsignedInt(b.getShort(body + 24));
        }
      } else if (id.equals("data")) {
        if (format < 0) {
          throw bad(name, "no fmt chunk before the data chunk");
        }
        int available = (int) Math.min(size, bytes.length - (long) body);
        return decode(b, body, available, format, channels, sampleRate, blockAlign, bits, name);
      }
      pos = (int) Math.min(bytes.length, body + size + (size & 1));
    }
    throw bad(name, format < 0 ? "no fmt chunk" : "no data chunk");
  }

  private static Wav decode(
      ByteBuffer b,
      int start,
      int length,
      int format,
      int channels,
      int sampleRate,
      int blockAlign,
      int bits,
      String name) {
    if (format != FORMAT_PCM && format != FORMAT_FLOAT) {
      throw bad(name, "unsupported WAV encoding " + formatName(format) + "; need PCM or float");
    }
    boolean pcm = format == FORMAT_PCM;
    if (pcm ? bits != 8 && bits != 16 && bits != 24 && bits != 32 : bits != 32 && bits != 64) {
      throw bad(
          name,
          "unsupported WAV format "
              + bits
              + "-bit "
              + (pcm ? "PCM" : "float")
              + "; need 8/16/24/32-bit PCM or 32/64-bit float");
    }
    if (channels < 1) {
      throw bad(name, "WAV header says " + channels + " channels");
    }
    if (sampleRate <= 0) {
      throw bad(name, "WAV header says sample rate " + Integer.toUnsignedString(sampleRate));
    }
    int bytesPerSample = bits / 8;
    if (blockAlign != channels * bytesPerSample) {
      throw bad(
          name,
          "WAV block size "
              + blockAlign
              + " does not match "
              + channels
              + " channels of "
              + bits
              + " bits");
    }
    int frames = length / blockAlign;
    float[] out = new float[frames];
    double inverseChannels = 1.0 / channels;
    for (int f = 0; f < frames; f++) {
      double sum = 0;
      int p = start + f * blockAlign;
      for (int c = 0; c < channels; c++, p += bytesPerSample) {
        sum += sample(b, p, pcm, bits);
      }
      out[f] = (float) (channels == 1 ? sum : sum * inverseChannels);
    }
    return new Wav(out, sampleRate);
  }

  private static double sample(ByteBuffer b, int p, boolean pcm, int bits) {
    if (!pcm) {
      return bits == 32 ? b.getFloat(p) : b.getDouble(p);
    }
    return switch (bits) {
      case 8 -> (Byte.toUnsignedInt(b.get(p)) - 128) / 128.0;
      case 16 -> b.getShort(p) / 32768.0;
      case 24 -> ((b.get(p) & 0xFF) | (b.get(p + 1) & 0xFF) << 8 | b.get(p + 2) << 16) / 8388608.0;
      default -> b.getInt(p) / 2147483648.0;
    };
  }

  private static String formatName(int tag) {
    String known =
        switch (tag) {
          case 2 -> "MS ADPCM";
          case 6 -> "A-law";
          case 7 -> "mu-law";
          case 0x11 -> "IMA ADPCM";
          case 0x31 -> "GSM 6.10";
          case 0x50 -> "MPEG";
          case 0x55 -> "MP3";
          default -> "format";
        };
    return known + " (format tag " + tag + ")";
  }

  /**
   * Writes mono 16-bit PCM at the given rate, atomically: {@code round(x·32768)} clamped to the
   * 16-bit range, so samples outside [−1, 1) are clipped (the {@link Vocoder} scales its output to
   * avoid that).
   *
   * @param samples the signal
   * @param sampleRate in Hz, positive
   * @throws IllegalArgumentException if {@code sampleRate} is not positive
   * @throws NonFiniteException if a sample is NaN or infinite (nothing is written)
   * @throws UncheckedIOException if the file cannot be written (the target is then untouched)
   */
  public static void writeWav(Path path, float[] samples, int sampleRate) {
    Checks.requireArgument(
        sampleRate > 0, "Audio.writeWav: sample rate must be positive, but was %d", sampleRate);
    long dataBytes = 2L * samples.length;
    Checks.requireArgument(
        dataBytes <= 0xFFFF_FFFFL - 36,
        "Audio.writeWav: at most 2^31 samples fit a WAV file, but there were %d",
        samples.length);
    ByteBuffer buf = ByteBuffer.allocate(44 + (int) dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    buf.put("RIFF".getBytes(StandardCharsets.US_ASCII))
        .putInt((int) (36 + dataBytes))
        .put("WAVE".getBytes(StandardCharsets.US_ASCII))
        .put("fmt ".getBytes(StandardCharsets.US_ASCII))
        .putInt(16)
        .putShort((short) FORMAT_PCM)
        .putShort((short) 1)
        .putInt(sampleRate)
        .putInt(sampleRate * 2)
        .putShort((short) 2)
        .putShort((short) 16)
        .put("data".getBytes(StandardCharsets.US_ASCII))
        .putInt((int) dataBytes);
    for (int i = 0; i < samples.length; i++) {
      float x = samples[i];
      if (!Float.isFinite(x)) {
        throw new NonFiniteException(
            "Audio.writeWav: samples must be finite, but sample " + i + " was " + x);
      }
      long v = Math.round(x * 32768.0);
      buf.putShort((short) Math.max(Short.MIN_VALUE, Math.min(Short.MAX_VALUE, v)));
    }
    byte[] bytes = buf.array();
    AtomicFiles.write(path, out -> out.write(bytes));
  }

  /** Writes a {@link Wav} as {@link #writeWav(Path, float[], int)} does. */
  public static void writeWav(Path path, Wav wav) {
    writeWav(path, wav.samples(), wav.sampleRate());
  }

  private static String ascii(byte[] bytes, int at) {
    return new String(bytes, at, 4, StandardCharsets.US_ASCII);
  }

  private static IllegalArgumentException bad(String name, String what) {
    return new IllegalArgumentException(name + ": " + what);
  }
}
