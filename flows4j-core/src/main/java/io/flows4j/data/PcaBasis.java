package io.flows4j.data;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.ShapeMismatchException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A stored principal-component basis that maps standardized PCA scores back to the original
 * features, e.g. the pixels of the {@code fmnist-pca32} data set:
 *
 * <pre>
 *   v = (z * scoreStd + scoreMean) B + mean,
 * </pre>
 *
 * with {@code z} a row of {@code K} standardized scores, {@code B} the basis of shape {@code [K,
 * P]} (one component of {@code P} features per row), {@code mean} of shape {@code [P]} and the
 * score mean and spread of shape {@code [K]}. This is the inverse of the projection {@code z = ((v
 * - mean) B^T - scoreMean) / scoreStd} up to the variance the {@code K} components leave out.
 *
 * <p>The folder layout is that of {@code fmnist-pca32}: {@code pca-basis.csv.gz} ({@code K} rows of
 * {@code P} values), {@code pixel-mean.csv.gz} (one row of {@code P}), {@code score-mean.csv.gz}
 * and {@code score-std.csv.gz} (one row of {@code K} each), each with a header.
 */
public final class PcaBasis {
  private final int components;
  private final int features;
  private final float[] basis;
  private final float[] mean;
  private final float[] scoreMean;
  private final float[] scoreStd;

  /**
   * A basis from its arrays (copied).
   *
   * @param basis of shape {@code [K, P]}, row-major
   * @param mean of shape {@code [P]}
   * @param scoreMean of shape {@code [K]}
   * @param scoreStd of shape {@code [K]}, every value positive
   * @throws ShapeMismatchException if the shapes do not agree
   * @throws IllegalArgumentException if a spread is not positive
   */
  public PcaBasis(float[] basis, float[] mean, float[] scoreMean, float[] scoreStd) {
    this.components = scoreStd.length;
    this.features = mean.length;
    Checks.requireShape(
        components > 0 && features > 0 && basis.length == (long) components * features,
        "PcaBasis: the basis must have shape [%d, %d] (score and feature counts), but has %d"
            + " values",
        components,
        features,
        basis.length);
    Checks.requireShape(
        scoreMean.length == components,
        "PcaBasis: the score mean must have %d values, but has %d",
        components,
        scoreMean.length);
    for (int k = 0; k < components; k++) {
      Checks.requireArgument(
          scoreStd[k] > 0,
          "PcaBasis: score spreads must be positive, but component %d has %s",
          k,
          scoreStd[k]);
    }
    this.basis = basis.clone();
    this.mean = mean.clone();
    this.scoreMean = scoreMean.clone();
    this.scoreStd = scoreStd.clone();
  }

  /**
   * Reads a basis from a folder in the {@code fmnist-pca32} layout (see the class comment).
   *
   * @throws IllegalArgumentException if a file is missing, naming it
   * @throws DataFormatException if a file cannot be parsed
   * @throws ShapeMismatchException if the files' shapes do not agree
   */
  public static PcaBasis read(Path dir) {
    Dataset basis = readFile(dir, "pca-basis.csv.gz");
    Dataset mean = readFile(dir, "pixel-mean.csv.gz");
    Dataset scoreMean = readFile(dir, "score-mean.csv.gz");
    Dataset scoreStd = readFile(dir, "score-std.csv.gz");
    Checks.requireShape(
        mean.rows() == 1 && scoreMean.rows() == 1 && scoreStd.rows() == 1,
        "PcaBasis: %s: the mean and score files must have one row each, but have %d, %d and %d",
        dir,
        mean.rows(),
        scoreMean.rows(),
        scoreStd.rows());
    Checks.requireShape(
        basis.rows() == scoreStd.columns() && basis.columns() == mean.columns(),
        "PcaBasis: %s: the basis is [%d, %d], but the score files have %d values and the mean %d",
        dir,
        basis.rows(),
        basis.columns(),
        scoreStd.columns(),
        mean.columns());
    float[] b = new float[basis.rows() * basis.columns()];
    for (int k = 0; k < basis.rows(); k++) {
      System.arraycopy(basis.row(k), 0, b, k * basis.columns(), basis.columns());
    }
    return new PcaBasis(b, mean.row(0), scoreMean.row(0), scoreStd.row(0));
  }

  private static Dataset readFile(Path dir, String name) {
    Path file = dir.resolve(name);
    Checks.requireArgument(
        Files.isRegularFile(file), "PcaBasis: %s: no such file (a PCA folder needs it)", file);
    return CsvReader.create().read(file);
  }

  /** The number of components {@code K}: the length of a score row. */
  public int components() {
    return components;
  }

  /** The number of original features {@code P}. */
  public int features() {
    return features;
  }

  /**
   * Maps one row of standardized scores back to the original features.
   *
   * @param z {@code K} standardized scores
   * @return {@code P} features, {@code (z * scoreStd + scoreMean) B + mean}
   * @throws ShapeMismatchException if {@code z} does not have {@code K} values
   */
  public float[] reconstruct(float[] z) {
    Checks.requireShape(
        z.length == components,
        "PcaBasis.reconstruct: a score row must have %d values, but had %d",
        components,
        z.length);
    double[] v = new double[features];
    for (int p = 0; p < features; p++) {
      v[p] = mean[p];
    }
    for (int k = 0; k < components; k++) {
      double s = (double) z[k] * scoreStd[k] + scoreMean[k];
      int row = k * features;
      for (int p = 0; p < features; p++) {
        v[p] += s * basis[row + p];
      }
    }
    float[] out = new float[features];
    for (int p = 0; p < features; p++) {
      out[p] = (float) v[p];
    }
    return out;
  }

  /**
   * Projects one row of original features to standardized scores, {@code ((v - mean) B^T -
   * scoreMean) / scoreStd} (the inverse of {@link #reconstruct} on the span of the basis when its
   * rows are orthonormal).
   *
   * @param v {@code P} features
   * @return {@code K} standardized scores
   * @throws ShapeMismatchException if {@code v} does not have {@code P} values
   */
  public float[] project(float[] v) {
    Checks.requireShape(
        v.length == features,
        "PcaBasis.project: a row must have %d values, but had %d",
        features,
        v.length);
    float[] z = new float[components];
    for (int k = 0; k < components; k++) {
      double s = 0;
      int row = k * features;
      for (int p = 0; p < features; p++) {
        s += (v[p] - (double) mean[p]) * basis[row + p];
      }
      z[k] = (float) ((s - scoreMean[k]) / scoreStd[k]);
    }
    return z;
  }
}
