package io.flows4j.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A strict recursive-descent parser for RFC 8259 JSON. */
final class JsonParser {
  /** Deepest nesting of arrays and objects accepted, so hostile input cannot blow the stack. */
  static final int MAX_DEPTH = 512;

  private final String s;
  private int pos;
  private int depth;

  JsonParser(String text) {
    this.s = text;
  }

  Json parseDocument() {
    skipWhitespace();
    Json v = parseValue();
    skipWhitespace();
    if (pos < s.length()) {
      throw error("expected the end of the text after the value", describeHere());
    }
    return v;
  }

  /** Whether {@code t} is exactly one JSON number literal. */
  static boolean isNumberLiteral(String t) {
    int i = 0;
    int n = t.length();
    if (i < n && t.charAt(i) == '-') {
      i++;
    }
    if (i >= n) {
      return false;
    }
    if (t.charAt(i) == '0') {
      i++;
    } else if (isDigit19(t.charAt(i))) {
      while (i < n && isDigit(t.charAt(i))) {
        i++;
      }
    } else {
      return false;
    }
    if (i < n && t.charAt(i) == '.') {
      i++;
      int start = i;
      while (i < n && isDigit(t.charAt(i))) {
        i++;
      }
      if (i == start) {
        return false;
      }
    }
    if (i < n && (t.charAt(i) == 'e' || t.charAt(i) == 'E')) {
      i++;
      if (i < n && (t.charAt(i) == '+' || t.charAt(i) == '-')) {
        i++;
      }
      int start = i;
      while (i < n && isDigit(t.charAt(i))) {
        i++;
      }
      if (i == start) {
        return false;
      }
    }
    return i == n;
  }

  private Json parseValue() {
    if (pos >= s.length()) {
      throw error("expected a value", "the end of the text");
    }
    char c = s.charAt(pos);
    return switch (c) {
      case '{' -> parseObject();
      case '[' -> parseArray();
      case '"' -> new Json.Str(parseString());
      case 't' -> literal("true", Json.Bool.TRUE);
      case 'f' -> literal("false", Json.Bool.FALSE);
      case 'n' -> literal("null", Json.Null.INSTANCE);
      default -> {
        if (c == '-' || isDigit(c)) {
          yield parseNumber();
        }
        throw error("expected a value", describeHere());
      }
    };
  }

  private Json literal(String word, Json value) {
    if (!s.startsWith(word, pos)) {
      throw error("expected '" + word + "'", describeHere());
    }
    pos += word.length();
    return value;
  }

  private Json parseObject() {
    enter();
    pos++;
    Map<String, Json> members = new LinkedHashMap<>();
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      depth--;
      return new Json.Obj(members);
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw error("expected a member name in double quotes", describeHere());
      }
      int keyPos = pos;
      String key = parseString();
      if (members.containsKey(key)) {
        pos = keyPos;
        throw error("duplicate member name", "'" + key + "'");
      }
      skipWhitespace();
      if (peek() != ':') {
        throw error("expected ':' after a member name", describeHere());
      }
      pos++;
      skipWhitespace();
      members.put(key, parseValue());
      skipWhitespace();
      char c = peek();
      if (c == ',') {
        pos++;
      } else if (c == '}') {
        pos++;
        depth--;
        return new Json.Obj(members);
      } else {
        throw error("expected ',' or '}' in an object", describeHere());
      }
    }
  }

  private Json parseArray() {
    enter();
    pos++;
    List<Json> items = new ArrayList<>();
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      depth--;
      return new Json.Arr(items);
    }
    while (true) {
      skipWhitespace();
      items.add(parseValue());
      skipWhitespace();
      char c = peek();
      if (c == ',') {
        pos++;
      } else if (c == ']') {
        pos++;
        depth--;
        return new Json.Arr(items);
      } else {
        throw error("expected ',' or ']' in an array", describeHere());
      }
    }
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw error("nesting must be at most " + MAX_DEPTH + " deep", "deeper nesting");
    }
  }

  private String parseString() {
    pos++;
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= s.length()) {
        throw error("expected a closing '\"'", "the end of the text");
      }
      char c = s.charAt(pos);
      if (c == '"') {
        pos++;
        return sb.toString();
      }
      if (c < 0x20) {
        throw error("control characters in strings must be escaped", describeHere());
      }
      if (c != '\\') {
        sb.append(c);
        pos++;
        continue;
      }
      pos++;
      if (pos >= s.length()) {
        throw error("expected an escape character after '\\'", "the end of the text");
      }
      char e = s.charAt(pos);
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          char u = hex4(pos + 1);
          pos += 4;
          if (Character.isHighSurrogate(u)) {
            if (!s.startsWith("\\u", pos + 1)) {
              throw error(
                  "expected a low surrogate escape after " + escape(u), describeAt(pos + 1));
            }
            char low = hex4(pos + 3);
            if (!Character.isLowSurrogate(low)) {
              throw error("expected a low surrogate escape after " + escape(u), escape(low));
            }
            sb.append(u).append(low);
            pos += 6;
          } else if (Character.isLowSurrogate(u)) {
            throw error("a low surrogate escape must follow a high one", escape(u));
          } else {
            sb.append(u);
          }
        }
        default -> throw error("expected a valid escape character after '\\'", describeHere());
      }
      pos++;
    }
  }

  private char hex4(int at) {
    if (at + 4 > s.length()) {
      throw error("expected four hex digits after '\\u'", "the end of the text");
    }
    int v = 0;
    for (int i = at; i < at + 4; i++) {
      int d = Character.digit(s.charAt(i), 16);
      if (d < 0) {
        throw error("expected four hex digits after '\\u'", describeAt(i));
      }
      v = v * 16 + d;
    }
    return (char) v;
  }

  private Json parseNumber() {
    int start = pos;
    while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) {
      pos++;
    }
    String t = s.substring(start, pos);
    if (!isNumberLiteral(t)) {
      pos = start;
      throw error("expected a number", "'" + t + "'");
    }
    return new Json.Num(t);
  }

  private void skipWhitespace() {
    while (pos < s.length()) {
      char c = s.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        pos++;
      } else {
        return;
      }
    }
  }

  private char peek() {
    if (pos >= s.length()) {
      throw error("expected more JSON", "the end of the text");
    }
    return s.charAt(pos);
  }

  private String describeHere() {
    return describeAt(pos);
  }

  private String describeAt(int at) {
    if (at >= s.length()) {
      return "the end of the text";
    }
    char c = s.charAt(at);
    return c < 0x20 || c > 0x7e ? escape(c) : "'" + c + "'";
  }

  private static String escape(char c) {
    return String.format(Locale.ROOT, "U+%04X", (int) c);
  }

  private JsonException error(String expected, String found) {
    int line = 1;
    int col = 1;
    for (int i = 0; i < Math.min(pos, s.length()); i++) {
      if (s.charAt(i) == '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
    }
    return new JsonException(
        "json: " + expected + ", but found " + found + " at line " + line + ", column " + col);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isDigit19(char c) {
    return c >= '1' && c <= '9';
  }
}
