package io.flows4j.spark;

import io.flows4j.data.ContextEncoding;
import io.flows4j.io.Json;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training and validation rows of one partition, as the model reads them: {@code [x | c]},
 * {@code D} data values followed by the {@code C} encoded context features of a conditional flow
 * ({@code width = D + C}), row-major floats. One block per partition, cached in executor memory for
 * the whole run.
 */
final class TrainingBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  final int partition;
  final int dimension;
  final int width;
  final int trainRows;
  final float[] train;
  final int validationRows;
  final float[] validation;

  TrainingBlock(
      int partition,
      int dimension,
      int width,
      int trainRows,
      float[] train,
      int validationRows,
      float[] validation) {
    this.partition = partition;
    this.dimension = dimension;
    this.width = width;
    this.trainRows = trainRows;
    this.train = train;
    this.validationRows = validationRows;
    this.validation = validation;
  }

  /**
   * The block of {@code raw}'s rows: rows {@code validationIndex} (sorted, local to the partition)
   * go to validation, the others to training, each keeping its order.
   *
   * @param encodingJson the context encoding ({@link ContextEncoding#toJson}), or {@code null}
   */
  static TrainingBlock of(
      RawBlock raw,
      int dimension,
      String encodingJson,
      String[] contextNames,
      int[] validationIndex) {
    int d = dimension;
    ContextEncoding enc =
        encodingJson == null ? null : ContextEncoding.fromJson((Json.Obj) Json.parse(encodingJson));
    int c = enc == null ? 0 : enc.features();
    float[][] features = null;
    if (enc != null && raw.rows > 0) {
      Map<String, String[]> columns = new LinkedHashMap<>();
      for (int j = 0; j < contextNames.length; j++) {
        columns.put(contextNames[j], raw.context[j]);
      }
      features = enc.encode(columns);
    }
    int w = d + c;
    int nv = validationIndex.length;
    int nt = raw.rows - nv;
    float[] train = new float[nt * w];
    float[] validation = new float[nv * w];
    int v = 0;
    int t = 0;
    for (int i = 0; i < raw.rows; i++) {
      float[] dst;
      int at;
      if (v < nv && validationIndex[v] == i) {
        dst = validation;
        at = v++ * w;
      } else {
        dst = train;
        at = t++ * w;
      }
      System.arraycopy(raw.values, i * d, dst, at, d);
      if (c > 0) {
        System.arraycopy(features[i], 0, dst, at + d, c);
      }
    }
    return new TrainingBlock(raw.partition, d, w, nt, train, nv, validation);
  }

  /**
   * The count, mean and sum of squared deviations of each data column over the training rows (two
   * passes in double), for the standardization and the input noise; merged over partitions by
   * {@link Moments#merge}.
   */
  Moments dataMoments() {
    double[] mean = new double[dimension];
    double[] m2 = new double[dimension];
    for (int i = 0; i < trainRows; i++) {
      for (int j = 0; j < dimension; j++) {
        mean[j] += train[i * width + j];
      }
    }
    for (int j = 0; j < dimension && trainRows > 0; j++) {
      mean[j] /= trainRows;
    }
    for (int i = 0; i < trainRows; i++) {
      for (int j = 0; j < dimension; j++) {
        double dev = train[i * width + j] - mean[j];
        m2[j] += dev * dev;
      }
    }
    return new Moments(trainRows, mean, m2);
  }

  /**
   * Count, mean and sum of squared deviations of some columns; {@link #merge} combines two sets of
   * rows exactly in exact arithmetic (Chan, Golub and LeVeque, "Updating formulae and a pairwise
   * algorithm for computing sample variances", 1979).
   */
  static final class Moments implements Serializable {
    private static final long serialVersionUID = 1L;

    final long count;
    final double[] mean;
    final double[] m2;

    Moments(long count, double[] mean, double[] m2) {
      this.count = count;
      this.mean = mean;
      this.m2 = m2;
    }

    /** The moments of the union of the rows of {@code a} and {@code b}. */
    static Moments merge(Moments a, Moments b) {
      if (a.count == 0) {
        return b;
      }
      if (b.count == 0) {
        return a;
      }
      long n = a.count + b.count;
      double[] mean = new double[a.mean.length];
      double[] m2 = new double[a.mean.length];
      for (int j = 0; j < mean.length; j++) {
        double delta = b.mean[j] - a.mean[j];
        mean[j] = a.mean[j] + delta * b.count / n;
        m2[j] = a.m2[j] + b.m2[j] + delta * delta * ((double) a.count * b.count / n);
      }
      return new Moments(n, mean, m2);
    }

    /** The population standard deviation of column {@code j}. */
    double std(int j) {
      return count == 0 ? 0 : Math.sqrt(m2[j] / count);
    }
  }
}
