package io.flows4j.spark;

import io.flows4j.anomaly.Calibration;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The score columns appended to each row, in this order: {@code log_prob} (double, nats), {@code
 * bits_per_dim} (double), and for a calibrated model {@code percentile} (double, the percentage of
 * the calibration rows with a log-density at or below the row's, in [0, 100]) and {@code anomaly}
 * (boolean, log-density below the model's threshold). A column whose name is empty is left out. All
 * are nullable: an invalid row gets nulls.
 */
final class ScoreColumns implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String logProb;
  private final String bitsPerDim;
  private final String percentile;
  private final String anomaly;

  ScoreColumns(String logProb, String bitsPerDim, String percentile, String anomaly) {
    this.logProb = logProb;
    this.bitsPerDim = bitsPerDim;
    this.percentile = percentile;
    this.anomaly = anomaly;
  }

  /** The appended fields, checked against the input's column names. */
  StructType append(StructType in) {
    List<StructField> fields = new ArrayList<>(List.of(in.fields()));
    add(fields, in, logProb, false);
    add(fields, in, bitsPerDim, false);
    add(fields, in, percentile, false);
    add(fields, in, anomaly, true);
    return DataTypes.createStructType(fields);
  }

  private static void add(List<StructField> fields, StructType in, String name, boolean bool) {
    if (name.isEmpty()) {
      return;
    }
    for (String existing : in.fieldNames()) {
      if (existing.equals(name)) {
        throw new IllegalArgumentException(
            "the data already has a column '" + name + "'; drop it or choose another output name");
      }
    }
    fields.add(
        DataTypes.createStructField(
            name, bool ? DataTypes.BooleanType : DataTypes.DoubleType, true));
  }

  /** The number of appended columns. */
  int count() {
    int n = 0;
    for (String s : new String[] {logProb, bitsPerDim, percentile, anomaly}) {
      n += s.isEmpty() ? 0 : 1;
    }
    return n;
  }

  /** Writes the scores of one valid row into {@code values} from {@code offset}. */
  void fill(Object[] values, int offset, double lp, double bpd, Calibration calibration) {
    int i = offset;
    if (!logProb.isEmpty()) {
      values[i++] = lp;
    }
    if (!bitsPerDim.isEmpty()) {
      values[i++] = bpd;
    }
    if (!percentile.isEmpty()) {
      values[i++] = calibration.percentile(lp);
    }
    if (!anomaly.isEmpty()) {
      values[i] = calibration.isAnomaly(lp);
    }
  }
}
