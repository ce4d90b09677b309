package io.flows4j.bijectors;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * Batch normalization as a bijector (Dinh, Sohl-Dickstein and Bengio 2017, "Density estimation
 * using Real NVP", section 3.7; Papamakarios, Pavlakou and Murray 2017, "Masked Autoregressive Flow
 * for Density Estimation").
 *
 * <pre>
 *   forward (data to latent):  z = (x - mu_c) / sqrt(var_c + eps) * exp(logGamma_c) + beta_c
 *   log|det dz/dx| = positions * sum_c (logGamma_c - 0.5 log(var_c + eps))     (every row)
 *   inverse:                   x = (z - beta_c) * exp(-logGamma_c) * sqrt(var_c + eps) + mu_c
 * </pre>
 *
 * <p><b>Statistics.</b> In training mode {@link #forward} uses the batch's own mean and biased
 * variance per channel (over the batch and the positions of {@code [batch, channels, ...]} inputs,
 * see {@link ChannelLayout}), differentiates through them, and reports the log-determinant of the
 * per-row map with those statistics held fixed, as Real NVP does; it also updates the running
 * statistics: {@code running = (1 - momentum) * running + momentum * batch}, with the unbiased
 * batch variance for the running variance (it estimates the population's). In evaluation mode
 * {@link #forward} uses the running statistics, so rows are independent and the layer is an exact
 * bijection. {@link #inverse} uses the running statistics in <em>both</em> modes: a batch of latent
 * draws has no data statistics to use, and the running statistics are what the layer has learnt of
 * the data; so in training mode {@code inverse} is the inverse of the evaluation-mode forward map,
 * not of the batch map just applied.
 *
 * <p>Parameters: {@code logGamma} and {@code beta}, shape {@code [channels]}, starting at 0.
 * Buffers: {@code runningMean} (starts at 0) and {@code runningVar} (starts at 1), shape {@code
 * [channels]}, saved with the weights.
 */
public final class BatchNormFlow extends Module implements Bijector {
  static final String TYPE = "batchnorm";

  /** The default {@code eps} added to the variance. */
  public static final double DEFAULT_EPS = 1e-5;

  /** The default weight of a batch's statistics in the running averages. */
  public static final double DEFAULT_MOMENTUM = 0.1;

  private static final int GRAIN = 1 << 15;

  private final int channels;
  private final double eps;
  private final double momentum;
  private final Parameter logGamma;
  private final Parameter beta;
  private final Tensor runningMean;
  private final Tensor runningVar;

  /**
   * Creates the layer with {@link #DEFAULT_EPS} and {@link #DEFAULT_MOMENTUM}.
   *
   * @throws IllegalArgumentException if {@code channels < 1}
   */
  public BatchNormFlow(int channels) {
    this(channels, DEFAULT_EPS, DEFAULT_MOMENTUM);
  }

  /**
   * Creates the layer.
   *
   * @param channels features of {@code [batch, channels]} inputs, channels of {@code [batch,
   *     channels, ...]} inputs
   * @param eps added to every variance before its square root; {@code > 0}
   * @param momentum weight of each training batch in the running statistics; in {@code (0, 1]}
   * @throws IllegalArgumentException if an argument is out of range
   */
  public BatchNormFlow(int channels, double eps, double momentum) {
    Checks.requirePositive(channels, "BatchNormFlow", "channels");
    Checks.requireArgument(
        eps > 0 && Double.isFinite(eps), "BatchNormFlow: eps must be > 0, but was %s", eps);
    Checks.requireArgument(
        momentum > 0 && momentum <= 1,
        "BatchNormFlow: momentum must be in (0, 1], but was %s",
        momentum);
    this.channels = channels;
    this.eps = eps;
    this.momentum = momentum;
    this.logGamma = registerParameter("logGamma", Tensor.zeros(channels));
    this.beta = registerParameter("beta", Tensor.zeros(channels));
    this.runningMean = registerBuffer("runningMean", Tensor.zeros(channels));
    this.runningVar = registerBuffer("runningVar", Tensor.full(Shape.of(channels), 1f));
  }

  /** The number of channels (features). */
  public int channels() {
    return channels;
  }

  /** The {@code eps} added to variances. */
  public double eps() {
    return eps;
  }

  /** The weight of each training batch in the running statistics. */
  public double momentum() {
    return momentum;
  }

  /** The running means (live buffer, shape {@code [channels]}). */
  public Tensor runningMean() {
    return runningMean;
  }

  /** The running variances (live buffer, shape {@code [channels]}). */
  public Tensor runningVar() {
    return runningVar;
  }

  /**
   * The normalizing direction: with the batch's statistics in training mode (updating the running
   * ones), with the running statistics in evaluation mode.
   *
   * @param x of shape {@code [batch, channels, ...]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} does not have that shape
   * @throws IllegalArgumentException in training mode, if the batch holds fewer than two values per
   *     channel
   */
  @Override
  public Transformed forward(Var x) {
    ChannelLayout l = ChannelLayout.of("BatchNormFlow.forward", x.shape(), channels);
    if (!isTraining()) {
      return ChannelAffine.forward(x, runningTerms(), l);
    }
    double[] mean = new double[channels];
    double[] var = new double[channels];
    Transformed t = batchForward(x, logGamma.var(), beta.var(), eps, l, mean, var);
    double unbiased = (double) l.perChannel() / (l.perChannel() - 1);
    for (int c = 0; c < channels; c++) {
      runningMean.setFlat(
          c, (float) ((1 - momentum) * runningMean.getFlat(c) + momentum * mean[c]));
      runningVar.setFlat(
          c, (float) ((1 - momentum) * runningVar.getFlat(c) + momentum * var[c] * unbiased));
    }
    return t;
  }

  /**
   * The generative direction, with the running statistics in both modes.
   *
   * @param z of shape {@code [batch, channels, ...]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} does not have that shape
   */
  @Override
  public Transformed inverse(Var z) {
    ChannelLayout l = ChannelLayout.of("BatchNormFlow.inverse", z.shape(), channels);
    return ChannelAffine.inverse(z, runningTerms(), l);
  }

  /** The map with the running statistics, {@code (x - runningMean) / sqrt(runningVar + eps)}. */
  private ChannelAffine.Terms runningTerms() {
    return new ChannelAffine.Terms(
        null, runningCenter(), logGamma.var(), runningFactor(), beta.var());
  }

  private double[] runningCenter() {
    double[] m = new double[channels];
    for (int c = 0; c < channels; c++) {
      m[c] = runningMean.getFlat(c);
    }
    return m;
  }

  private double[] runningFactor() {
    double[] f = new double[channels];
    for (int c = 0; c < channels; c++) {
      f[c] = 1 / Math.sqrt(runningVar.getFlat(c) + eps);
    }
    return f;
  }

  /**
   * The training-mode map with batch statistics, as one fused op: {@code z = (x - mu_c) /
   * sqrt(var_c + eps) * exp(logGamma_c) + beta_c} and {@code logAbsDet_b = positions * sum_c
   * (logGamma_c - 0.5 log(var_c + eps))}, differentiable with respect to {@code x} through the
   * statistics (the log-determinant too depends on {@code x} through {@code var}).
   *
   * @param x of shape {@code [batch, channels, ...]}
   * @param logGamma of shape {@code [channels]}
   * @param beta of shape {@code [channels]}
   * @param meanOut receives the batch means (may be {@code null})
   * @param varOut receives the biased batch variances (may be {@code null})
   * @throws IllegalArgumentException if the batch holds fewer than two values per channel
   */
  static Transformed batchForward(
      Var x,
      Var logGamma,
      Var beta,
      double eps,
      ChannelLayout l,
      double[] meanOut,
      double[] varOut) {
    int n = l.perChannel();
    Checks.requireArgument(
        n >= 2,
        "BatchNormFlow.forward: training mode needs at least 2 values per channel to estimate a"
            + " variance, but the batch holds %d (shape %s); use eval() for single rows",
        n,
        x.shape());
    int c0 = l.channels();
    int positions = l.positions();
    Tensor xv = x.value();
    double[][] stats = l.meanVariance(xv);
    float[] m = new float[c0];
    float[] a = new float[c0];
    float[] t = new float[c0];
    double[] invStd = new double[c0];
    double[] gamma = new double[c0];
    double perPosition = 0;
    for (int c = 0; c < c0; c++) {
      double lg = logGamma.value().getFlat(c);
      invStd[c] = 1 / Math.sqrt(stats[1][c] + eps);
      gamma[c] = Math.exp(lg);
      m[c] = (float) stats[0][c];
      a[c] = (float) (gamma[c] * invStd[c]);
      t[c] = beta.value().getFlat(c);
      perPosition += lg + Math.log(invStd[c]);
      if (meanOut != null) {
        meanOut[c] = stats[0][c];
      }
      if (varOut != null) {
        varOut[c] = stats[1][c];
      }
    }
    Tensor z = Tape.newValue(xv.shape());
    ChannelAffine.affine(xv.data(), xv.offset(), z.data(), z.offset(), m, a, t, l);
    Tensor ld = Tape.newValue(Shape.of(l.batch()));
    ld.fill((float) (perPosition * positions));
    return FusedResult.of(
        z,
        ld,
        (dz, dld) -> {
          // With xhat = (x - mu) invStd, g = dL/dz and L = sum_b dL/dlogAbsDet_b:
          //   dlogGamma_c = gamma_c A_c + positions L,  dbeta_c = S_c,
          //   dx = invStd [gamma (g - S/n - xhat A/n) - positions L xhat / n],
          // with A_c = sum g xhat and S_c = sum g over the batch and positions of channel c; the
          // last term is the log-determinant's dependence on x through var.
          double[] sums =
              dz == null ? new double[2 * c0] : ChannelAffine.backward(xv, dz, null, m, a, l, true);
          double rowSum = 0;
          if (dld != null) {
            for (int i = 0; i < dld.size(); i++) {
              rowSum += dld.getFlat(i);
            }
          }
          double fromLogDet = rowSum * positions;
          if (logGamma.requiresGrad()) {
            Tensor g = logGamma.grad();
            for (int c = 0; c < c0; c++) {
              double bigA = invStd[c] * sums[2 * c];
              g.setFlat(c, (float) (g.getFlat(c) + gamma[c] * bigA + fromLogDet));
            }
          }
          if (beta.requiresGrad() && dz != null) {
            Tensor g = beta.grad();
            for (int c = 0; c < c0; c++) {
              g.setFlat(c, (float) (g.getFlat(c) + sums[2 * c + 1]));
            }
          }
          if (x.requiresGrad()) {
            float[] k1 = new float[c0];
            float[] k0 = new float[c0];
            float[] k2 = new float[c0];
            for (int c = 0; c < c0; c++) {
              double bigA = invStd[c] * sums[2 * c];
              double s = sums[2 * c + 1];
              k1[c] = dz == null ? 0f : (float) (gamma[c] * invStd[c]);
              k0[c] = (float) (-gamma[c] * invStd[c] * s / n);
              k2[c] = (float) (-invStd[c] * invStd[c] * (gamma[c] * bigA + fromLogDet) / n);
            }
            Tensor dx = x.grad();
            inputGradient(xv, dz, dx, m, k1, k0, k2, l);
          }
        },
        x,
        logGamma,
        beta);
  }

  /** {@code dx += k1_c g + k0_c + k2_c (x - m_c)} over the whole tensor ({@code g} may be null). */
  private static void inputGradient(
      Tensor xv,
      Tensor g,
      Tensor dxt,
      float[] m,
      float[] k1,
      float[] k0,
      float[] k2,
      ChannelLayout l) {
    int c0 = l.channels();
    int positions = l.positions();
    float[] x = xv.data();
    int xo = xv.offset();
    float[] gd = g == null ? null : g.data();
    int go = g == null ? 0 : g.offset();
    float[] dx = dxt.data();
    int dxo = dxt.offset();
    io.flows4j.tensor.Threads.parallelRange(
        l.batch() * c0,
        Math.max(1, GRAIN / positions),
        (from, to) -> {
          for (int run = from; run < to; run++) {
            int c = run % c0;
            int base = run * positions;
            float mc = m[c];
            float a1 = k1[c];
            float a0 = k0[c];
            float a2 = k2[c];
            for (int p = 0; p < positions; p++) {
              float gv = gd == null ? 0f : gd[go + base + p];
              dx[dxo + base + p] += a1 * gv + a0 + a2 * (x[xo + base + p] - mc);
            }
          }
        });
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE)
        .put("channels", channels)
        .put("eps", eps)
        .put("momentum", momentum)
        .build();
  }

  static BatchNormFlow fromSpec(Json.Obj spec) {
    return new BatchNormFlow(
        spec.getInt("channels"), spec.getDouble("eps"), spec.getDouble("momentum"));
  }
}
