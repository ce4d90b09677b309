package io.flows4j.data;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Parses decimal numbers from ASCII bytes to the nearest float32, without creating strings.
 *
 * <p>Accepted syntax: an optional sign, digits with an optional decimal point (at least one digit),
 * an optional exponent {@code e}/{@code E} with optional sign and digits. Nothing else: no
 * hexadecimal, no {@code f}/{@code d} suffix, no surrounding spaces (the caller trims).
 *
 * <p>The result is the correctly rounded float (the same as {@link Float#parseFloat}), so that
 * values written by {@link Float#toString} read back exactly. Most inputs take one of two exact
 * fast paths (Clinger 1990, "How to read floating point numbers accurately", PLDI): with a decimal
 * mantissa {@code m} and exponent {@code e},
 *
 * <ul>
 *   <li>{@code m < 2^24, |e| <= 10}: {@code m} and {@code 10^|e|} are exact floats, so one float
 *       multiplication or division rounds once, correctly;
 *   <li>{@code m < 2^53, |e| <= 22}: the same in double gives the correctly rounded double {@code
 *       d}; rounding {@code d} to float is then correct unless {@code d} lies exactly halfway
 *       between two floats (double rounding), which is detected and sent to the slow path.
 * </ul>
 *
 * Everything else (more than 18 significant digits, large exponents, subnormal results) goes to
 * {@link Float#parseFloat} after the syntax has been checked here.
 */
final class DecimalParser {
  private static final int MAX_DIGITS = 18;
  private static final float[] FLOAT_POW10 = {
    1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f
  };
  private static final double[] DOUBLE_POW10 = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };

  /** Bits of a double's fraction below a float's 23 fraction bits. */
  private static final int EXTRA_BITS = 52 - 23;

  private static final long EXTRA_MASK = (1L << EXTRA_BITS) - 1;
  private static final long HALFWAY = 1L << (EXTRA_BITS - 1);

  /** Spellings of NaN and infinity, lower case, that are numbers but not finite ones. */
  private static final Set<String> NON_FINITE =
      Set.of("nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity");

  /** Markers that other tools write for a missing value (R, pandas, SQL exports). */
  private static final Set<String> MISSING = Set.of("na", "n/a", "null", "none", "?");

  /** What is wrong with a field that did not parse to a finite float. */
  enum Problem {
    EMPTY,
    MISSING,
    NOT_FINITE,
    OUT_OF_RANGE,
    NOT_A_NUMBER
  }

  private DecimalParser() {}

  /**
   * Parses {@code b[from, to)}.
   *
   * @return the nearest float; {@code NaN} if the text is not a decimal number, {@code ±Infinity}
   *     if it is one whose magnitude rounds beyond {@link Float#MAX_VALUE}
   */
  static float parse(byte[] b, int from, int to) {
    int i = from;
    if (i >= to) {
      return Float.NaN;
    }
    boolean negative = false;
    byte c = b[i];
    if (c == '-' || c == '+') {
      negative = c == '-';
      i++;
    }
    long mantissa = 0;
    int significant = 0;
    int exponent = 0;
    boolean anyDigit = false;
    boolean inexact = false;
    for (; i < to; i++) {
      int d = b[i] - '0';
      if (d < 0 || d > 9) {
        break;
      }
      anyDigit = true;
      if (significant < MAX_DIGITS) {
        mantissa = mantissa * 10 + d;
        if (mantissa != 0) {
          significant++;
        }
      } else {
        exponent++;
        inexact |= d != 0;
      }
    }
    if (i < to && b[i] == '.') {
      for (i++; i < to; i++) {
        int d = b[i] - '0';
        if (d < 0 || d > 9) {
          break;
        }
        anyDigit = true;
        if (significant < MAX_DIGITS) {
          mantissa = mantissa * 10 + d;
          if (mantissa != 0) {
            significant++;
          }
          exponent--;
        } else {
          inexact |= d != 0;
        }
      }
    }
    if (!anyDigit) {
      return Float.NaN;
    }
    if (i < to && (b[i] == 'e' || b[i] == 'E')) {
      i++;
      boolean negativeExponent = false;
      if (i < to && (b[i] == '-' || b[i] == '+')) {
        negativeExponent = b[i] == '-';
        i++;
      }
      int e = 0;
      boolean exponentDigit = false;
      for (; i < to; i++) {
        int d = b[i] - '0';
        if (d < 0 || d > 9) {
          break;
        }
        exponentDigit = true;
        if (e < 1_000_000) {
          e = e * 10 + d; // large exponents saturate: the value is 0 or infinite anyway
        }
      }
      if (!exponentDigit) {
        return Float.NaN;
      }
      exponent += negativeExponent ? -e : e;
    }
    if (i != to) {
      return Float.NaN;
    }
    float value;
    if (mantissa == 0) {
      value = 0f;
    } else if (!inexact && mantissa < (1L << 24) && exponent >= -10 && exponent <= 10) {
      float m = mantissa;
      value = exponent >= 0 ? m * FLOAT_POW10[exponent] : m / FLOAT_POW10[-exponent];
    } else if (!inexact && mantissa < (1L << 53) && exponent >= -22 && exponent <= 22) {
      double m = mantissa;
      double d = exponent >= 0 ? m * DOUBLE_POW10[exponent] : m / DOUBLE_POW10[-exponent];
      if (d >= Float.MIN_NORMAL
          && d <= Float.MAX_VALUE
          && (Double.doubleToRawLongBits(d) & EXTRA_MASK) != HALFWAY) {
        value = (float) d;
      } else {
        return slow(b, from, to);
      }
    } else {
      return slow(b, from, to);
    }
    return negative ? -value : value;
  }

  /** The value by the JDK's correctly rounded parser; the syntax is already known to be good. */
  private static float slow(byte[] b, int from, int to) {
    return Float.parseFloat(new String(b, from, to - from, StandardCharsets.ISO_8859_1));
  }

  /** Parses a string with {@link #parse(byte[], int, int)}. */
  static float parse(String text) {
    byte[] b = text.getBytes(StandardCharsets.ISO_8859_1);
    return parse(b, 0, b.length);
  }

  /**
   * True if the text is a number in the wide sense: decimal syntax (finite or not), a spelling of
   * NaN or infinity, or a missing-value marker. Used to tell a header line from a data line.
   */
  static boolean looksNumeric(String text) {
    if (text.isEmpty() || !Float.isNaN(parse(text))) {
      return true;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    return NON_FINITE.contains(lower) || MISSING.contains(lower);
  }

  /** Says why a trimmed field is not a finite float. */
  static Problem classify(String text) {
    if (text.isEmpty()) {
      return Problem.EMPTY;
    }
    String lower = text.toLowerCase(Locale.ROOT);
    if (MISSING.contains(lower)) {
      return Problem.MISSING;
    }
    if (NON_FINITE.contains(lower)) {
      return Problem.NOT_FINITE;
    }
    float v = parse(text);
    if (Float.isInfinite(v)) {
      return Problem.OUT_OF_RANGE;
    }
    return Problem.NOT_A_NUMBER;
  }
}
