package io.flows4j.bench;

import io.flows4j.speech.text.TextFrontEnd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How well flows4j-speech's text front end reproduces festival's phones: over a speech corpus's
 * {@code metadata.csv} ({@code id|text|phonemes}), the share of sentences whose phones match
 * exactly, and the phone edit rate (Levenshtein distance / reference phones), both with every
 * {@code pau} kept and with every {@code pau} removed (festival's phrase-break pauses are not
 * predicted from text without punctuation).
 *
 * <p>Run: {@code java -cp ... io.flows4j.bench.PhonemizerAccuracy CORPUS_DIR [LEXICON_FILE]}.
 */
public final class PhonemizerAccuracy {
  private PhonemizerAccuracy() {}

  /** Prints the figures for the corpus in {@code args[0]}. */
  public static void main(String[] args) throws IOException {
    TextFrontEnd fe =
        args.length > 1
            ? TextFrontEnd.withLexicon(Path.of(args[1]))
            : TextFrontEnd.withShippedLexicon();
    List<String> lines =
        Files.readAllLines(Path.of(args[0], "metadata.csv"), StandardCharsets.UTF_8);
    int sentences = 0;
    int exact = 0;
    int exactNoPause = 0;
    long edits = 0;
    long editsNoPause = 0;
    long refPhones = 0;
    long refPhonesNoPause = 0;
    int failed = 0;
    List<String> errors = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.split("\\|");
      if (f.length < 3) {
        continue;
      }
      sentences++;
      List<String> ref = Arrays.asList(f[2].strip().split("\\s+"));
      List<String> got;
      try {
        got = fe.phonemes(f[1]);
      } catch (IllegalArgumentException e) {
        failed++;
        errors.add(f[0] + ": " + e.getMessage());
        got = List.of("pau", "pau");
      }
      List<String> refNp = ref.stream().filter(p -> !p.equals("pau")).toList();
      List<String> gotNp = got.stream().filter(p -> !p.equals("pau")).toList();
      exact += ref.equals(got) ? 1 : 0;
      exactNoPause += refNp.equals(gotNp) ? 1 : 0;
      edits += distance(ref, got);
      editsNoPause += distance(refNp, gotNp);
      refPhones += ref.size();
      refPhonesNoPause += refNp.size();
    }
    System.out.printf(
        Locale.ROOT,
        "sentences %d, failed %d%nwith pau:    exact %.1f %%, phone edit rate %.2f %%%n"
            + "without pau: exact %.1f %%, phone edit rate %.2f %%%n",
        sentences,
        failed,
        100.0 * exact / sentences,
        100.0 * edits / refPhones,
        100.0 * exactNoPause / sentences,
        100.0 * editsNoPause / refPhonesNoPause);
    errors.stream().limit(20).forEach(System.out::println);
  }

  static int distance(List<String> a, List<String> b) {
    int[] prev = new int[b.size() + 1];
    int[] cur = new int[b.size() + 1];
    for (int j = 0; j <= b.size(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.size(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.size(); j++) {
        int sub = prev[j - 1] + (a.get(i - 1).equals(b.get(j - 1)) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.size()];
  }
}
