package io.flows4j.speech.text;

import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * English text → phones → token ids, for the speech model.
 *
 * <p>Normalisation, in this order:
 *
 * <ol>
 *   <li>Unicode NFKC; typographic quotes become {@code '}; lower-case.
 *   <li>Numbers become words: plain four-digit numbers 1100–2099 are read as years ({@code 1984} →
 *       nineteen eighty four, {@code 1905} → nineteen oh five, {@code 2005} → two thousand five);
 *       other integers as cardinals (digit groups with commas allowed: {@code 1,200} → one thousand
 *       two hundred); {@code 1st/2nd/3rd/4th} as ordinals; decimals digit by digit after "point"; a
 *       leading {@code -} as "minus", a trailing {@code %} as "percent", a leading {@code $} as
 *       "dollar(s)" after the number; numbers of more than 15 digits digit by digit.
 *   <li>Punctuation: {@code , ; : . ! ?}, dashes and parentheses inside the text give one {@code
 *       pau} (festival's phrase breaks at punctuation; the corpus's texts hold no commas, so this
 *       choice could not be measured against it); other symbols separate words; apostrophes inside
 *       words are kept ({@code don't}), quotes around words dropped. The phone sequence starts and
 *       ends with {@code pau}.
 *   <li>Each word is looked up in the lexicon: as written, then without a trailing apostrophe
 *       ({@code moses'}); if it is still unknown, a small morphological fallback (not a general
 *       letter-to-sound model) tries a listed base word with a regular ending: {@code X's} and
 *       {@code Xs}/{@code Xes} as X plus {@code ax z} (after s z sh zh ch jh), {@code s} (after p t
 *       k f th) or {@code z}; {@code Xed}/{@code Xd} as X plus {@code ax d} (after t d), {@code t}
 *       (after p k f s sh ch th) or {@code d}; British {@code -our} as {@code -or} ({@code
 *       neighbour}). Any other unknown word is an error naming it.
 * </ol>
 *
 * Festival also inserts phrase-break pauses that no punctuation marks (about half the corpus
 * sentences have one); this front end does not predict them.
 */
public final class TextFrontEnd {
  private final Lexicon lexicon;

  private TextFrontEnd(Lexicon lexicon) {
    this.lexicon = lexicon;
  }

  /** The front end with the shipped lexicon. */
  public static TextFrontEnd withShippedLexicon() {
    return new TextFrontEnd(Lexicon.shipped());
  }

  /** The front end with the given lexicon. */
  public static TextFrontEnd withLexicon(Lexicon lexicon) {
    return new TextFrontEnd(Objects.requireNonNull(lexicon, "lexicon"));
  }

  /** The front end with a lexicon file ({@code --lexicon FILE}), see {@link Lexicon#read}. */
  public static TextFrontEnd withLexicon(Path file) {
    return new TextFrontEnd(Lexicon.read(file));
  }

  /**
   * The phones of an English text, {@code pau} at both ends.
   *
   * @throws IllegalArgumentException if the text has no word ({@code text: the input is empty}) or
   *     a word is not in the lexicon ({@code text: unknown word 'xyzzy' (not in the lexicon) ...})
   */
  public List<String> phonemes(String text) {
    List<String> words = words(text);
    List<String> phones = new ArrayList<>();
    phones.add(PhoneSet.PAUSE);
    boolean any = false;
    for (String w : words) {
      if (w.equals(PhoneSet.PAUSE)) {
        if (!phones.get(phones.size() - 1).equals(PhoneSet.PAUSE)) {
          phones.add(PhoneSet.PAUSE);
        }
        continue;
      }
      phones.addAll(pronounce(w));
      any = true;
    }
    if (!any) {
      throw new IllegalArgumentException("text: the input is empty (no words to speak)");
    }
    if (!phones.get(phones.size() - 1).equals(PhoneSet.PAUSE)) {
      phones.add(PhoneSet.PAUSE);
    }
    return phones;
  }

  /** The token ids of a text: {@link PhoneSet#withBlanks} of {@link #phonemes}. */
  public int[] tokens(String text) {
    return PhoneSet.withBlanks(phonemes(text));
  }

  /**
   * The token ids of space-separated phones: {@link PhoneSet#withBlanks} of {@link PhoneSet#parse}.
   */
  public static int[] tokensOfPhonemes(String phonemes) {
    return PhoneSet.withBlanks(PhoneSet.parse(phonemes));
  }

  private List<String> pronounce(String word) {
    Optional<List<String>> p = lexicon.lookup(word);
    if (p.isEmpty() && word.endsWith("'")) {
      p = lexicon.lookup(word.substring(0, word.length() - 1));
    }
    if (p.isEmpty() && word.endsWith("'s")) {
      p = withSuffix(word.substring(0, word.length() - 2), Suffix.S);
    }
    if (p.isEmpty() && word.endsWith("s") && !word.endsWith("ss")) {
      p = withSuffix(word.substring(0, word.length() - 1), Suffix.S);
      if (p.isEmpty() && word.endsWith("es")) {
        p = withSuffix(word.substring(0, word.length() - 2), Suffix.S);
      }
    }
    if (p.isEmpty() && word.endsWith("ed")) {
      p = withSuffix(word.substring(0, word.length() - 1), Suffix.D);
      if (p.isEmpty()) {
        p = withSuffix(word.substring(0, word.length() - 2), Suffix.D);
      }
    }
    if (p.isEmpty() && word.contains("our")) {
      p = lexicon.lookup(word.replace("our", "or"));
    }
    return p.orElseThrow(
        () ->
            new IllegalArgumentException(
                "text: unknown word '"
                    + word
                    + "' (not in the lexicon); give its phones with --phonemes or a --lexicon FILE"
                    + " that lists it"));
  }

  private enum Suffix {
    S,
    D
  }

  /**
   * A listed base word plus a regular ending: plural/possessive {@code -s} is {@code ax z} after s
   * z sh zh ch jh, {@code s} after p t k f th, else {@code z}; past {@code -ed} is {@code ax d}
   * after t d, {@code t} after p k f s sh ch th, else {@code d}.
   */
  private Optional<List<String>> withSuffix(String base, Suffix suffix) {
    if (base.length() < 2) {
      return Optional.empty();
    }
    return lexicon
        .lookup(base)
        .map(
            phones -> {
              List<String> out = new ArrayList<>(phones);
              String last = out.get(out.size() - 1);
              if (suffix == Suffix.S) {
                switch (last) {
                  case "s", "z", "sh", "zh", "ch", "jh" -> out.addAll(List.of("ax", "z"));
                  case "p", "t", "k", "f", "th" -> out.add("s");
                  default -> out.add("z");
                }
              } else {
                switch (last) {
                  case "t", "d" -> out.addAll(List.of("ax", "d"));
                  case "p", "k", "f", "s", "sh", "ch", "th" -> out.add("t");
                  default -> out.add("d");
                }
              }
              return out;
            });
  }

  /** The normalised words, with {@code pau} where punctuation breaks the text. */
  static List<String> words(String text) {
    String s =
        Normalizer.normalize(text, Normalizer.Form.NFKC)
            .replace('\u2019', '\'')
            .replace('\u2018', '\'')
            .replace('\u2014', ',')
            .replace('\u2013', ',')
            .toLowerCase(Locale.ROOT);
    List<String> out = new ArrayList<>();
    int i = 0;
    int n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (Character.isLetter(c)) {
        int j = i;
        while (j < n
            && (Character.isLetter(s.charAt(j))
                || s.charAt(j) == '\'' && j + 1 < n && Character.isLetter(s.charAt(j + 1)))) {
          j++;
        }
        // a possessive plural: "moses' hands"
        if (j < n && s.charAt(j) == '\'' && s.charAt(j - 1) == 's') {
          j++;
        }
        out.add(s.substring(i, j));
        i = j;
      } else if (Character.isDigit(c)
          || c == '$' && i + 1 < n && Character.isDigit(s.charAt(i + 1))
          || minusSign(s, i)) {
        i = number(s, i, out);
      } else {
        if (c == ','
            || c == ';'
            || c == ':'
            || c == '.'
            || c == '!'
            || c == '?'
            || c == '('
            || c == ')'
            || c == '-' && i + 1 < n && s.charAt(i + 1) == '-') {
          out.add(PhoneSet.PAUSE);
        }
        i++;
      }
    }
    return out;
  }

  /** Reads a number starting at {@code i}, appends its words, returns the index after it. */
  private static int number(String s, int i, List<String> out) {
    int n = s.length();
    boolean negative = false;
    boolean dollars = false;
    if (s.charAt(i) == '-') {
      negative = true;
      i++;
    }
    if (s.charAt(i) == '$') {
      dollars = true;
      i++;
    }
    StringBuilder digits = new StringBuilder();
    boolean grouped = false;
    while (i < n) {
      char c = s.charAt(i);
      if (Character.isDigit(c)) {
        digits.append(c);
        i++;
      } else if (c == ',' && threeDigits(s, i + 1)) {
        grouped = true;
        i++;
      } else {
        break;
      }
    }
    String fraction = null;
    if (i + 1 < n && s.charAt(i) == '.' && Character.isDigit(s.charAt(i + 1))) {
      int j = i + 1;
      while (j < n && Character.isDigit(s.charAt(j))) {
        j++;
      }
      fraction = s.substring(i + 1, j);
      i = j;
    }
    String suffix = "";
    if (fraction == null && i + 1 < n) {
      String two = s.substring(i, i + 2);
      boolean endsWord = i + 2 >= n || !Character.isLetterOrDigit(s.charAt(i + 2));
      if (endsWord
          && (two.equals("st") || two.equals("nd") || two.equals("rd") || two.equals("th"))) {
        suffix = two;
        i += 2;
      }
    }
    if (negative) {
      out.add("minus");
    }
    String d = digits.toString();
    if (d.length() > NumberWords.MAX_CARDINAL_DIGITS) {
      out.addAll(NumberWords.digits(d));
    } else if (!suffix.isEmpty()) {
      out.addAll(NumberWords.ordinal(Long.parseLong(d)));
    } else if (!grouped
        && !negative
        && !dollars
        && fraction == null
        && NumberWords.isYear(d)
        && !(i < n && s.charAt(i) == '%')) {
      out.addAll(NumberWords.year(Integer.parseInt(d)));
    } else {
      out.addAll(NumberWords.cardinal(Long.parseLong(d)));
    }
    if (fraction != null) {
      out.add("point");
      out.addAll(NumberWords.digits(fraction));
    }
    if (i < n && s.charAt(i) == '%') {
      out.add("percent");
      i++;
    }
    if (dollars) {
      out.add(d.equals("1") && fraction == null ? "dollar" : "dollars");
    }
    return i;
  }

  /** A '-' before a number ($ allowed) that starts a word: "-5", but not the dash in "5-10". */
  private static boolean minusSign(String s, int i) {
    if (s.charAt(i) != '-' || i > 0 && !Character.isWhitespace(s.charAt(i - 1))) {
      return false;
    }
    int j = i + 1 < s.length() && s.charAt(i + 1) == '$' ? i + 2 : i + 1;
    return j < s.length() && Character.isDigit(s.charAt(j));
  }

  private static boolean threeDigits(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int k = from; k < from + 3; k++) {
      if (!Character.isDigit(s.charAt(k))) {
        return false;
      }
    }
    return from + 3 == s.length() || !Character.isDigit(s.charAt(from + 3));
  }
}
