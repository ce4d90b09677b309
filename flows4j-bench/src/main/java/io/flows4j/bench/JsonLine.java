package io.flows4j.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One flat JSON object printed on a single line, the output format of every benchmark case: keys in
 * insertion order, values strings, whole numbers, finite doubles ({@code null} otherwise) or
 * booleans.
 */
public final class JsonLine {
  private final Map<String, String> fields = new LinkedHashMap<>();

  /** Adds a string field (escaped). */
  public JsonLine put(String key, String value) {
    fields.put(key, value == null ? "null" : quote(value));
    return this;
  }

  /** Adds a whole-number field. */
  public JsonLine put(String key, long value) {
    fields.put(key, Long.toString(value));
    return this;
  }

  /**
   * Adds a number field with 6 significant digits; NaN and infinities, which JSON cannot hold,
   * become {@code null}.
   */
  public JsonLine put(String key, double value) {
    fields.put(key, Double.isFinite(value) ? formatNumber(value) : "null");
    return this;
  }

  /** Adds a boolean field. */
  public JsonLine put(String key, boolean value) {
    fields.put(key, Boolean.toString(value));
    return this;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, String> e : fields.entrySet()) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append(quote(e.getKey())).append(':').append(e.getValue());
    }
    return sb.append('}').toString();
  }

  private static String formatNumber(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    // %g may print "1.00000e-05"; strip trailing zeros of the mantissa for readability.
    String s = String.format(Locale.ROOT, "%.6g", v);
    int e = s.indexOf('e');
    String mantissa = e < 0 ? s : s.substring(0, e);
    String exponent = e < 0 ? "" : s.substring(e);
    if (mantissa.contains(".")) {
      mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
    }
    return mantissa + exponent;
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
