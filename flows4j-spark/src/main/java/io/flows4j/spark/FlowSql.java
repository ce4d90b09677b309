package io.flows4j.spark;

import io.flows4j.data.ContextEncoding;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import java.io.Serializable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.Seq;

/**
 * Scoring from Spark SQL: registers a function (by default {@value #DEFAULT_NAME}) that returns
 * {@code log p(x)} in nats of one row, or null for a row with a null, NaN or infinite feature, the
 * wrong number of values, or an unknown context label:
 *
 * <pre>{@code
 * FlowSql.register(spark, FlowModel.fromFile(Path.of("model.flows4j")));
 * spark.sql("SELECT *, flows4j_log_prob(struct(x, y)) AS lp FROM points");   // fields by name
 * spark.sql("SELECT flows4j_log_prob(array(x, y)) FROM points");             // by position
 * spark.sql("SELECT flows4j_log_prob(features) FROM vectors");               // a vector column
 * }</pre>
 *
 * <p>The argument is a struct whose fields are named as the model's columns (and, for a conditional
 * model, its context columns), an array of numbers or an {@code ml.linalg.Vector} in the model's
 * column order. A SQL function sees one row per call, so it scores one row per engine call: for
 * bulk scoring, {@link FlowModel#transform} (blocks of 4096 rows) is faster.
 */
public final class FlowSql {
  /** The default function name. */
  public static final String DEFAULT_NAME = "flows4j_log_prob";

  private FlowSql() {}

  /** Registers {@code model} as {@value #DEFAULT_NAME}. */
  public static void register(SparkSession spark, FlowModel model) {
    register(spark, DEFAULT_NAME, model);
  }

  /** Registers {@code model} as the SQL function {@code name} (replacing one of that name). */
  public static void register(SparkSession spark, String name, FlowModel model) {
    Broadcast<ModelBytes> b =
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model.modelBytes());
    FittedModel m = model.fittedModel();
    ContextEncoding ctx = m.contextEncoding().orElse(null);
    spark
        .udf()
        .register(
            name,
            new RowScorer(b, m.columnNames(), ctx == null ? List.of() : ctx.columnNames()),
            DataTypes.DoubleType);
  }

  /** The function: one row's log-density. */
  static final class RowScorer implements UDF1<Object, Double>, Serializable {
    private static final long serialVersionUID = 1L;
    private final Broadcast<ModelBytes> model;
    private final List<String> columns;
    private final List<String> contextColumns;

    RowScorer(Broadcast<ModelBytes> model, List<String> columns, List<String> contextColumns) {
      this.model = model;
      this.columns = List.copyOf(columns);
      this.contextColumns = List.copyOf(contextColumns);
    }

    @Override
    public Double call(Object value) {
      if (value == null) {
        return null;
      }
      int d = columns.size();
      float[] x = new float[d];
      Map<String, String[]> context = null;
      if (value instanceof Row r) {
        for (int j = 0; j < d; j++) {
          Object v = r.get(fieldIndex(r, columns.get(j)));
          if (!(v instanceof Number num) || !finite(num.doubleValue())) {
            return null;
          }
          x[j] = (float) num.doubleValue();
        }
        if (!contextColumns.isEmpty()) {
          context = new HashMap<>();
          for (String c : contextColumns) {
            Object v = r.get(fieldIndex(r, c));
            if (v == null) {
              return null;
            }
            context.put(c, new String[] {RowFeatures.labelText(v)});
          }
        }
      } else if (!contextColumns.isEmpty()) {
        throw new IllegalArgumentException(
            "the model is conditional: pass a struct with the data columns "
                + columns
                + " and the context columns "
                + contextColumns);
      } else if (value instanceof Vector v) {
        if (v.size() != d) {
          return null;
        }
        for (int j = 0; j < d; j++) {
          if (!finite(v.apply(j))) {
            return null;
          }
          x[j] = (float) v.apply(j);
        }
      } else if (value instanceof Seq<?> s) {
        if (s.length() != d) {
          return null;
        }
        for (int j = 0; j < d; j++) {
          if (!(s.apply(j) instanceof Number num) || !finite(num.doubleValue())) {
            return null;
          }
          x[j] = (float) num.doubleValue();
        }
      } else {
        throw new IllegalArgumentException(
            "the argument must be a struct, an array of numbers or a vector, but was a "
                + value.getClass().getSimpleName());
      }
      try (ModelCache.Lease lease = ModelCache.borrow(model.value())) {
        FittedModel m = lease.model();
        Dataset row = Dataset.of(columns, x);
        try {
          return (double) (context == null ? m.logProb(row)[0] : m.logProb(row, context)[0]);
        } catch (IllegalArgumentException unknownLabel) {
          return context == null ? rethrow(unknownLabel) : null;
        }
      }
    }

    private static Double rethrow(IllegalArgumentException e) {
      throw e;
    }

    private static boolean finite(double v) {
      return Double.isFinite(v) && Float.isFinite((float) v);
    }

    private int fieldIndex(Row r, String name) {
      try {
        return r.fieldIndex(name);
      } catch (IllegalArgumentException e) {
        List<String> needed = new java.util.ArrayList<>(columns);
        needed.addAll(contextColumns);
        throw new IllegalArgumentException(
            "the struct has no field '"
                + name
                + "' (it has "
                + fieldNames(r)
                + "); the model needs the fields "
                + needed,
            e);
      } catch (UnsupportedOperationException e) {
        throw new IllegalArgumentException(
            "the struct's fields have no names; pass struct(col1, col2, ...) of named columns", e);
      }
    }

    private static String fieldNames(Row r) {
      return r.schema() == null ? "?" : List.of(r.schema().fieldNames()).toString();
    }
  }
}
