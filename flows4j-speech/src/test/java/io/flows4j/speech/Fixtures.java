package io.flows4j.speech;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The speech kit's reference fixtures ({@code shared/speech/fixtures} beside the repository, found
 * from the working directory upwards) and a reader for their {@code .npy} arrays. Tests that need
 * them are skipped, with the reason, when the folder is absent (a clone without {@code ../shared}).
 */
public final class Fixtures {
  private static final Path DIR = locate();
  private static final Pattern SHAPE = Pattern.compile("'shape': \\((\\d+), (\\d+)\\)");

  private Fixtures() {}

  private static Path locate() {
    String given = System.getProperty("flows4j.speech.fixtures");
    if (given != null) {
      return Path.of(given);
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared").resolve("speech").resolve("fixtures");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return null;
  }

  /** The fixture file, or a skipped test if the kit is not beside the repository. */
  public static Path file(String name) {
    assumeTrue(
        DIR != null,
        "speech kit fixtures not found (looked for shared/speech/fixtures in the working"
            + " directory and its parents): skipped");
    Path p = DIR.resolve(name);
    assumeTrue(Files.isRegularFile(p), "speech kit fixture " + p + " is missing: skipped");
    return p;
  }

  /** A 2-D little-endian float32 .npy array as {@code [rows][cols]}. */
  public static float[][] npy(String name) {
    Path p = file(name);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes[0] != (byte) 0x93
        || !new String(bytes, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")
        || bytes[6] != 1
        || bytes[7] != 0) {
      throw new IllegalStateException(p + ": not a .npy version 1.0 file");
    }
    int headerLength = Short.toUnsignedInt(b.getShort(8));
    String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
    Matcher m = SHAPE.matcher(header);
    if (!header.contains("'descr': '<f4'")
        || !header.contains("'fortran_order': False")
        || !m.find()) {
      throw new IllegalStateException(p + ": expected a 2-D C-order '<f4' array: " + header);
    }
    int rows = Integer.parseInt(m.group(1));
    int cols = Integer.parseInt(m.group(2));
    float[][] out = new float[rows][cols];
    int pos = 10 + headerLength;
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++, pos += 4) {
        out[i][j] = b.getFloat(pos);
      }
    }
    return out;
  }
}
