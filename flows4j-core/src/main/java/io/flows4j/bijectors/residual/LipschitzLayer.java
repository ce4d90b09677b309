package io.flows4j.bijectors.residual;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.nn.Init;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * One layer of a Lipschitz-constrained network: LipSwish with a trainable slope, then a spectrally
 * normalised dense layer, {@code h' = W_eff phi(h) + b}.
 *
 * <p><b>Spectral normalisation</b> (Miyato et al. 2018, as used by Behrmann et al. 2019 and Chen et
 * al. 2019): {@code W_eff = W / max(1, sigma / c)} with {@code sigma = u^T W v}, where {@code u}
 * (shape {@code [out]}) and {@code v} (shape {@code [in]}) are unit estimates of the leading
 * singular vectors, kept as <em>buffers</em> so that they are saved and loaded with the weights.
 * They change only in {@link #powerIterate} (Miyato's {@code v <- W^T u / |W^T u|}, {@code u <- W v
 * / |W v|}), which the block calls once per training step (see {@link InvertibleResidualBlock}); in
 * evaluation and outside a recording tape they stay fixed, so a loaded model's log-density is a
 * deterministic function of its file. Since {@code sigma <= ||W||_2} for unit {@code u, v}, the
 * bound {@code ||W_eff||_2 <= c} holds to the accuracy of the estimate, which the persistent
 * vectors keep close (the weights move little per step).
 *
 * <p>Parameters: {@code beta} (shape {@code [1]}, the raw LipSwish slope, {@code beta =
 * softplus(raw)}, starting at 0.5 as in the Residual Flows code), {@code weight} ({@code [out,
 * in]}) and {@code bias} ({@code [out]}), initialised {@code U(-1/sqrt(in), 1/sqrt(in))}; a last
 * layer ({@code small}) gets weights a thousand times smaller and a zero bias, so a new block is
 * close to the identity. Buffers: {@code u}, {@code v}.
 */
final class LipschitzLayer extends Module {
  /** The raw LipSwish slope a layer starts with ({@code beta = softplus(0.5) = 0.974}). */
  static final float INITIAL_BETA_RAW = 0.5f;

  /** Scale of a last layer's initial weights relative to the usual fan-in bound. */
  static final double SMALL_INIT = 1e-3;

  /** Guards the normalisation of a zero vector in the power iteration. */
  private static final double NORM_EPS = 1e-12;

  private final int in;
  private final int out;
  private final Parameter beta;
  private final Parameter weight;
  private final Parameter bias;
  private final Tensor u;
  private final Tensor v;

  LipschitzLayer(int in, int out, boolean small, long seed) {
    this.in = Checks.requirePositive(in, "LipschitzLayer", "in");
    this.out = Checks.requirePositive(out, "LipschitzLayer", "out");
    SplittableRandom random = new SplittableRandom(seed);
    this.beta =
        registerParameter("beta", Tensor.full(io.flows4j.tensor.Shape.of(1), INITIAL_BETA_RAW));
    double bound = 1.0 / Math.sqrt(in) * (small ? SMALL_INIT : 1.0);
    this.weight =
        registerParameter("weight", Init.uniform(Tensor.zeros(out, in), -bound, bound, random));
    Tensor b = Tensor.zeros(out);
    if (!small) {
      Init.uniformFanIn(b, in, random);
    }
    this.bias = registerParameter("bias", b);
    Rng rng = new Rng(random.nextLong());
    this.u = registerBuffer("u", normalize(rng.fillNormal(Tensor.zeros(out), 0, 1)));
    this.v = registerBuffer("v", normalize(rng.fillNormal(Tensor.zeros(in), 0, 1)));
  }

  int in() {
    return in;
  }

  int out() {
    return out;
  }

  Parameter betaParameter() {
    return beta;
  }

  Parameter weight() {
    return weight;
  }

  Parameter bias() {
    return bias;
  }

  Tensor u() {
    return u;
  }

  Tensor v() {
    return v;
  }

  /** {@code W_eff} as a node of the current computation (see the class comment). */
  Var effectiveWeight(double coefficient) {
    return ResidualOps.spectralNormalize(weight.var(), u, v, coefficient);
  }

  /** The current estimate {@code sigma = u^T W v} of the largest singular value of {@code W}. */
  double sigma() {
    return ResidualOps.bilinear(u, weight.value(), v);
  }

  /**
   * Runs power iterations on the buffers {@code u, v}, in place, in double.
   *
   * @param iterations at most this many
   * @param tolerance stops early once {@code sigma} changes by at most {@code tolerance * sigma} (0
   *     to always run {@code iterations})
   * @return the iterations run
   */
  int powerIterate(int iterations, double tolerance) {
    float[] w = weight.value().data();
    int wo = weight.value().offset();
    double[] ud = new double[out];
    double[] vd = new double[in];
    for (int r = 0; r < out; r++) {
      ud[r] = u.getFlat(r);
    }
    double previous = Double.NaN;
    int done = 0;
    while (done < iterations) {
      done++;
      // v <- W^T u / |W^T u|
      java.util.Arrays.fill(vd, 0);
      for (int r = 0; r < out; r++) {
        double ur = ud[r];
        int row = wo + r * in;
        for (int c = 0; c < in; c++) {
          vd[c] += w[row + c] * ur;
        }
      }
      scale(vd);
      // u <- W v / |W v|, sigma = |W v| = u^T W v
      double sigma = 0;
      for (int r = 0; r < out; r++) {
        int row = wo + r * in;
        double s = 0;
        for (int c = 0; c < in; c++) {
          s += w[row + c] * vd[c];
        }
        ud[r] = s;
        sigma += s * s;
      }
      sigma = Math.sqrt(sigma);
      scale(ud);
      if (tolerance > 0 && Math.abs(sigma - previous) <= tolerance * sigma) {
        break;
      }
      previous = sigma;
    }
    for (int r = 0; r < out; r++) {
      u.setFlat(r, (float) ud[r]);
    }
    for (int c = 0; c < in; c++) {
      v.setFlat(c, (float) vd[c]);
    }
    return done;
  }

  private static void scale(double[] x) {
    double n = 0;
    for (double e : x) {
      n += e * e;
    }
    double inv = 1.0 / Math.max(Math.sqrt(n), NORM_EPS);
    for (int i = 0; i < x.length; i++) {
      x[i] *= inv;
    }
  }

  private static Tensor normalize(Tensor t) {
    double n = 0;
    for (int i = 0; i < t.size(); i++) {
      n += (double) t.getFlat(i) * t.getFlat(i);
    }
    double inv = 1.0 / Math.max(Math.sqrt(n), NORM_EPS);
    for (int i = 0; i < t.size(); i++) {
      t.setFlat(i, (float) (t.getFlat(i) * inv));
    }
    return t;
  }
}
