package io.flows4j.io;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A JSON value (RFC 8259): an object, array, string, number, boolean or null, with a strict parser
 * and a writer. Objects keep their members in order. Numbers keep their literal text, so integers
 * of any size and decimals round-trip exactly; read them with {@link Num#longValue()}, {@link
 * Num#intValue()} or {@link Num#doubleValue()}.
 *
 * <p>The parser accepts exactly RFC 8259: no comments, trailing commas, single quotes, leading
 * zeros, {@code NaN} or unpaired surrogate escapes; duplicate object keys and nesting deeper than
 * {@value JsonParser#MAX_DEPTH} are refused too. Errors are {@link JsonException}s that say what
 * was expected and where.
 */
public sealed interface Json permits Json.Obj, Json.Arr, Json.Str, Json.Num, Json.Bool, Json.Null {

  /**
   * Parses one JSON text.
   *
   * @throws JsonException if {@code text} is not exactly one valid JSON value (with surrounding
   *     whitespace)
   */
  static Json parse(String text) {
    return new JsonParser(text).parseDocument();
  }

  /** This value as compact JSON text (no whitespace). */
  default String write() {
    StringBuilder sb = new StringBuilder();
    JsonWriter.write(this, sb, -1, 0);
    return sb.toString();
  }

  /** This value as JSON text indented by two spaces per level, for files people read. */
  default String writePretty() {
    StringBuilder sb = new StringBuilder();
    JsonWriter.write(this, sb, 2, 0);
    return sb.toString();
  }

  /** A short name of this value's type for messages: {@code object}, {@code number}, .... */
  String typeName();

  /** A string value. */
  static Str of(String value) {
    return new Str(value);
  }

  /** An integer value. */
  static Num of(long value) {
    return new Num(Long.toString(value));
  }

  /**
   * A number value.
   *
   * @throws IllegalArgumentException if {@code value} is NaN or infinite (JSON has no such numbers)
   */
  static Num of(double value) {
    if (!Double.isFinite(value)) {
      throw new IllegalArgumentException("Json.of: number must be finite, but was " + value);
    }
    return new Num(Double.toString(value));
  }

  /** A boolean value. */
  static Bool of(boolean value) {
    return value ? Bool.TRUE : Bool.FALSE;
  }

  /**
   * An object with members in the given order.
   *
   * @param members member names and values
   */
  static Obj object(Map<String, ? extends Json> members) {
    return new Obj(new LinkedHashMap<>(members));
  }

  /** An array of the given values. */
  static Arr array(List<? extends Json> items) {
    return new Arr(List.copyOf(items));
  }

  /**
   * A JSON object: named members in order.
   *
   * @param members the members; copied, kept in iteration order, unmodifiable
   */
  record Obj(Map<String, Json> members) implements Json {
    /** Copies the members, keeping their order. */
    public Obj {
      Objects.requireNonNull(members, "members");
      LinkedHashMap<String, Json> copy = new LinkedHashMap<>();
      for (Map.Entry<String, Json> e : members.entrySet()) {
        copy.put(
            Objects.requireNonNull(e.getKey(), "member name"),
            Objects.requireNonNull(e.getValue(), "member value"));
      }
      members = Collections.unmodifiableMap(copy);
    }

    @Override
    public String typeName() {
      return "object";
    }

    /** Whether a member of this name exists. */
    public boolean has(String name) {
      return members.containsKey(name);
    }

    /**
     * The member of this name.
     *
     * @throws JsonException if there is none
     */
    public Json get(String name) {
      Json v = members.get(name);
      if (v == null) {
        throw new JsonException("json: member '" + name + "' is missing");
      }
      return v;
    }

    /**
     * The member of this name as a string.
     *
     * @throws JsonException if it is missing or not a string
     */
    public String getString(String name) {
      return expect(name, Str.class).value();
    }

    /**
     * The member of this name as an int.
     *
     * @throws JsonException if it is missing, not a number, or not an integer in int range
     */
    public int getInt(String name) {
      return expect(name, Num.class).intValue();
    }

    /**
     * The member of this name as a long.
     *
     * @throws JsonException if it is missing, not a number, or not an integer in long range
     */
    public long getLong(String name) {
      return expect(name, Num.class).longValue();
    }

    /**
     * The member of this name as a double.
     *
     * @throws JsonException if it is missing or not a number
     */
    public double getDouble(String name) {
      return expect(name, Num.class).doubleValue();
    }

    /**
     * The member of this name as a boolean.
     *
     * @throws JsonException if it is missing or not a boolean
     */
    public boolean getBoolean(String name) {
      return expect(name, Bool.class).value();
    }

    /**
     * The member of this name as an object.
     *
     * @throws JsonException if it is missing or not an object
     */
    public Obj getObject(String name) {
      return expect(name, Obj.class);
    }

    /**
     * The member of this name as an array.
     *
     * @throws JsonException if it is missing or not an array
     */
    public Arr getArray(String name) {
      return expect(name, Arr.class);
    }

    private <T extends Json> T expect(String name, Class<T> type) {
      Json v = get(name);
      if (!type.isInstance(v)) {
        throw new JsonException(
            "json: member '"
                + name
                + "' must be "
                + article(type)
                + ", but was "
                + article(v.typeName()));
      }
      return type.cast(v);
    }
  }

  /**
   * A JSON array.
   *
   * @param items the elements; copied, unmodifiable
   */
  record Arr(List<Json> items) implements Json {
    /** Copies the items. */
    public Arr {
      items = List.copyOf(items);
    }

    @Override
    public String typeName() {
      return "array";
    }

    /** Number of elements. */
    public int size() {
      return items.size();
    }

    /** The element at {@code index}. */
    public Json get(int index) {
      return items.get(index);
    }

    /**
     * The elements as ints.
     *
     * @throws JsonException if an element is not an integer in int range
     */
    public int[] toIntArray() {
      int[] out = new int[items.size()];
      for (int i = 0; i < out.length; i++) {
        if (!(items.get(i) instanceof Num n)) {
          throw new JsonException(
              "json: array element "
                  + i
                  + " must be a number, but was "
                  + article(items.get(i).typeName()));
        }
        out[i] = n.intValue();
      }
      return out;
    }
  }

  /**
   * A JSON string.
   *
   * @param value the text
   */
  record Str(String value) implements Json {
    /** Requires a value. */
    public Str {
      Objects.requireNonNull(value, "value");
    }

    @Override
    public String typeName() {
      return "string";
    }
  }

  /**
   * A JSON number, kept as its literal text so that it converts exactly.
   *
   * @param text the literal, in JSON number syntax
   */
  record Num(String text) implements Json {
    /**
     * Checks the literal.
     *
     * @throws JsonException if {@code text} is not a JSON number literal
     */
    public Num {
      Objects.requireNonNull(text, "text");
      if (!JsonParser.isNumberLiteral(text)) {
        throw new JsonException("json: '" + text + "' is not a JSON number");
      }
    }

    @Override
    public String typeName() {
      return "number";
    }

    /**
     * The value as a long.
     *
     * @throws JsonException if the number has a fractional part or is out of long range
     */
    public long longValue() {
      try {
        return new BigDecimal(text).longValueExact();
      } catch (ArithmeticException e) {
        throw new JsonException("json: number must be an integer in long range, but was " + text);
      }
    }

    /**
     * The value as an int.
     *
     * @throws JsonException if the number has a fractional part or is out of int range
     */
    public int intValue() {
      try {
        return new BigDecimal(text).intValueExact();
      } catch (ArithmeticException e) {
        throw new JsonException("json: number must be an integer in int range, but was " + text);
      }
    }

    /** The nearest double (infinite when the literal exceeds the double range). */
    public double doubleValue() {
      return Double.parseDouble(text);
    }
  }

  /**
   * A JSON boolean.
   *
   * @param value the value
   */
  record Bool(boolean value) implements Json {
    /** {@code true}. */
    public static final Bool TRUE = new Bool(true);

    /** {@code false}. */
    public static final Bool FALSE = new Bool(false);

    @Override
    public String typeName() {
      return "boolean";
    }
  }

  /** JSON {@code null}. */
  record Null() implements Json {
    /** The null value. */
    public static final Null INSTANCE = new Null();

    @Override
    public String typeName() {
      return "null";
    }
  }

  private static String article(Class<? extends Json> type) {
    String name =
        type == Obj.class
            ? "object"
            : type == Arr.class
                ? "array"
                : type == Str.class ? "string" : type == Num.class ? "number" : "boolean";
    return article(name);
  }

  private static String article(String typeName) {
    return (typeName.equals("object") || typeName.equals("array") ? "an " : "a ") + typeName;
  }
}
