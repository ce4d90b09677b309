package io.flows4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * The valid rows of one partition as read from the input, before the context is encoded and the
 * validation rows are set aside: the data values {@code [rows, D]} as floats and, for a conditional
 * flow, the raw context values as text (a label as {@link RowFeatures#labelText} writes it, a
 * number as {@link Double#toString}), one array per context column. A row with a null, NaN or
 * infinite value, a vector of another length or a null context value is left out and counted.
 */
final class RawBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * The most labels a categorical context column may have: more is almost surely a numeric or an
   * identifier column taken for labels, and would give a one-hot context of that many features.
   */
  static final int MAX_LABELS = 1000;

  final int partition;
  final int rows;
  final float[] values;
  final String[][] context;
  final long invalid;

  private RawBlock(int partition, int rows, float[] values, String[][] context, long invalid) {
    this.partition = partition;
    this.rows = rows;
    this.values = values;
    this.context = context;
    this.invalid = invalid;
  }

  /** Where the data and context are in an input row (built on the driver from the schema). */
  static final class Columns implements Serializable {
    private static final long serialVersionUID = 1L;

    private final RowFeatures features;
    private final int[] contextIndex;
    private final boolean[] categorical;
    private final List<String> contextNames;

    /**
     * @param features where the data values are
     * @param contextIndex the index of each context column in the row
     * @param categorical whether each context column is categorical
     * @param contextNames the context columns' names
     */
    Columns(
        RowFeatures features,
        int[] contextIndex,
        boolean[] categorical,
        List<String> contextNames) {
      this.features = features;
      this.contextIndex = contextIndex.clone();
      this.categorical = categorical.clone();
      this.contextNames = List.copyOf(contextNames);
    }

    RowFeatures features() {
      return features;
    }

    int contextColumns() {
      return contextIndex.length;
    }

    int contextIndex(int j) {
      return contextIndex[j];
    }

    boolean categorical(int j) {
      return categorical[j];
    }

    List<String> contextNames() {
      return contextNames;
    }
  }

  /** Reads the rows of partition {@code partition}. */
  static RawBlock read(int partition, Iterator<Row> rows, Columns columns) {
    int d = columns.features().dimension();
    int c = columns.contextColumns();
    float[] values = new float[Math.max(d, 1) * 1024];
    List<List<String>> ctx = new ArrayList<>();
    for (int j = 0; j < c; j++) {
      ctx.add(new ArrayList<>());
    }
    String[] rowContext = new String[c];
    int n = 0;
    long invalid = 0;
    while (rows.hasNext()) {
      Row r = rows.next();
      if ((long) (n + 1) * d > values.length) {
        values = Arrays.copyOf(values, Math.toIntExact(Math.max((long) values.length * 2, d)));
      }
      if (!columns.features().read(r, values, n * d) || !readContext(r, columns, rowContext)) {
        invalid++;
        continue;
      }
      for (int j = 0; j < c; j++) {
        ctx.get(j).add(rowContext[j]);
      }
      n++;
    }
    String[][] context = null;
    if (c > 0) {
      context = new String[c][];
      for (int j = 0; j < c; j++) {
        context[j] = ctx.get(j).toArray(new String[0]);
      }
    }
    return new RawBlock(partition, n, Arrays.copyOf(values, n * d), context, invalid);
  }

  /** The context values of {@code r} as text, or false if one is null or not a finite number. */
  private static boolean readContext(Row r, Columns columns, String[] out) {
    for (int j = 0; j < out.length; j++) {
      int at = columns.contextIndex(j);
      if (r.isNullAt(at)) {
        return false;
      }
      Object v = r.get(at);
      if (columns.categorical(j)) {
        out[j] = RowFeatures.labelText(v).trim();
      } else {
        double x = ((Number) v).doubleValue();
        if (!Double.isFinite(x) || !Float.isFinite((float) x)) {
          return false;
        }
        out[j] = Double.toString(x);
      }
    }
    return true;
  }

  /**
   * What the driver needs from this block to fit the context encoding: for each categorical column
   * its labels in order of first appearance, for each numeric one the count, mean and sum of
   * squared deviations of its values as floats (the precision the encoding reads them in).
   *
   * @throws IllegalArgumentException if a categorical column has more than {@value #MAX_LABELS}
   *     labels
   */
  Summary summary(Columns columns) {
    int c = columns.contextColumns();
    List<List<String>> labels = new ArrayList<>();
    double[] mean = new double[c];
    double[] m2 = new double[c];
    for (int j = 0; j < c; j++) {
      if (columns.categorical(j)) {
        LinkedHashSet<String> seen = new LinkedHashSet<>();
        for (String s : context[j]) {
          if (seen.add(s) && seen.size() > MAX_LABELS) {
            throw tooManyLabels(columns.contextNames().get(j));
          }
        }
        labels.add(List.copyOf(seen));
      } else {
        labels.add(null);
        double sum = 0;
        for (String s : context[j]) {
          sum += (float) Double.parseDouble(s);
        }
        mean[j] = rows == 0 ? 0 : sum / rows;
        for (String s : context[j]) {
          double dev = (float) Double.parseDouble(s) - mean[j];
          m2[j] += dev * dev;
        }
      }
    }
    return new Summary(partition, rows, invalid, labels, mean, m2);
  }

  static IllegalArgumentException tooManyLabels(String column) {
    return new IllegalArgumentException(
        "FlowEstimator: context column '"
            + column
            + "' has more than "
            + MAX_LABELS
            + " labels; a categorical context needs few labels (give a numeric column a numeric"
            + " type)");
  }

  /** One partition's counts and context statistics. */
  static final class Summary implements Serializable {
    private static final long serialVersionUID = 1L;

    final int partition;
    final int rows;
    final long invalid;

    /** Per context column, its labels in order of first appearance; {@code null} if numeric. */
    final List<List<String>> labels;

    /** Per numeric context column, the mean of its values in this partition. */
    final double[] mean;

    /** Per numeric context column, the sum of squared deviations from that mean. */
    final double[] m2;

    Summary(
        int partition,
        int rows,
        long invalid,
        List<List<String>> labels,
        double[] mean,
        double[] m2) {
      this.partition = partition;
      this.rows = rows;
      this.invalid = invalid;
      this.labels = labels;
      this.mean = mean;
      this.m2 = m2;
    }
  }
}
