package io.flows4j.data;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * An immutable numeric table: {@code N} rows by {@code D} float32 columns, stored row-major, with a
 * name for every column and optionally an integer label for every row (the class of an IDX image,
 * for instance).
 *
 * <p>Every value is finite: the public factories refuse NaN and infinities, and the readers refuse
 * them with the line and column where they appear. No method changes a dataset; {@link #select},
 * {@link #subset}, {@link #split} and {@link #concat} return new ones, and {@link #toTensor()}
 * returns a copy. Batches for training are drawn with {@link MinibatchSampler}, which copies rows
 * into a reused buffer.
 */
public final class Dataset {
  private final float[] values;
  private final int rows;
  private final int columns;
  private final List<String> names;
  private final int[] labels;

  /** Trusted constructor: takes ownership of the arrays; the caller has validated them. */
  Dataset(float[] values, int rows, List<String> names, int[] labels) {
    this.values = values;
    this.rows = rows;
    this.columns = names.size();
    this.names = names;
    this.labels = labels;
  }

  /**
   * A dataset holding a copy of {@code values}, a row-major {@code [N, D]} table with {@code D =
   * columnNames.size()}.
   *
   * @throws IllegalArgumentException if there are no columns, the names are blank or repeated, or
   *     the length of {@code values} is not a multiple of {@code D}
   * @throws DataFormatException if a value is NaN or infinite (naming its row and column)
   */
  public static Dataset of(List<String> columnNames, float[] values) {
    List<String> names = checkNames("Dataset.of", columnNames);
    int d = names.size();
    Checks.requireArgument(
        values.length % d == 0,
        "Dataset.of: the number of values must be a multiple of the %d columns, but was %d",
        d,
        values.length);
    float[] copy = values.clone();
    requireFinite("Dataset.of", copy, names);
    return new Dataset(copy, copy.length / d, names, null);
  }

  /**
   * A dataset holding a copy of a rectangular matrix, one array per row, with the given names.
   *
   * @throws IllegalArgumentException if there are no columns or the names are invalid
   * @throws ShapeMismatchException if a row's length differs from the number of names
   * @throws DataFormatException if a value is NaN or infinite
   */
  public static Dataset of(List<String> columnNames, float[][] rowArrays) {
    List<String> names = checkNames("Dataset.of", columnNames);
    int d = names.size();
    float[] v = new float[Math.multiplyExact(rowArrays.length, d)];
    for (int i = 0; i < rowArrays.length; i++) {
      Checks.requireShape(
          rowArrays[i].length == d,
          "Dataset.of: every row must have %d values (%s), but row %d has %d",
          d,
          Names.describe(names),
          i,
          rowArrays[i].length);
      System.arraycopy(rowArrays[i], 0, v, i * d, d);
    }
    requireFinite("Dataset.of", v, names);
    return new Dataset(v, rowArrays.length, names, null);
  }

  /**
   * A dataset holding a copy of a rectangular matrix, with the default names {@code x0, x1, ...}.
   *
   * @throws IllegalArgumentException if the matrix has no rows or no columns
   * @throws ShapeMismatchException if the rows differ in length
   * @throws DataFormatException if a value is NaN or infinite
   */
  public static Dataset of(float[][] rowArrays) {
    Checks.requireArgument(
        rowArrays.length > 0, "Dataset.of: the matrix must have rows to name its columns");
    return of(Names.defaults(rowArrays[0].length), rowArrays);
  }

  /**
   * A dataset holding a copy of a tensor's batch rows: {@code x} of shape {@code [N, D]}, or of any
   * rank, each batch row flattened to {@code D} values (an image {@code [N, C, H, W]} becomes
   * {@code D = C H W} columns).
   *
   * @throws IllegalArgumentException if the names are invalid
   * @throws ShapeMismatchException if {@code columnNames.size()} is not the row size of {@code x}
   * @throws DataFormatException if a value is NaN or infinite
   */
  public static Dataset fromTensor(Tensor x, List<String> columnNames) {
    List<String> names = checkNames("Dataset.fromTensor", columnNames);
    Checks.requireShape(
        x.rank() >= 2 && x.shape().rowSize() == names.size(),
        "Dataset.fromTensor: a tensor of shape %s does not have %d columns per row (%s)",
        x.shape(),
        names.size(),
        Names.describe(names));
    float[] v = x.toArray();
    requireFinite("Dataset.fromTensor", v, names);
    return new Dataset(v, x.dim(0), names, null);
  }

  /**
   * A dataset holding a copy of a tensor's batch rows, with the default names {@code x0, x1, ...}.
   *
   * @throws ShapeMismatchException if {@code x} has rank 1 or rows of size 0
   * @throws DataFormatException if a value is NaN or infinite
   */
  public static Dataset fromTensor(Tensor x) {
    Checks.requireShape(
        x.rank() >= 2 && x.shape().rowSize() > 0,
        "Dataset.fromTensor: the tensor must have shape [N, D] with D > 0, but was %s",
        x.shape());
    return fromTensor(x, Names.defaults(x.shape().rowSize()));
  }

  /** The names {@code x0, x1, ..., x(d-1)} that columns get when a file has no header. */
  public static List<String> defaultColumnNames(int d) {
    Checks.requireNonNegative(d, "Dataset.defaultColumnNames", "d");
    return Names.defaults(d);
  }

  /** Number of rows {@code N}. */
  public int rows() {
    return rows;
  }

  /** Number of columns {@code D}. */
  public int columns() {
    return columns;
  }

  /** The column names, in column order (an unmodifiable list). */
  public List<String> columnNames() {
    return names;
  }

  /**
   * The index of the column called {@code name}.
   *
   * @throws DataFormatException if there is no such column (the message lists the columns)
   */
  public int columnIndex(String name) {
    int j = names.indexOf(name);
    if (j < 0) {
      throw new DataFormatException(
          "Dataset: no column named '" + name + "'; the columns are " + Names.describe(names));
    }
    return j;
  }

  /**
   * The value at {@code (row, column)}.
   *
   * @throws IndexOutOfBoundsException if either index is out of range
   */
  public float get(int row, int column) {
    checkRow(row);
    if (column < 0 || column >= columns) {
      throw new IndexOutOfBoundsException(
          "Dataset.get: column must be in [0, " + columns + "), but was " + column);
    }
    return values[row * columns + column];
  }

  /**
   * A copy of row {@code i}, {@code D} values.
   *
   * @throws IndexOutOfBoundsException if {@code i} is out of range
   */
  public float[] row(int i) {
    checkRow(i);
    return Arrays.copyOfRange(values, i * columns, (i + 1) * columns);
  }

  /**
   * A copy of column {@code j}, {@code N} values.
   *
   * @throws IndexOutOfBoundsException if {@code j} is out of range
   */
  public float[] column(int j) {
    if (j < 0 || j >= columns) {
      throw new IndexOutOfBoundsException(
          "Dataset.column: index must be in [0, " + columns + "), but was " + j);
    }
    float[] c = new float[rows];
    for (int i = 0; i < rows; i++) {
      c[i] = values[i * columns + j];
    }
    return c;
  }

  /** True if every row has an integer label. */
  public boolean hasLabels() {
    return labels != null;
  }

  /**
   * A copy of the row labels, {@code N} values.
   *
   * @throws IllegalStateException if the dataset has no labels
   */
  public int[] labels() {
    requireLabels();
    return labels.clone();
  }

  /**
   * The label of row {@code i}.
   *
   * @throws IllegalStateException if the dataset has no labels
   * @throws IndexOutOfBoundsException if {@code i} is out of range
   */
  public int label(int i) {
    requireLabels();
    checkRow(i);
    return labels[i];
  }

  /**
   * This dataset with a label for every row (a copy of {@code rowLabels}).
   *
   * @throws ShapeMismatchException if the number of labels is not the number of rows
   */
  public Dataset withLabels(int[] rowLabels) {
    Checks.requireShape(
        rowLabels.length == rows,
        "Dataset.withLabels: there must be one label per row (%d), but there are %d",
        rows,
        rowLabels.length);
    return new Dataset(values, rows, names, rowLabels.clone());
  }

  /** This dataset without labels. */
  public Dataset withoutLabels() {
    return labels == null ? this : new Dataset(values, rows, names, null);
  }

  /**
   * This dataset with its columns renamed.
   *
   * @throws IllegalArgumentException if the names are blank or repeated
   * @throws ShapeMismatchException if the number of names is not {@code D}
   */
  public Dataset withColumnNames(List<String> columnNames) {
    List<String> n = checkNames("Dataset.withColumnNames", columnNames);
    Checks.requireShape(
        n.size() == columns,
        "Dataset.withColumnNames: %d names are needed, but %d were given",
        columns,
        n.size());
    return new Dataset(values, rows, n, labels);
  }

  /**
   * The columns with the given names, in the order given.
   *
   * @throws DataFormatException if a name is not a column (the message lists the columns)
   * @throws IllegalArgumentException if no name is given or a name is repeated
   */
  public Dataset select(String... columnNames) {
    return select(List.of(columnNames));
  }

  /**
   * The columns with the given names, in the order given.
   *
   * @throws DataFormatException if a name is not a column (the message lists the columns)
   * @throws IllegalArgumentException if no name is given or a name is repeated
   */
  public Dataset select(List<String> columnNames) {
    int[] idx = new int[columnNames.size()];
    for (int k = 0; k < idx.length; k++) {
      idx[k] = columnIndex(columnNames.get(k));
    }
    return select(idx);
  }

  /**
   * The columns with the given 0-based indexes, in the order given.
   *
   * @throws IllegalArgumentException if no index is given, an index is repeated or out of range
   */
  public Dataset select(int... columnIndexes) {
    Checks.requireArgument(columnIndexes.length > 0, "Dataset.select: no column selected");
    List<String> n = new ArrayList<>(columnIndexes.length);
    for (int j : columnIndexes) {
      Checks.requireArgument(
          j >= 0 && j < columns,
          "Dataset.select: column index must be in [0, %d), but was %d",
          columns,
          j);
      n.add(names.get(j));
    }
    List<String> selected = checkNames("Dataset.select", n);
    int d = columnIndexes.length;
    float[] v = new float[rows * d];
    for (int i = 0; i < rows; i++) {
      int src = i * columns;
      int dst = i * d;
      for (int k = 0; k < d; k++) {
        v[dst + k] = values[src + columnIndexes[k]];
      }
    }
    return new Dataset(v, rows, selected, labels);
  }

  /**
   * The rows with the given indexes, in the order given (an index may repeat), with their labels.
   *
   * @throws IndexOutOfBoundsException if an index is out of range
   */
  public Dataset subset(int[] rowIndexes) {
    float[] v = new float[Math.multiplyExact(rowIndexes.length, columns)];
    int[] l = labels == null ? null : new int[rowIndexes.length];
    for (int k = 0; k < rowIndexes.length; k++) {
      int i = rowIndexes[k];
      checkRow(i);
      System.arraycopy(values, i * columns, v, k * columns, columns);
      if (l != null) {
        l[k] = labels[i];
      }
    }
    return new Dataset(v, rowIndexes.length, names, l);
  }

  /**
   * Rows {@code [from, to)}.
   *
   * @throws IllegalArgumentException if the range is not within {@code [0, N]}
   */
  public Dataset slice(int from, int to) {
    Checks.requireArgument(
        0 <= from && from <= to && to <= rows,
        "Dataset.slice: range [%d, %d) must lie within [0, %d]",
        from,
        to,
        rows);
    float[] v = Arrays.copyOfRange(values, from * columns, to * columns);
    int[] l = labels == null ? null : Arrays.copyOfRange(labels, from, to);
    return new Dataset(v, to - from, names, l);
  }

  /** A new {@code [N, D]} tensor holding a copy of the values. */
  public Tensor toTensor() {
    return Tensor.wrap(values.clone(), rows, columns);
  }

  /**
   * Copies rows {@code [from, to)} into {@code out}, a tensor whose batch dimension is {@code to -
   * from} and whose rows have {@code D} values ({@code [to - from, D]}, or an image shape with the
   * same row size). Allocates nothing, so that evaluation can walk a large dataset in chunks.
   *
   * @return {@code out}
   * @throws IllegalArgumentException if the range is not within {@code [0, N]}
   * @throws ShapeMismatchException if {@code out} does not have that many rows of {@code D} values
   */
  public Tensor copyRows(int from, int to, Tensor out) {
    Checks.requireArgument(
        0 <= from && from <= to && to <= rows,
        "Dataset.copyRows: range [%d, %d) must lie within [0, %d]",
        from,
        to,
        rows);
    Checks.requireShape(
        out.rank() >= 2 && out.dim(0) == to - from && out.shape().rowSize() == columns,
        "Dataset.copyRows: output must hold %d rows of %d values, but was %s",
        to - from,
        columns,
        out.shape());
    System.arraycopy(values, from * columns, out.data(), out.offset(), (to - from) * columns);
    return out;
  }

  /** The two parts of a {@link #split}. */
  public record Split(Dataset train, Dataset validation) {}

  /**
   * Splits the rows at random into training and validation parts: a seeded Fisher-Yates shuffle
   * (with {@link SplittableRandom}) chooses which {@code round(validationFraction N)} rows form the
   * validation part; both parts keep the rows in their original order. The same seed always gives
   * the same split.
   *
   * @throws IllegalArgumentException if {@code validationFraction} is not in {@code (0, 1)} or
   *     either part would be empty
   */
  public Split split(double validationFraction, long seed) {
    Checks.requireArgument(
        validationFraction > 0 && validationFraction < 1,
        "Dataset.split: the validation fraction must be in (0, 1), but was %s",
        validationFraction);
    long validation = Math.round(validationFraction * rows);
    Checks.requireArgument(
        validation >= 1 && validation <= rows - 1,
        "Dataset.split: a validation fraction of %s of %d rows leaves %d rows for validation and"
            + " %d for training; both must have at least one",
        validationFraction,
        rows,
        validation,
        rows - validation);
    int[] order = MinibatchSampler.permutation(rows, new SplittableRandom(seed));
    int nv = (int) validation;
    int[] v = Arrays.copyOfRange(order, 0, nv);
    int[] t = Arrays.copyOfRange(order, nv, rows);
    Arrays.sort(v);
    Arrays.sort(t);
    return new Split(subset(t), subset(v));
  }

  /**
   * This dataset's rows followed by {@code other}'s.
   *
   * @throws ShapeMismatchException if the column names differ or only one of the two has labels
   */
  public Dataset concat(Dataset other) {
    return concat(List.of(this, other));
  }

  /**
   * The rows of every dataset, in order. All must have the same column names and either all have
   * labels or none.
   *
   * @throws IllegalArgumentException if the list is empty
   * @throws ShapeMismatchException if the column names differ or only some have labels
   */
  public static Dataset concat(List<Dataset> parts) {
    Checks.requireArgument(!parts.isEmpty(), "Dataset.concat: there must be at least one dataset");
    Dataset first = parts.get(0);
    long total = 0;
    for (Dataset p : parts) {
      Checks.requireShape(
          p.names.equals(first.names),
          "Dataset.concat: columns must be the same, but were (%s) and (%s)",
          Names.describe(first.names),
          Names.describe(p.names));
      Checks.requireShape(
          p.hasLabels() == first.hasLabels(),
          "Dataset.concat: either every dataset has labels or none has");
      total += p.rows;
    }
    Checks.requireArgument(
        total * first.columns <= Integer.MAX_VALUE - 8,
        "Dataset.concat: %d rows of %d columns are more values than an array holds",
        total,
        first.columns);
    float[] v = new float[(int) total * first.columns];
    int[] l = first.hasLabels() ? new int[(int) total] : null;
    int at = 0;
    for (Dataset p : parts) {
      System.arraycopy(p.values, 0, v, at * first.columns, p.rows * first.columns);
      if (l != null) {
        System.arraycopy(p.labels, 0, l, at, p.rows);
      }
      at += p.rows;
    }
    return new Dataset(v, (int) total, first.names, l);
  }

  /** The backing row-major array, shared: for this package's readers of the data only. */
  float[] values() {
    return values;
  }

  /** The backing labels or null, shared: for this package only. */
  int[] labelsOrNull() {
    return labels;
  }

  /** Prints as {@code Dataset[50000 x 2: x0, x1]}. */
  @Override
  public String toString() {
    return "Dataset["
        + rows
        + " x "
        + columns
        + ": "
        + Names.describe(names)
        + (labels == null ? "" : ", labelled")
        + "]";
  }

  private void checkRow(int i) {
    if (i < 0 || i >= rows) {
      throw new IndexOutOfBoundsException(
          "Dataset: row index must be in [0, " + rows + "), but was " + i);
    }
  }

  private void requireLabels() {
    if (labels == null) {
      throw new IllegalStateException("Dataset: this dataset has no labels");
    }
  }

  /** Validates column names: at least one, none blank, none repeated; returns an immutable copy. */
  static List<String> checkNames(String op, List<String> columnNames) {
    Checks.requireArgument(!columnNames.isEmpty(), "%s: there must be at least one column", op);
    Map<String, Integer> seen = new HashMap<>();
    for (int j = 0; j < columnNames.size(); j++) {
      String n = columnNames.get(j);
      Checks.requireArgument(
          n != null && !n.isBlank(), "%s: column %d must have a non-blank name", op, j);
      Integer before = seen.put(n, j);
      Checks.requireArgument(
          before == null,
          "%s: column names must be unique, but '%s' names columns %d and %d",
          op,
          n,
          before,
          j);
    }
    return List.copyOf(columnNames);
  }

  static void requireFinite(String op, float[] v, List<String> names) {
    int d = names.size();
    for (int k = 0; k < v.length; k++) {
      if (!Float.isFinite(v[k])) {
        throw new DataFormatException(
            op
                + ": row "
                + k / d
                + ", column "
                + names.get(k % d)
                + ": value "
                + v[k]
                + " is not a finite number");
      }
    }
  }
}
