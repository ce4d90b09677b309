package io.flows4j.speech.corpus;

import io.flows4j.data.AtomicFiles;
import io.flows4j.tensor.Checks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Phone alignments in the kit's {@code align/*.lab} format: one line per phone, {@code start end
 * phone}, times in seconds with three decimals, contiguous from 0.
 */
public final class LabFile {
  private LabFile() {}

  /** One phone's time span, in seconds. */
  public record Segment(double start, double end, String phone) {}

  /**
   * Reads a {@code .lab} file.
   *
   * @throws IllegalArgumentException if the file is missing or a line is not {@code start end
   *     phone} with {@code start <= end}
   */
  public static List<Segment> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file + ": no such file", e);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
    List<Segment> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).trim();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split("\\s+");
      Segment s;
      try {
        s = new Segment(Double.parseDouble(f[0]), Double.parseDouble(f[1]), f[2]);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + ": must be 'start end phone', but was '" + line + "'", e);
      }
      Checks.requireArgument(
          f.length == 3 && s.start() <= s.end(),
          "%s line %d: must be 'start end phone' with start <= end, but was '%s'",
          file,
          i + 1,
          line);
      out.add(s);
    }
    return out;
  }

  /** Writes segments as a {@code .lab} file, atomically. */
  public static void write(Path file, List<Segment> segments) {
    StringBuilder sb = new StringBuilder();
    for (Segment s : segments) {
      sb.append(String.format(Locale.ROOT, "%.3f %.3f %s%n", s.start(), s.end(), s.phone()));
    }
    byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(file, out -> out.write(bytes));
  }
}
