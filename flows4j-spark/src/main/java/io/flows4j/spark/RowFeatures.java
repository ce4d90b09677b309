package io.flows4j.spark;

import io.flows4j.data.ContextEncoding;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.collection.Seq;

/**
 * Where a model's inputs are in a row of a given schema: either {@code D} numeric columns (by
 * index) or one column holding a vector of {@code D} values ({@code ml.linalg.Vector} or an array
 * of numbers), and, for a conditional model, the raw context columns in the order of the model's
 * {@link ContextEncoding}. Built on the driver from the schema (where a missing or non-numeric
 * column is named); read on executors.
 */
final class RowFeatures implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int dimension;
  private final int[] columns;
  private final int vectorColumn;
  private final int[] contextColumns;
  private final List<String> contextNames;
  private final List<List<String>> contextLabels;

  private RowFeatures(
      int dimension,
      int[] columns,
      int vectorColumn,
      int[] contextColumns,
      List<String> contextNames,
      List<List<String>> contextLabels) {
    this.dimension = dimension;
    this.columns = columns;
    this.vectorColumn = vectorColumn;
    this.contextColumns = contextColumns;
    this.contextNames = contextNames;
    this.contextLabels = contextLabels;
  }

  /**
   * The features of a model of {@code dimension} inputs in rows of {@code schema}.
   *
   * @param inputColumns the numeric columns, {@code dimension} of them, or empty when {@code
   *     vectorColumn} is given
   * @param vectorColumn the vector or array column, or {@code null}
   * @param context the model's context encoding, or {@code null} for an unconditional model
   * @param contextColumns the columns holding the context, in the encoding's order
   * @throws IllegalArgumentException naming a column that does not exist or has the wrong type, or
   *     a column count that does not match the model
   */
  static RowFeatures of(
      StructType schema,
      int dimension,
      List<String> inputColumns,
      String vectorColumn,
      ContextEncoding context,
      List<String> contextColumns) {
    int[] cols = new int[0];
    int vec = -1;
    if (vectorColumn != null) {
      vec = index(schema, vectorColumn);
      DataType t = schema.fields()[vec].dataType();
      boolean ok =
          t instanceof VectorUDT
              || (t instanceof ArrayType a && a.elementType() instanceof NumericType);
      if (!ok) {
        throw new IllegalArgumentException(
            "column '"
                + vectorColumn
                + "' must hold vectors or arrays of numbers, but has type "
                + t.simpleString());
      }
    } else {
      if (inputColumns.size() != dimension) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "the model takes %d input columns, but %d were given: %s",
                dimension,
                inputColumns.size(),
                inputColumns));
      }
      cols = new int[dimension];
      for (int j = 0; j < dimension; j++) {
        cols[j] = index(schema, inputColumns.get(j));
        requireNumeric(schema.fields()[cols[j]]);
      }
    }
    int[] ctx = new int[0];
    List<String> names = List.of();
    List<List<String>> labels = List.of();
    if (context != null) {
      if (contextColumns.size() != context.columns().size()) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "the model takes %d context columns %s, but %d were given: %s",
                context.columns().size(),
                context.columnNames(),
                contextColumns.size(),
                contextColumns));
      }
      ctx = new int[contextColumns.size()];
      names = new ArrayList<>();
      labels = new ArrayList<>();
      for (int c = 0; c < ctx.length; c++) {
        ctx[c] = index(schema, contextColumns.get(c));
        ContextEncoding.Column col = context.columns().get(c);
        names.add(col.name());
        labels.add(col.categorical() ? List.copyOf(col.labels()) : null);
      }
    }
    return new RowFeatures(dimension, cols, vec, ctx, List.copyOf(names), labels);
  }

  private static int index(StructType schema, String name) {
    for (int i = 0; i < schema.fields().length; i++) {
      if (schema.fields()[i].name().equals(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException(
        "column '" + name + "' does not exist; the data has " + List.of(schema.fieldNames()));
  }

  private static void requireNumeric(StructField f) {
    if (!(f.dataType() instanceof NumericType)) {
      throw new IllegalArgumentException(
          "column '" + f.name() + "' must be numeric, but has type " + f.dataType().simpleString());
    }
  }

  int dimension() {
    return dimension;
  }

  boolean hasContext() {
    return contextColumns.length > 0;
  }

  /** The model's names of the context columns, in the encoding's order. */
  List<String> contextNames() {
    return contextNames;
  }

  /**
   * Reads the features of {@code row} into {@code out[offset, offset + D)}.
   *
   * @return false if a feature is null, NaN or infinite, or the vector has another length
   */
  boolean read(Row row, float[] out, int offset) {
    if (vectorColumn < 0) {
      for (int j = 0; j < dimension; j++) {
        if (row.isNullAt(columns[j])) {
          return false;
        }
        double v = ((Number) row.get(columns[j])).doubleValue();
        if (!Double.isFinite(v) || !Float.isFinite((float) v)) {
          return false;
        }
        out[offset + j] = (float) v;
      }
      return true;
    }
    if (row.isNullAt(vectorColumn)) {
      return false;
    }
    Object cell = row.get(vectorColumn);
    if (cell instanceof Vector v) {
      if (v.size() != dimension) {
        return false;
      }
      for (int j = 0; j < dimension; j++) {
        double x = v.apply(j);
        if (!Double.isFinite(x) || !Float.isFinite((float) x)) {
          return false;
        }
        out[offset + j] = (float) x;
      }
      return true;
    }
    Seq<?> seq = (Seq<?>) cell;
    if (seq.length() != dimension) {
      return false;
    }
    for (int j = 0; j < dimension; j++) {
      Object e = seq.apply(j);
      if (e == null) {
        return false;
      }
      double x = ((Number) e).doubleValue();
      if (!Double.isFinite(x) || !Float.isFinite((float) x)) {
        return false;
      }
      out[offset + j] = (float) x;
    }
    return true;
  }

  /**
   * The raw context values of {@code row} as the model's encoding reads them (labels as text,
   * numbers as decimals), or {@code null} if one is missing, not a finite number, or a label the
   * model was not trained with.
   */
  String[] readContext(Row row) {
    String[] out = new String[contextColumns.length];
    for (int c = 0; c < contextColumns.length; c++) {
      if (row.isNullAt(contextColumns[c])) {
        return null;
      }
      Object v = row.get(contextColumns[c]);
      List<String> labels = contextLabels.get(c);
      if (labels != null) {
        String text = labelText(v);
        if (!labels.contains(text)) {
          return null;
        }
        out[c] = text;
      } else {
        double x;
        if (v instanceof Number num) {
          x = num.doubleValue();
        } else {
          try {
            x = Double.parseDouble(v.toString().trim());
          } catch (NumberFormatException e) {
            return null;
          }
        }
        if (!Double.isFinite(x)) {
          return null;
        }
        out[c] = Double.toString(x);
      }
    }
    return out;
  }

  /**
   * A label as the CSV reader would have seen it: integers without a decimal point (a label column
   * read as numbers by Spark still matches the labels {@code "0"}, {@code "1"}, ...).
   */
  static String labelText(Object v) {
    if (v instanceof Double || v instanceof Float) {
      double x = ((Number) v).doubleValue();
      if (x == Math.rint(x) && Math.abs(x) < 1e15) {
        return Long.toString((long) x);
      }
    }
    return v.toString();
  }
}
