package io.flows4j.training;

import io.flows4j.bijectors.Bijector;
import io.flows4j.bijectors.Bijectors;
import io.flows4j.bijectors.ElementwiseAffine;
import io.flows4j.data.Dataset;
import io.flows4j.distributions.StandardNormal;
import io.flows4j.flows.Flow;
import io.flows4j.tensor.Rng;

/** Data and small flows for the training tests. */
final class TestFlows {
  private TestFlows() {}

  /** {@code n} rows of independent normals with the given means and standard deviations. */
  static Dataset gaussian(int n, double[] mean, double[] std, long seed) {
    Rng rng = new Rng(seed);
    int d = mean.length;
    float[] v = new float[n * d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        v[i * d + j] = (float) (mean[j] + std[j] * rng.nextGaussian());
      }
    }
    return Dataset.of(Dataset.defaultColumnNames(d), v);
  }

  /**
   * A diagonal Gaussian model: a chain of one elementwise affine map on a standard normal. With
   * {@code z = x exp(s) + t ~ N(0, 1)}, the model is {@code x ~ N(-t exp(-s), exp(-2s))}.
   */
  static Flow diagonalGaussian(int d) {
    return new Flow(Bijectors.chain(new ElementwiseAffine(d)), new StandardNormal(d));
  }

  /** A flow of the given layers on a standard normal over {@code d} features. */
  static Flow flow(int d, Bijector... layers) {
    return new Flow(Bijectors.chain(layers), new StandardNormal(d));
  }

  /** The model mean of {@link #diagonalGaussian}: {@code -t exp(-s)}. */
  static double[] modelMean(Flow f) {
    float[] s = f.namedParameters().get("transform.0.logScale").value().toArray();
    float[] t = f.namedParameters().get("transform.0.shift").value().toArray();
    double[] m = new double[s.length];
    for (int j = 0; j < s.length; j++) {
      m[j] = -t[j] * Math.exp(-s[j]);
    }
    return m;
  }

  /** The model standard deviation of {@link #diagonalGaussian}: {@code exp(-s)}. */
  static double[] modelStd(Flow f) {
    float[] s = f.namedParameters().get("transform.0.logScale").value().toArray();
    double[] sd = new double[s.length];
    for (int j = 0; j < s.length; j++) {
      sd[j] = Math.exp(-s[j]);
    }
    return sd;
  }

  /** Column means in double. */
  static double[] mean(Dataset data) {
    double[] m = new double[data.columns()];
    for (int j = 0; j < m.length; j++) {
      for (float v : data.column(j)) {
        m[j] += v;
      }
      m[j] /= data.rows();
    }
    return m;
  }

  /** Column population standard deviations in double. */
  static double[] std(Dataset data) {
    double[] m = mean(data);
    double[] s = new double[m.length];
    for (int j = 0; j < m.length; j++) {
      for (float v : data.column(j)) {
        s[j] += (v - m[j]) * (v - m[j]);
      }
      s[j] = Math.sqrt(s[j] / data.rows());
    }
    return s;
  }

  /** Differential entropy of independent normals: {@code D/2 log(2 pi e) + sum log std}. */
  static double gaussianEntropy(double[] std) {
    double h = 0.5 * std.length * Math.log(2 * Math.PI * Math.E);
    for (double s : std) {
      h += Math.log(s);
    }
    return h;
  }
}
