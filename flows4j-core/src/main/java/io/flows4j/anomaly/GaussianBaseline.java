package io.flows4j.anomaly;

import io.flows4j.data.Dataset;

/**
 * The reference a flow is compared with: the maximum-likelihood Gaussian with a full covariance
 * matrix (mean and population covariance of the training rows, in double), scored on other rows:
 *
 * <pre>
 *   -log N(x; mu, Sigma) = (D ln 2 pi + ln|Sigma| + |L^-1 (x - mu)|^2) / 2,   Sigma = L L^T,
 * </pre>
 *
 * where {@code |L^-1 (x - mu)|} is the Mahalanobis distance, so ranking rows by this NLL is the
 * Mahalanobis anomaly detector. A flow whose NLL does not beat it has learnt nothing beyond the
 * first two moments; an anomaly score that does not beat its AUROC adds nothing to them.
 */
public final class GaussianBaseline {
  private final int d;
  private final double[] mean;
  private final double[] chol; // lower-triangular Cholesky factor L of the covariance, row-major
  private final double logDet;

  private GaussianBaseline(int d, double[] mean, double[] chol) {
    this.d = d;
    this.mean = mean;
    this.chol = chol;
    double s = 0;
    for (int i = 0; i < d; i++) {
      s += 2 * Math.log(chol[i * d + i]);
    }
    this.logDet = s;
  }

  /**
   * Fits the Gaussian to the rows of {@code train} (in double).
   *
   * @throws IllegalArgumentException if there are fewer than 2 rows or the covariance is singular
   *     (a constant column, or columns that are linear combinations of others)
   */
  public static GaussianBaseline fit(Dataset train) {
    int n = train.rows();
    int d = train.columns();
    if (n < 2) {
      throw new IllegalArgumentException(
          "GaussianBaseline.fit: need at least 2 rows, but was " + n);
    }
    double[] mean = new double[d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        mean[j] += train.get(i, j);
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    double[] cov = new double[d * d];
    double[] c = new double[d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        c[j] = train.get(i, j) - mean[j];
      }
      for (int a = 0; a < d; a++) {
        for (int b = 0; b <= a; b++) {
          cov[a * d + b] += c[a] * c[b];
        }
      }
    }
    for (int a = 0; a < d; a++) {
      for (int b = 0; b <= a; b++) {
        cov[a * d + b] /= n;
      }
    }
    // Cholesky in place on the lower triangle.
    for (int j = 0; j < d; j++) {
      double s = cov[j * d + j];
      for (int k = 0; k < j; k++) {
        s -= cov[j * d + k] * cov[j * d + k];
      }
      if (!(s > 1e-12 * Math.max(1, Math.abs(cov[j * d + j])))) {
        throw new IllegalArgumentException(
            "GaussianBaseline.fit: the covariance of the columns must be positive definite, but"
                + " column "
                + train.columnNames().get(j)
                + " is constant or a combination of the others");
      }
      double l = Math.sqrt(s);
      cov[j * d + j] = l;
      for (int i = j + 1; i < d; i++) {
        double t = cov[i * d + j];
        for (int k = 0; k < j; k++) {
          t -= cov[i * d + k] * cov[j * d + k];
        }
        cov[i * d + j] = t / l;
      }
    }
    for (int a = 0; a < d; a++) {
      for (int b = a + 1; b < d; b++) {
        cov[a * d + b] = 0;
      }
    }
    return new GaussianBaseline(d, mean, cov);
  }

  /** The number of columns {@code D}. */
  public int dimension() {
    return d;
  }

  /**
   * {@code -log N(x; mean, cov)} of one row.
   *
   * @param x one row of {@code D} values
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} does not have {@code D} values
   */
  public double nll(float[] x) {
    io.flows4j.tensor.Checks.requireShape(
        x.length == d, "GaussianBaseline.nll: a row must have %d values, but had %d", d, x.length);
    // Solve L y = x - mean; the Mahalanobis term is |y|^2.
    double[] y = new double[d];
    double q = 0;
    for (int i = 0; i < d; i++) {
      double s = x[i] - mean[i];
      for (int k = 0; k < i; k++) {
        s -= chol[i * d + k] * y[k];
      }
      y[i] = s / chol[i * d + i];
      q += y[i] * y[i];
    }
    return 0.5 * (d * Math.log(2 * Math.PI) + logDet + q);
  }

  /** {@code -log N(x)} of every row of {@code data}. */
  public double[] nll(Dataset data) {
    double[] out = new double[data.rows()];
    for (int i = 0; i < out.length; i++) {
      out[i] = nll(data.row(i));
    }
    return out;
  }

  /** The mean NLL (nats) of the rows of {@code data}. */
  public double meanNll(Dataset data) {
    double s = 0;
    for (int i = 0; i < data.rows(); i++) {
      s += nll(data.row(i));
    }
    return s / data.rows();
  }
}
