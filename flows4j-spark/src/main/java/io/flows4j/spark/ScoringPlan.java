package io.flows4j.spark;

import io.flows4j.anomaly.Calibration;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;

/**
 * What a task needs to score a partition: the broadcast model, where its features and context are
 * in an input row ({@link RowFeatures}), which score columns to append, the block size and the two
 * counters. Rows are read in blocks of {@code blockSize}; the valid rows of a block go to the
 * engine in one call ({@code [valid, D]}), and every row leaves with its scores appended: {@code
 * log_prob} (nats), {@code bits_per_dim} ({@code -log_prob / (D ln 2)}) and, for a calibrated
 * model, {@code percentile} and {@code anomaly}; all null for a row that is invalid (a null, NaN or
 * infinite feature, a vector of the wrong length, an unknown or missing context value).
 */
final class ScoringPlan implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final double LN2 = Math.log(2);

  private final Broadcast<ModelBytes> model;
  private final RowFeatures features;
  private final ScoreColumns outputs;
  private final int blockSize;
  private final LongAccumulator rows;
  private final LongAccumulator invalid;

  ScoringPlan(
      Broadcast<ModelBytes> model,
      RowFeatures features,
      ScoreColumns outputs,
      int blockSize,
      LongAccumulator rows,
      LongAccumulator invalid) {
    this.model = model;
    this.features = features;
    this.outputs = outputs;
    this.blockSize = blockSize;
    this.rows = rows;
    this.invalid = invalid;
  }

  /** Scores the rows of one partition, block by block, as the output iterator is consumed. */
  Iterator<Row> scorePartition(Iterator<Row> in) {
    return new Iterator<>() {
      private final List<Row> block = new ArrayList<>(blockSize);
      private List<Row> scored = List.of();
      private int next;

      @Override
      public boolean hasNext() {
        if (next < scored.size()) {
          return true;
        }
        if (!in.hasNext()) {
          return false;
        }
        block.clear();
        while (in.hasNext() && block.size() < blockSize) {
          block.add(in.next());
        }
        scored = scoreBlock(block);
        next = 0;
        return true;
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return scored.get(next++);
      }
    };
  }

  /** Scores one block of rows: the valid ones in one engine call. */
  List<Row> scoreBlock(List<Row> block) {
    int n = block.size();
    int d = features.dimension();
    float[] x = new float[n * d];
    int[] validIndex = new int[n];
    int valid = 0;
    List<String[]> contextValues = features.hasContext() ? new ArrayList<>(n) : null;
    for (int i = 0; i < n; i++) {
      Row r = block.get(i);
      String[] ctx = null;
      boolean ok = features.read(r, x, valid * d);
      if (ok && contextValues != null) {
        ctx = features.readContext(r);
        ok = ctx != null;
      }
      if (ok) {
        validIndex[valid] = i;
        if (contextValues != null) {
          contextValues.add(ctx);
        }
        valid++;
      }
    }
    List<Row> out = new ArrayList<>(n);
    try (ModelCache.Lease lease = ModelCache.borrow(model.value())) {
      FittedModel m = lease.model();
      float[] lp = valid == 0 ? new float[0] : logProb(m, x, valid, contextValues);
      Calibration cal = m.calibration().orElse(null);
      int v = 0;
      for (int i = 0; i < n; i++) {
        Row r = block.get(i);
        Object[] values = new Object[r.length() + outputs.count()];
        for (int j = 0; j < r.length(); j++) {
          values[j] = r.get(j);
        }
        if (v < valid && validIndex[v] == i) {
          outputs.fill(values, r.length(), lp[v], -lp[v] / (d * LN2), cal);
          v++;
        }
        out.add(RowFactory.create(values));
      }
    }
    rows.add(n);
    invalid.add(n - valid);
    return out;
  }

  /** {@code log p(x)} of the first {@code valid} rows of {@code x}, at their contexts. */
  private float[] logProb(FittedModel m, float[] x, int valid, List<String[]> context) {
    float[] rowsData =
        x.length == valid * features.dimension()
            ? x
            : Arrays.copyOf(x, valid * features.dimension());
    Dataset data = Dataset.of(m.columnNames(), rowsData);
    if (context == null) {
      return m.logProb(data);
    }
    List<String> names = features.contextNames();
    Map<String, String[]> raw = new HashMap<>();
    for (int c = 0; c < names.size(); c++) {
      String[] col = new String[valid];
      for (int i = 0; i < valid; i++) {
        col[i] = context.get(i)[c];
      }
      raw.put(names.get(c), col);
    }
    return m.logProb(data, raw);
  }
}
