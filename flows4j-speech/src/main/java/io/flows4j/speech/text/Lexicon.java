package io.flows4j.speech.text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * A pronouncing dictionary: lower-case word → phones in {@link PhoneSet}'s phone set.
 *
 * <p>The shipped lexicon ({@link #shipped()}) is derived from festival's CMU lexicon (CMUdict 0.4,
 * package festlex-cmu) by {@code flows4j-speech/scripts/make-lexicon.py}: each word's first entry
 * plus festival's addenda, stress and syllables dropped; 105,754 words. Licences: see {@code
 * NOTICE-cmudict.txt} beside it in the resources.
 *
 * <p>File format ({@link #read}): UTF-8 text, optionally gzipped ({@code .gz}); one entry a line,
 * the word then its phones, separated by white space; blank lines and lines starting with {@code #}
 * or {@code ;;;} are skipped. For convenience, CMUdict's own format is accepted too: upper-case
 * words and phones, stress digits ({@code AH0}), alternative pronunciations {@code WORD(2)} (only a
 * word's first entry is kept) — but CMUdict has no {@code ax}, so festival's lexicon matches the
 * voice better.
 */
public final class Lexicon {
  private static final String RESOURCE = "cmudict-festival.txt.gz";
  private static volatile Lexicon shipped;

  private final Map<String, List<String>> entries;

  private Lexicon(Map<String, List<String>> entries) {
    this.entries = entries;
  }

  /** The lexicon shipped in the jar (loaded once, on first use). */
  public static Lexicon shipped() {
    Lexicon l = shipped;
    if (l == null) {
      synchronized (Lexicon.class) {
        l = shipped;
        if (l == null) {
          try (InputStream in = Lexicon.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
              throw new IllegalStateException(
                  "Lexicon: the shipped lexicon " + RESOURCE + " is missing from the class path");
            }
            l = parse(new GZIPInputStream(in, 1 << 16), RESOURCE);
          } catch (IOException e) {
            throw new UncheckedIOException("Lexicon: cannot read the shipped lexicon", e);
          }
          shipped = l;
        }
      }
    }
    return l;
  }

  /**
   * Reads a lexicon file (format in the class comment).
   *
   * @throws UncheckedIOException if it cannot be read ({@code x.dict: cannot read (no such file)})
   * @throws IllegalArgumentException if a line does not parse ({@code x.dict:12: unknown phone 'q'
   *     ...})
   */
  public static Lexicon read(Path file) {
    try (InputStream raw = Files.newInputStream(file)) {
      InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
      return parse(in, file.toString());
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException(file + ": cannot read (no such file)", e);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  static Lexicon parse(InputStream in, String name) throws IOException {
    Map<String, List<String>> map = new HashMap<>(1 << 18);
    BufferedReader r =
        new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    String line;
    int n = 0;
    while ((line = r.readLine()) != null) {
      n++;
      String s = line.strip();
      if (s.isEmpty() || s.startsWith("#") || s.startsWith(";;;")) {
        continue;
      }
      String[] parts = s.split("\\s+");
      if (parts.length < 2) {
        throw new IllegalArgumentException(
            name + ":" + n + ": expected a word and its phones, but was '" + s + "'");
      }
      String word = parts[0].toLowerCase(Locale.ROOT);
      int alt = word.indexOf('(');
      if (alt > 0 && word.endsWith(")")) {
        word = word.substring(0, alt);
      }
      String[] phones = new String[parts.length - 1];
      for (int i = 1; i < parts.length; i++) {
        String p = parts[i].toLowerCase(Locale.ROOT);
        int end = p.length();
        while (end > 1 && Character.isDigit(p.charAt(end - 1))) {
          end--;
        }
        p = p.substring(0, end);
        if (!PhoneSet.contains(p)) {
          throw new IllegalArgumentException(
              name
                  + ":"
                  + n
                  + ": unknown phone '"
                  + parts[i]
                  + "' in the entry for '"
                  + parts[0]
                  + "'; valid phones: "
                  + String.join(" ", PhoneSet.PHONES));
        }
        phones[i - 1] = p;
      }
      map.putIfAbsent(word, List.of(phones));
    }
    return new Lexicon(map);
  }

  /** The phones of a lower-case word, if listed. */
  public Optional<List<String>> lookup(String word) {
    return Optional.ofNullable(entries.get(word));
  }

  /** The number of words. */
  public int size() {
    return entries.size();
  }
}
