package io.flows4j.io;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes {@link Json} values as text, compact or indented. */
final class JsonWriter {
  private JsonWriter() {}

  /**
   * Appends {@code v} to {@code sb}.
   *
   * @param indent spaces per level, or negative for compact output
   * @param level the current nesting level
   */
  static void write(Json v, StringBuilder sb, int indent, int level) {
    switch (v) {
      case Json.Obj o -> writeObject(o.members(), sb, indent, level);
      case Json.Arr a -> writeArray(a.items(), sb, indent, level);
      case Json.Str s -> quote(s.value(), sb);
      case Json.Num n -> sb.append(n.text());
      case Json.Bool b -> sb.append(b.value());
      case Json.Null n -> sb.append("null");
    }
  }

  private static void writeObject(Map<String, Json> m, StringBuilder sb, int indent, int level) {
    if (m.isEmpty()) {
      sb.append("{}");
      return;
    }
    sb.append('{');
    Iterator<Map.Entry<String, Json>> it = m.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Json> e = it.next();
      newline(sb, indent, level + 1);
      quote(e.getKey(), sb);
      sb.append(indent < 0 ? ":" : ": ");
      write(e.getValue(), sb, indent, level + 1);
      if (it.hasNext()) {
        sb.append(',');
      }
    }
    newline(sb, indent, level);
    sb.append('}');
  }

  private static void writeArray(List<Json> items, StringBuilder sb, int indent, int level) {
    if (items.isEmpty()) {
      sb.append("[]");
      return;
    }
    // Arrays of scalars (shapes, offsets) stay on one line even when indenting.
    boolean flat =
        indent < 0 || items.stream().noneMatch(i -> i instanceof Json.Obj || i instanceof Json.Arr);
    sb.append('[');
    for (int i = 0; i < items.size(); i++) {
      if (flat) {
        if (i > 0) {
          sb.append(indent < 0 ? "," : ", ");
        }
      } else {
        if (i > 0) {
          sb.append(',');
        }
        newline(sb, indent, level + 1);
      }
      write(items.get(i), sb, indent, level + 1);
    }
    if (!flat) {
      newline(sb, indent, level);
    }
    sb.append(']');
  }

  private static void newline(StringBuilder sb, int indent, int level) {
    if (indent >= 0) {
      sb.append('\n').append(" ".repeat(indent * level));
    }
  }

  /** Appends {@code s} as a JSON string literal, escaping quotes, backslashes and controls. */
  static void quote(String s, StringBuilder sb) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
