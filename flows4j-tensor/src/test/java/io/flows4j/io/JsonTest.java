package io.flows4j.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class JsonTest {

  @Test
  void parsesEveryKindOfValue() {
    Json v =
        Json.parse(
            " {\"a\": [1, -2.5e3, 0, 0.125, 1E+2], \"b\": {\"c\": true, \"d\": false, \"e\": null},"
                + " \"s\": \"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\", \"empty\": {},"
                + " \"none\": []}\n");
    Json.Obj o = (Json.Obj) v;
    assertThat(o.members().keySet()).containsExactly("a", "b", "s", "empty", "none");
    Json.Arr a = o.getArray("a");
    assertThat(a.size()).isEqualTo(5);
    assertThat(((Json.Num) a.get(0)).longValue()).isEqualTo(1);
    assertThat(((Json.Num) a.get(1)).doubleValue()).isEqualTo(-2500.0);
    assertThat(((Json.Num) a.get(1)).longValue()).isEqualTo(-2500);
    assertThat(((Json.Num) a.get(3)).doubleValue()).isEqualTo(0.125);
    assertThat(((Json.Num) a.get(4)).intValue()).isEqualTo(100);
    assertThat(o.getObject("b").getBoolean("c")).isTrue();
    assertThat(o.getObject("b").getBoolean("d")).isFalse();
    assertThat(o.getObject("b").get("e")).isEqualTo(Json.Null.INSTANCE);
    assertThat(o.getString("s")).isEqualTo("q\"\\/\b\f\n\r\t\u00e9\ud83d\ude00");
    assertThat(o.getObject("empty").members()).isEmpty();
    assertThat(o.getArray("none").items()).isEmpty();
  }

  @Test
  void writesAndReadsBackTheSameValue() {
    Map<String, Json> m = new LinkedHashMap<>();
    m.put("name", Json.of("tab\there \"quoted\" \u0001 back\\slash é"));
    m.put("big", Json.of(Long.MAX_VALUE));
    m.put("x", Json.of(0.1));
    m.put("flags", Json.array(List.of(Json.of(true), Json.of(false), Json.Null.INSTANCE)));
    m.put("nested", Json.object(Map.of("k", Json.array(List.of(Json.object(Map.of()))))));
    Json.Obj v = Json.object(m);
    String compact = v.write();
    assertThat(compact).doesNotContain(" \"").startsWith("{\"name\":\"tab\\there");
    assertThat(compact).contains("\\u0001");
    assertThat(Json.parse(compact)).isEqualTo(v);
    assertThat(Json.parse(v.writePretty())).isEqualTo(v);
    assertThat(v.writePretty()).contains("\n  \"big\": 9223372036854775807");
    assertThat(((Json.Obj) Json.parse(compact)).getLong("big")).isEqualTo(Long.MAX_VALUE);
    assertThat(((Json.Obj) Json.parse(compact)).getDouble("x")).isEqualTo(0.1);
  }

  @ParameterizedTest(name = "refuses {0}")
  @ValueSource(
      strings = {
        "",
        "   ",
        "{",
        "[1, 2,]",
        "{\"a\": 1,}",
        "{'a': 1}",
        "{\"a\" 1}",
        "01",
        "1.",
        ".5",
        "-",
        "1e",
        "+1",
        "NaN",
        "Infinity",
        "tru",
        "nul",
        "\"unterminated",
        "\"bad \\x escape\"",
        "\"\\u12G4\"",
        "\"\\ud83d alone\"",
        "\"\\ude00\"",
        "[1] 2",
        "{\"a\": 1, \"a\": 2}",
        "// comment\n1",
        "\"raw\ttab\""
      })
  void refusesInvalidText(String text) {
    assertThatThrownBy(() -> Json.parse(text))
        .isInstanceOf(JsonException.class)
        .hasMessageStartingWith("json: ");
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of(
            "{\"a\" 1}",
            "json: expected ':' after a member name, but found '1' at line 1, column 6"),
        Arguments.of("[1,\n 2,]", "json: expected a value, but found ']' at line 2, column 4"),
        Arguments.of(
            "{\"a\": 1, \"a\": 2}",
            "json: duplicate member name, but found 'a' at line 1, column 10"),
        Arguments.of(
            "[1] 2",
            "json: expected the end of the text after the value, but found '2' at line 1, column"
                + " 5"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void saysWhatWasExpectedAndWhere(String text, String message) {
    assertThatThrownBy(() -> Json.parse(text)).hasMessage(message);
  }

  @Test
  void refusesDeepNesting() {
    String deep = "[".repeat(JsonParser.MAX_DEPTH + 1) + "]".repeat(JsonParser.MAX_DEPTH + 1);
    assertThatThrownBy(() -> Json.parse(deep))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("nesting must be at most 512 deep");
    String ok = "[".repeat(JsonParser.MAX_DEPTH) + "]".repeat(JsonParser.MAX_DEPTH);
    assertThat(Json.parse(ok)).isInstanceOf(Json.Arr.class);
  }

  @Test
  void typedAccessorsSayWhatIsWrong() {
    Json.Obj o = (Json.Obj) Json.parse("{\"n\": 1.5, \"s\": \"x\", \"big\": 1e20}");
    assertThatThrownBy(() -> o.getInt("n"))
        .isInstanceOf(JsonException.class)
        .hasMessage("json: number must be an integer in int range, but was 1.5");
    assertThatThrownBy(() -> o.getLong("big"))
        .hasMessage("json: number must be an integer in long range, but was 1e20");
    assertThatThrownBy(() -> o.getInt("s"))
        .hasMessage("json: member 's' must be a number, but was a string");
    assertThatThrownBy(() -> o.getObject("n"))
        .hasMessage("json: member 'n' must be an object, but was a number");
    assertThatThrownBy(() -> o.get("missing")).hasMessage("json: member 'missing' is missing");
    assertThat(o.has("s")).isTrue();
    assertThatThrownBy(() -> Json.of(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Json.Num("1.0.0")).isInstanceOf(JsonException.class);
  }
}
