package io.flows4j.distributions;

import io.flows4j.autodiff.Losses;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * A mixture of {@code K} diagonal normal distributions over vectors of {@code D} features, with
 * trainable weights, means and standard deviations:
 *
 * <pre>
 *   log p(z) = logsumexp_k [log pi_k + sum_j (-0.5 u_kj^2 - logStd_kj) - (D/2) log(2 pi)],
 *   u_kj = (z_j - mean_kj) exp(-logStd_kj),   pi = softmax(logits)
 * </pre>
 *
 * <p>The log-sum-exp is shifted by its largest term, so far-away points get a finite, accurate
 * log-density (about {@code -0.5 min_k |u_k|^2}) instead of {@code log(0)}. It is one fused op: the
 * forward pass keeps the component responsibilities {@code r_k = exp(a_k - log p(z))}, from which
 * the backward pass forms every gradient: {@code dlogits_k = sum_b dy_b (r_bk - pi_k)}, {@code
 * dmean_kj = sum_b dy_b r_bk u_bkj / std_kj}, {@code dlogStd_kj = sum_b dy_b r_bk (u_bkj^2 - 1)},
 * {@code dz_bj = -dy_b sum_k r_bk u_bkj / std_kj}.
 *
 * <p>Sampling draws a component from {@code pi}, then {@code z = mean_k + temperature * std_k *
 * eps}. Parameters: {@code logits} {@code [K]} (start at 0, equal weights), {@code means} {@code
 * [K, D]} (start at standard normal draws from the seed, so the components differ), {@code logStds}
 * {@code [K, D]} (start at 0).
 */
public final class GaussianMixture extends Module implements Distribution {
  static final String TYPE = "gaussian-mixture";

  private final int components;
  private final int features;
  private final long seed;
  private final Parameter logits;
  private final Parameter means;
  private final Parameter logStds;

  /**
   * Creates the mixture.
   *
   * @param components {@code K >= 1}
   * @param features {@code D >= 1}
   * @param seed seed of the initial means
   * @throws IllegalArgumentException if {@code components} or {@code features} is below 1
   */
  public GaussianMixture(int components, int features, long seed) {
    Checks.requirePositive(components, "GaussianMixture", "components");
    Checks.requirePositive(features, "GaussianMixture", "features");
    this.components = components;
    this.features = features;
    this.seed = seed;
    this.logits = registerParameter("logits", Tensor.zeros(components));
    this.means =
        registerParameter(
            "means", new Rng(seed).fillNormal(Tensor.zeros(components, features), 0, 1));
    this.logStds = registerParameter("logStds", Tensor.zeros(components, features));
  }

  /** The number of components {@code K}. */
  public int components() {
    return components;
  }

  @Override
  public Shape eventShape() {
    return Shape.of(features);
  }

  /** The mixture logits, {@code [K]}. */
  public Parameter logits() {
    return logits;
  }

  /** The component means, {@code [K, D]}. */
  public Parameter means() {
    return means;
  }

  /** The component log standard deviations, {@code [K, D]}. */
  public Parameter logStds() {
    return logStds;
  }

  /**
   * The log-density of each row.
   *
   * @param z of shape {@code [batch, D]}
   * @return of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} is not {@code [batch, D]}
   */
  @Override
  public Var logProb(Var z) {
    Distributions.requireEvent("GaussianMixture.logProb", z, eventShape());
    return logProb(z, logits.var(), means.var(), logStds.var());
  }

