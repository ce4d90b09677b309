package io.flows4j.data;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DecimalParserTest {
  private static final int CASES = 100_000;

  /** Our parse must equal the JDK's correctly rounded parse, bit for bit. */
  private static void assertSameAsJdk(String s) {
    float expected = Float.parseFloat(s);
    float actual = DecimalParser.parse(s);
    assertThat(Float.floatToRawIntBits(actual))
        .as("parse(%s) = %s, JDK %s", s, actual, expected)
        .isEqualTo(Float.floatToRawIntBits(expected));
  }

  @Test
  @DisplayName("Float.toString of random bit patterns reads back exactly (seed 11)")
  void shortestReprRoundTrips() {
    SplittableRandom r = new SplittableRandom(11);
    for (int i = 0; i < CASES; i++) {
      float f = Float.intBitsToFloat(r.nextInt());
      if (!Float.isFinite(f)) {
        continue;
      }
      String s = Float.toString(f);
      assertThat(DecimalParser.parse(s)).as(s).isEqualTo(f);
    }
  }

  @Test
  @DisplayName("%.6g, %.9g, %.17g and Double.toString agree with the JDK (seed 12)")
  void formattedDecimalsAgreeWithJdk() {
    SplittableRandom r = new SplittableRandom(12);
    for (int i = 0; i < CASES; i++) {
      double x = (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-45, 39));
      assertSameAsJdk(String.format(Locale.ROOT, "%.6g", x));
      assertSameAsJdk(String.format(Locale.ROOT, "%.9g", x));
      assertSameAsJdk(String.format(Locale.ROOT, "%.17g", x));
      assertSameAsJdk(Double.toString(x));
    }
  }

  @Test
  @DisplayName("random digit strings with random exponents agree with the JDK (seed 13)")
  void randomDigitStringsAgreeWithJdk() {
    SplittableRandom r = new SplittableRandom(13);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < CASES; i++) {
      sb.setLength(0);
      if (r.nextBoolean()) {
        sb.append('-');
      }
      int intDigits = r.nextInt(0, 12);
      for (int k = 0; k < intDigits; k++) {
        sb.append((char) ('0' + r.nextInt(10)));
      }
      int fracDigits = r.nextInt(intDigits == 0 ? 1 : 0, 25);
      if (fracDigits > 0 || r.nextBoolean()) {
        sb.append('.');
      }
      for (int k = 0; k < fracDigits; k++) {
        sb.append((char) ('0' + r.nextInt(10)));
      }
      if (r.nextBoolean()) {
        sb.append(r.nextBoolean() ? 'e' : 'E').append(r.nextInt(-50, 45));
      }
      assertSameAsJdk(sb.toString());
    }
  }

  @Test
  @DisplayName("decimals whose nearest double is a float midpoint round like the JDK (seed 14)")
  void doubleRoundingCasesAreExact() {
    // A float midpoint M = (f + next(f)) / 2 is a double. A 16-digit decimal within half a double
    // ulp of M (but not equal to M) parses to the double M, and rounding M to float would round to
    // even instead of towards the decimal: the parser must notice and round correctly.
    SplittableRandom r = new SplittableRandom(14);
    int found = 0;
    for (int i = 0; i < 200_000 && found < 500; i++) {
      float f = 1f + r.nextInt(1 << 23) * 0x1p-23f;
      BigDecimal mid =
          new BigDecimal(f).add(new BigDecimal(Math.nextUp(f))).divide(BigDecimal.valueOf(2));
      BigDecimal dec = mid.setScale(15, RoundingMode.HALF_EVEN);
      double d = dec.doubleValue();
      if (dec.compareTo(mid) == 0 || d != mid.doubleValue()) {
        continue;
      }
      found++;
      assertSameAsJdk(dec.toPlainString());
    }
    assertThat(found).as("midpoint cases found").isGreaterThan(100);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "0",
        "-0",
        "+0",
        "0.0",
        ".5",
        "5.",
        "-.5e-3",
        "1e0",
        "1E+10",
        "007",
        "3.4028235e38",
        "3.4028236e38",
        "1.4e-45",
        "7e-46",
        "1e-50",
        "123456789012345678901234567890",
        "0.000000000000000000000000000000000000000000001",
        "16777217",
        "9007199254740993",
        "1.00000005960464477539062500000000001"
      })
  void edgeCasesAgreeWithJdk(String s) {
    assertSameAsJdk(s);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "-",
        "+",
        ".",
        "-.",
        "e5",
        "1e",
        "1e+",
        "1e-",
        "0x10",
        "1.5f",
        "1d",
        "1,5",
        " 1",
        "1 ",
        "++1",
        "--1",
        "1.2.3",
        "1e5.5",
        "NaN",
        "Infinity",
        "inf",
        "abc",
        "1_000",
        "١"
      })
  void nonDecimalsGiveNaN(String s) {
    assertThat(DecimalParser.parse(s)).isNaN();
  }

  @Test
  void overflowGivesInfinityWithTheSign() {
    assertThat(DecimalParser.parse("1e39")).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(DecimalParser.parse("-4e38")).isEqualTo(Float.NEGATIVE_INFINITY);
    assertThat(DecimalParser.parse("1e999999999")).isEqualTo(Float.POSITIVE_INFINITY);
    assertThat(DecimalParser.parse("1e-999999999")).isEqualTo(0f);
  }

  @Test
  void classifiesWhatIsWrong() {
    assertThat(DecimalParser.classify("")).isEqualTo(DecimalParser.Problem.EMPTY);
    assertThat(DecimalParser.classify("NA")).isEqualTo(DecimalParser.Problem.MISSING);
    assertThat(DecimalParser.classify("null")).isEqualTo(DecimalParser.Problem.MISSING);
    assertThat(DecimalParser.classify("NaN")).isEqualTo(DecimalParser.Problem.NOT_FINITE);
    assertThat(DecimalParser.classify("-Infinity")).isEqualTo(DecimalParser.Problem.NOT_FINITE);
    assertThat(DecimalParser.classify("1e39")).isEqualTo(DecimalParser.Problem.OUT_OF_RANGE);
    assertThat(DecimalParser.classify("x0")).isEqualTo(DecimalParser.Problem.NOT_A_NUMBER);
  }

  @Test
  void numericLooksIncludeNonFiniteAndMissingMarkers() {
    assertThat(DecimalParser.looksNumeric("1.5")).isTrue();
    assertThat(DecimalParser.looksNumeric("nan")).isTrue();
    assertThat(DecimalParser.looksNumeric("NA")).isTrue();
    assertThat(DecimalParser.looksNumeric("")).isTrue();
    assertThat(DecimalParser.looksNumeric("x0")).isFalse();
    assertThat(DecimalParser.looksNumeric("e")).isFalse();
  }
}
