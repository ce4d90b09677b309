package io.flows4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DatasetTest {
  /** Rows {@code [i, 10 i, 100 i]}, so every value tells its row and column. */
  private static Dataset table(int n) {
    float[] v = new float[n * 3];
    for (int i = 0; i < n; i++) {
      v[3 * i] = i;
      v[3 * i + 1] = 10 * i;
      v[3 * i + 2] = 100 * i;
    }
    return Dataset.of(List.of("a", "b", "c"), v);
  }

  private static int[] firstColumnAsInts(Dataset d) {
    float[] c = d.column(0);
    int[] r = new int[c.length];
    for (int i = 0; i < c.length; i++) {
      r[i] = (int) c[i];
    }
    return r;
  }

  @Test
  void holdsRowsColumnsAndNames() {
    Dataset d = table(4);
    assertThat(d.rows()).isEqualTo(4);
    assertThat(d.columns()).isEqualTo(3);
    assertThat(d.columnNames()).containsExactly("a", "b", "c");
    assertThat(d.row(2)).containsExactly(2f, 20f, 200f);
    assertThat(d.column(1)).containsExactly(0f, 10f, 20f, 30f);
    assertThat(d.get(3, 2)).isEqualTo(300f);
    assertThat(d.columnIndex("c")).isEqualTo(2);
    assertThat(d).hasToString("Dataset[4 x 3: a, b, c]");
  }

  @Test
  void isImmutable() {
    float[] source = {1f, 2f};
    Dataset d = Dataset.of(List.of("x"), source);
    source[0] = 99f;
    d.row(0)[0] = 98f;
    d.toTensor().fill(97f);
    assertThat(d.get(0, 0)).isEqualTo(1f);
    assertThatThrownBy(() -> d.columnNames().set(0, "y"))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void selectsColumnsByNameOrIndex() {
    Dataset d = table(3);
    Dataset s = d.select("c", "a");
    assertThat(s.columnNames()).containsExactly("c", "a");
    assertThat(s.row(2)).containsExactly(200f, 2f);
    assertThat(d.select(1).column(0)).containsExactly(0f, 10f, 20f);
    assertThatThrownBy(() -> d.select("z"))
        .isInstanceOf(DataFormatException.class)
        .hasMessage("Dataset: no column named 'z'; the columns are a, b, c");
    assertThatThrownBy(() -> d.select(0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Dataset.select: column names must be unique, but 'a' names columns 0 and 1");
  }

  @Test
  void subsetsSlicesAndTensors() {
    Dataset d = table(5).withLabels(new int[] {0, 1, 2, 3, 4});
    Dataset s = d.subset(new int[] {4, 0, 4});
    assertThat(firstColumnAsInts(s)).containsExactly(4, 0, 4);
    assertThat(s.labels()).containsExactly(4, 0, 4);
    assertThat(firstColumnAsInts(d.slice(1, 3))).containsExactly(1, 2);
    Tensor t = d.toTensor();
    assertThat(t.shape().dims()).containsExactly(5, 3);
    assertThat(t.get(4, 1)).isEqualTo(40f);
    Tensor chunk = d.copyRows(2, 4, Tensor.zeros(2, 3));
    assertThat(chunk.toArray()).containsExactly(2f, 20f, 200f, 3f, 30f, 300f);
    assertThatThrownBy(() -> d.copyRows(0, 2, Tensor.zeros(2, 2)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("Dataset.copyRows: output must hold 2 rows of 3 values, but was [2, 2]");
  }

  @Test
  void fromTensorFlattensRows() {
    Tensor images = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 1, 2, 2);
    Dataset d = Dataset.fromTensor(images);
    assertThat(d.columns()).isEqualTo(4);
    assertThat(d.columnNames()).containsExactly("x0", "x1", "x2", "x3");
    assertThat(d.row(1)).containsExactly(5f, 6f, 7f, 8f);
  }

  @Test
  void refusesNonFiniteValuesAndBadNames() {
    assertThatThrownBy(() -> Dataset.of(List.of("x0", "x1"), new float[] {1f, 2f, 3f, Float.NaN}))
        .isInstanceOf(DataFormatException.class)
        .hasMessage("Dataset.of: row 1, column x1: value NaN is not a finite number");
    assertThatThrownBy(() -> Dataset.of(List.of("x0", "x1"), new float[] {1f, 2f, 3f}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Dataset.of: the number of values must be a multiple of the 2 columns, but was 3");
    assertThatThrownBy(() -> Dataset.of(List.of("x", "x"), new float[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Dataset.of: column names must be unique, but 'x' names columns 0 and 1");
    assertThatThrownBy(() -> Dataset.of(new float[][] {{1f, 2f}, {3f}}))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("Dataset.of: every row must have 2 values (x0, x1), but row 1 has 1");
  }

  @Test
  @DisplayName("split is a deterministic partition for seed 5 and differs for seed 6")
  void splitIsDeterministic() {
    Dataset d = table(1000).withLabels(IntStream.range(0, 1000).toArray());
    Dataset.Split a = d.split(0.2, 5);
    Dataset.Split b = d.split(0.2, 5);
    Dataset.Split c = d.split(0.2, 6);
    assertThat(a.validation().rows()).isEqualTo(200);
    assertThat(a.train().rows()).isEqualTo(800);
    assertThat(a.validation().labels()).isEqualTo(b.validation().labels());
    assertThat(a.validation().labels()).isNotEqualTo(c.validation().labels());
    int[] all =
        IntStream.concat(
                Arrays.stream(firstColumnAsInts(a.train())),
                Arrays.stream(firstColumnAsInts(a.validation())))
            .sorted()
            .toArray();
    assertThat(all).isEqualTo(IntStream.range(0, 1000).toArray());
    assertThat(firstColumnAsInts(a.validation())).isSorted();
    assertThat(a.validation().labels()).isEqualTo(firstColumnAsInts(a.validation()));
    // A random split, not the first or last rows: the validation rows spread over the file.
    assertThat(firstColumnAsInts(a.validation())[0]).isLessThan(50);
    assertThat(firstColumnAsInts(a.validation())[199]).isGreaterThan(950);
  }

  @Test
  void splitRefusesEmptyParts() {
    assertThatThrownBy(() -> table(10).split(0.01, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Dataset.split: a validation fraction of 0.01 of 10 rows leaves 0 rows for validation"
                + " and 10 for training; both must have at least one");
    assertThatThrownBy(() -> table(10).split(1.0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Dataset.split: the validation fraction must be in (0, 1), but was 1.0");
  }

  @Test
  void concatAppendsRows() {
    Dataset d = table(2).concat(table(3));
    assertThat(d.rows()).isEqualTo(5);
    assertThat(firstColumnAsInts(d)).containsExactly(0, 1, 0, 1, 2);
    assertThatThrownBy(() -> table(2).concat(table(2).select("a", "b")))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("Dataset.concat: columns must be the same, but were (a, b, c) and (a, b)");
    assertThatThrownBy(() -> table(2).concat(table(2).withLabels(new int[2])))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("Dataset.concat: either every dataset has labels or none has");
  }

  @Test
  void labelsAreOptional() {
    Dataset d = table(2);
    assertThat(d.hasLabels()).isFalse();
    assertThatThrownBy(d::labels)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Dataset: this dataset has no labels");
    assertThatThrownBy(() -> d.withLabels(new int[3]))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("Dataset.withLabels: there must be one label per row (2), but there are 3");
    assertThat(d.withLabels(new int[] {5, 6}).label(1)).isEqualTo(6);
  }
}
