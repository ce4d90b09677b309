package io.flows4j.speech.text;

import java.util.ArrayList;
import java.util.List;

/** Numbers as English words (American style: no "and" after hundred). */
final class NumberWords {
  private static final String[] SMALL = {
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen"
  };
  private static final String[] TENS = {
    "", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"
  };
  private static final String[] SCALES = {"", "thousand", "million", "billion", "trillion"};

  /** Digits of a longer number are read one by one. */
  static final int MAX_CARDINAL_DIGITS = 15;

  private NumberWords() {}

  /** A cardinal, e.g. 1204 → one thousand two hundred four; n in [0, 10^15). */
  static List<String> cardinal(long n) {
    List<String> out = new ArrayList<>();
    if (n == 0) {
      out.add("zero");
      return out;
    }
    int scale = 0;
    List<List<String>> groups = new ArrayList<>();
    while (n > 0) {
      int group = (int) (n % 1000);
      List<String> g = new ArrayList<>();
      if (group > 0) {
        g.addAll(belowThousand(group));
        if (scale > 0) {
          g.add(SCALES[scale]);
        }
      }
      groups.add(0, g);
      n /= 1000;
      scale++;
    }
    groups.forEach(out::addAll);
    return out;
  }

  private static List<String> belowThousand(int n) {
    List<String> out = new ArrayList<>();
    if (n >= 100) {
      out.add(SMALL[n / 100]);
      out.add("hundred");
      n %= 100;
    }
    if (n > 0) {
      out.addAll(belowHundred(n));
    }
    return out;
  }

  private static List<String> belowHundred(int n) {
    List<String> out = new ArrayList<>();
    if (n < 20) {
      out.add(SMALL[n]);
    } else {
      out.add(TENS[n / 10]);
      if (n % 10 > 0) {
        out.add(SMALL[n % 10]);
      }
    }
    return out;
  }

  /**
   * A year as spoken: 1984 → nineteen eighty four, 1900 → nineteen hundred, 1905 → nineteen oh
   * five, 2000–2009 → two thousand (nine), 2010 → twenty ten.
   */
  static List<String> year(int y) {
    if (y >= 2000 && y <= 2009 || y % 1000 == 0) {
      return cardinal(y);
    }
    List<String> out = new ArrayList<>(belowHundred(y / 100));
    int rest = y % 100;
    if (rest == 0) {
      out.add("hundred");
    } else if (rest < 10) {
      out.add("oh");
      out.add(SMALL[rest]);
    } else {
      out.addAll(belowHundred(rest));
    }
    return out;
  }

  /** Whether a plain four-digit number is read as a year: 1100–1999 and 2000–2099. */
  static boolean isYear(String digits) {
    if (digits.length() != 4) {
      return false;
    }
    int y = Integer.parseInt(digits);
    return y >= 1100 && y <= 2099;
  }

  /** An ordinal: 1 → first, 22 → twenty second, 100 → one hundredth. */
  static List<String> ordinal(long n) {
    List<String> words = cardinal(n);
    String last = words.get(words.size() - 1);
    words.set(words.size() - 1, ordinalOf(last));
    return words;
  }

  private static String ordinalOf(String w) {
    return switch (w) {
      case "one" -> "first";
      case "two" -> "second";
      case "three" -> "third";
      case "five" -> "fifth";
      case "eight" -> "eighth";
      case "nine" -> "ninth";
      case "twelve" -> "twelfth";
      default -> w.endsWith("y") ? w.substring(0, w.length() - 1) + "ieth" : w + "th";
    };
  }

  /** Each digit as a word: 0 → zero. */
  static List<String> digits(String digits) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < digits.length(); i++) {
      out.add(SMALL[digits.charAt(i) - '0']);
    }
    return out;
  }
}
