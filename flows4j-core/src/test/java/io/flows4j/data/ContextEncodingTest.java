package io.flows4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encoding raw context columns: standardized numbers, one-hot labels, their errors. */
class ContextEncodingTest {
  private static Map<String, String[]> raw() {
    Map<String, String[]> m = new LinkedHashMap<>();
    m.put("label", new String[] {"dog", "cat", "dog", "bird"});
    m.put("t", new String[] {"1", "2", "3", "6"});
    m.put("k", new String[] {"1", "2", "1", "2"});
    return m;
  }

  @Test
  @DisplayName("numbers are standardized, labels one-hot in order of first appearance")
  void fitAndEncode() {
    ContextEncoding e = ContextEncoding.fit(raw(), Set.of("k"));
    assertThat(e.columnNames()).containsExactly("label", "t", "k");
    assertThat(e.columns().get(0).labels()).containsExactly("dog", "cat", "bird");
    assertThat(e.columns().get(1).categorical()).isFalse();
    assertThat(e.columns().get(2).labels()).containsExactly("1", "2");
    assertThat(e.features()).isEqualTo(3 + 1 + 2);
    assertThat(e.featureNames())
        .containsExactly("label=dog", "label=cat", "label=bird", "t", "k=1", "k=2");
    float[][] f = e.encode(raw());
    // mean 3, population std sqrt(((-2)^2 + 1 + 0 + 9) / 4) = sqrt(3.5)
    assertThat((double) f[3][3]).isCloseTo(3 / Math.sqrt(3.5), within(1e-6));
    assertThat(f[1]).containsExactly(0f, 1f, 0f, (float) (-1 / Math.sqrt(3.5)), 0f, 1f);
  }

  @Test
  @DisplayName("the JSON description rebuilds the same encoding")
  void json() {
    ContextEncoding e = ContextEncoding.fit(raw(), Set.of());
    ContextEncoding back = ContextEncoding.fromJson((Json.Obj) Json.parse(e.toJson().write()));
    assertThat(back.describe()).isEqualTo(e.describe());
    assertThat(back.encode(raw())).isDeepEqualTo(e.encode(raw()));
  }

  @Test
  @DisplayName("unknown labels, non-numbers and missing columns name what was expected")
  void errors() {
    ContextEncoding e = ContextEncoding.fit(raw(), Set.of());
    Map<String, String[]> bad = raw();
    bad.put("label", new String[] {"dog", "cow", "dog", "cat"});
    assertThatThrownBy(() -> e.encode(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "context: unknown label 'cow' in column label (row 2); known labels: dog, cat,"
                + " bird");
    assertThatThrownBy(() -> e.encode(e.parsePairs("label=cat,t=x,k=1")))
        .hasMessageContaining("column t must be a number, but was 'x'");
    assertThatThrownBy(() -> e.parsePairs("label=cat"))
        .hasMessageContaining(
            "column t is missing; the model is conditional on label (labels dog,"
                + " cat, bird), t (numeric), k (numeric)");
    assertThatThrownBy(() -> e.parsePairs("label=cat,t=1,k=1,colour=red"))
        .hasMessageContaining("unknown column colour");
    assertThatThrownBy(() -> e.parsePairs("cat")).hasMessageContaining("must be name=value pairs");
  }

  @Test
  @DisplayName("text columns are read from a CSV file by name")
  void readColumns(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("c.csv");
    Files.writeString(f, "x,label,t\n1.5,dog,3\n# comment\n2.5,\"cat\",4\n");
    Map<String, String[]> m = ContextEncoding.readColumns(f, List.of("t", "label"));
    assertThat(m.keySet()).containsExactly("t", "label");
    assertThat(m.get("label")).containsExactly("dog", "cat");
    assertThatThrownBy(() -> ContextEncoding.readColumns(f, List.of("size")))
        .isInstanceOf(DataFormatException.class)
        .hasMessageContaining("has no column size (its header is x, label, t)");
  }
}