  /**
   * The fused log-density op.
   *
   * @param z of shape {@code [batch, D]}
   * @param logits of shape {@code [K]}
   * @param means of shape {@code [K, D]}
   * @param logStds of shape {@code [K, D]}
   * @return of shape {@code [batch]}
   */
  static Var logProb(Var z, Var logits, Var means, Var logStds) {
    int k0 = logits.shape().dim(0);
    int b0 = z.shape().batch();
    int d0 = z.shape().rowSize();
    Tensor zv = z.value();
    float[] zd = zv.data();
    int zo = zv.offset();
    double[] logPi = logSoftmax(logits.value());
    double[] mean = new double[k0 * d0];
    double[] invStd = new double[k0 * d0];
    double[] constant = new double[k0];
    for (int k = 0; k < k0; k++) {
      double c = logPi[k] - d0 * Losses.HALF_LOG_TWO_PI;
      for (int j = 0; j < d0; j++) {
        double ls = logStds.value().getFlat(k * d0 + j);
        mean[k * d0 + j] = means.value().getFlat(k * d0 + j);
        invStd[k * d0 + j] = Math.exp(-ls);
        c -= ls;
      }
      constant[k] = c;
    }
    boolean needsGrad =
        Tape.isRecording()
            && (z.requiresGrad()
                || logits.requiresGrad()
                || means.requiresGrad()
                || logStds.requiresGrad());
    Tensor resp = needsGrad ? Tape.newValue(Shape.of(b0, k0)) : null;
    Tensor y = Tape.newValue(Shape.of(b0));
    double[] a = new double[k0];
    for (int b = 0; b < b0; b++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < k0; k++) {
        double sq = 0;
        for (int j = 0; j < d0; j++) {
          double u = (zd[zo + b * d0 + j] - mean[k * d0 + j]) * invStd[k * d0 + j];
          sq += u * u;
        }
        a[k] = constant[k] - 0.5 * sq;
        max = Math.max(max, a[k]);
      }
      double sum = 0;
      for (int k = 0; k < k0; k++) {
        a[k] = Math.exp(a[k] - max);
        sum += a[k];
      }
      y.setFlat(b, (float) (max + Math.log(sum)));
      if (resp != null) {
        for (int k = 0; k < k0; k++) {
          resp.setFlat(b * k0 + k, (float) (a[k] / sum));
        }
      }
    }
    return Tape.result(
        y,
        out -> {
          Tensor dy = out.grad();
          double[] gLogits = new double[k0];
          double[] gMean = new double[k0 * d0];
          double[] gLogStd = new double[k0 * d0];
          Tensor gz = z.requiresGrad() ? z.grad() : null;
          double dySum = 0;
          for (int b = 0; b < b0; b++) {
            double g = dy.getFlat(b);
            dySum += g;
            for (int k = 0; k < k0; k++) {
              double w = g * resp.getFlat(b * k0 + k);
              gLogits[k] += w;
              for (int j = 0; j < d0; j++) {
                int kj = k * d0 + j;
                double u = (zd[zo + b * d0 + j] - mean[kj]) * invStd[kj];
                double du = w * u * invStd[kj];
                gMean[kj] += du;
                gLogStd[kj] += w * (u * u - 1);
                if (gz != null) {
                  gz.setFlat(b * d0 + j, (float) (gz.getFlat(b * d0 + j) - du));
                }
              }
            }
          }
          if (logits.requiresGrad()) {
            Tensor g = logits.grad();
            for (int k = 0; k < k0; k++) {
              double pi = Math.exp(logPi[k]);
              g.setFlat(k, (float) (g.getFlat(k) + gLogits[k] - pi * dySum));
            }
          }
          addInto(means, gMean);
          addInto(logStds, gLogStd);
        },
        z,
        logits,
        means,
        logStds);
  }

  private static void addInto(Var v, double[] g) {
    if (v.requiresGrad()) {
      Tensor t = v.grad();
      for (int i = 0; i < g.length; i++) {
        t.setFlat(i, (float) (t.getFlat(i) + g[i]));
      }
    }
  }

  private static double[] logSoftmax(Tensor logits) {
    int k0 = logits.size();
    double max = Double.NEGATIVE_INFINITY;
    for (int k = 0; k < k0; k++) {
      max = Math.max(max, logits.getFlat(k));
    }
    double sum = 0;
    for (int k = 0; k < k0; k++) {
      sum += Math.exp(logits.getFlat(k) - max);
    }
    double lse = max + Math.log(sum);
    double[] out = new double[k0];
    for (int k = 0; k < k0; k++) {
      out[k] = logits.getFlat(k) - lse;
    }
    return out;
  }

  /** Draws a component index for each of {@code n} rows from {@code softmax(logits)}. */
  private int[] drawComponents(int n, Rng rng) {
    double[] logPi = logSoftmax(logits.value());
    double[] cumulative = new double[components];
    double c = 0;
    for (int k = 0; k < components; k++) {
      c += Math.exp(logPi[k]);
      cumulative[k] = c;
    }
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      // Scaled by the total so rounding in the cumulative sum cannot leave u beyond the last bin.
      double u = rng.nextUniform() * c;
      int k = 0;
      while (k < components - 1 && cumulative[k] <= u) {
        k++;
      }
      out[i] = k;
    }
    return out;
  }

  @Override
  public Tensor sample(int n, double temperature, Rng rng) {
    Distributions.requireSampleArgs("GaussianMixture.sample", n, temperature);
    int[] comp = drawComponents(n, rng);
    Tensor z = Tensor.zeros(n, features);
    Tensor m = means.value();
    Tensor s = logStds.value();
    for (int i = 0; i < n; i++) {
      int k = comp[i];
      for (int j = 0; j < features; j++) {
        double std = Math.exp(s.getFlat(k * features + j));
        z.setFlat(
            i * features + j,
            (float) (m.getFlat(k * features + j) + temperature * std * rng.nextGaussian()));
      }
    }
    return z;
  }

  /**
   * Draws {@code n} events and their log-densities. Given the drawn components the draw is
   * reparameterised ({@code z = mean_k + std_k * eps}), so on a recording tape {@code z} is
   * differentiable with respect to the means and log-stds; the categorical choice of a component is
   * not differentiable, so the logits receive only the gradient of {@code log p(z)} at the drawn
   * {@code z} (a biased path-wise estimate for reverse-KL training of the weights).
   *
   * @throws IllegalArgumentException if {@code n < 0}
   */
  @Override
  public Sampled sampleWithLogProb(int n, Rng rng) {
    Distributions.requireSampleArgs("GaussianMixture.sampleWithLogProb", n, 1.0);
    int[] comp = drawComponents(n, rng);
    Tensor eps = rng.fillNormal(Tensor.zeros(n, features), 0, 1);
    Var z = reparameterized(comp, eps, means.var(), logStds.var());
    return new Sampled(z, logProb(z, logits.var(), means.var(), logStds.var()));
  }

  /**
   * {@code z_b = mean_{k_b} + exp(logStd_{k_b}) * eps_b}, differentiable in the means and log-stds.
   */
  static Var reparameterized(int[] comp, Tensor eps, Var means, Var logStds) {
    int n = eps.shape().batch();
    int d = eps.shape().rowSize();
    Tensor mv = means.value();
    Tensor sv = logStds.value();
    Tensor z = Tape.newValue(eps.shape());
    float[] std = new float[n * d];
    for (int i = 0; i < n; i++) {
      int k = comp[i];
      for (int j = 0; j < d; j++) {
        std[i * d + j] = (float) Math.exp(sv.getFlat(k * d + j));
        z.setFlat(i * d + j, mv.getFlat(k * d + j) + std[i * d + j] * eps.getFlat(i * d + j));
      }
    }
    return Tape.result(
        z,
        out -> {
          Tensor dz = out.grad();
          Tensor gm = means.requiresGrad() ? means.grad() : null;
          Tensor gs = logStds.requiresGrad() ? logStds.grad() : null;
          for (int i = 0; i < n; i++) {
            int k = comp[i];
            for (int j = 0; j < d; j++) {
              float g = dz.getFlat(i * d + j);
              if (gm != null) {
                gm.setFlat(k * d + j, gm.getFlat(k * d + j) + g);
              }
              if (gs != null) {
                gs.setFlat(
                    k * d + j, gs.getFlat(k * d + j) + g * std[i * d + j] * eps.getFlat(i * d + j));
              }
            }
          }
        },
        means,
        logStds);
  }

  @Override
  public Json.Obj spec() {
    return Distributions.spec(TYPE)
        .put("components", components)
        .put("features", features)
        .put("seed", seed)
        .build();
  }

  static GaussianMixture fromSpec(Json.Obj spec) {
    return new GaussianMixture(
        spec.getInt("components"), spec.getInt("features"), spec.getLong("seed"));
  }

  @Override
  public String toString() {
    return "GaussianMixture[" + components + " x " + features + "]";
  }
}
