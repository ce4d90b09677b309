package io.flows4j.vi;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.distributions.Distribution;
import io.flows4j.flows.Flow;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.util.OptionalDouble;

/**
 * How well a flow {@code q} fits an unnormalized target {@code p~ = Z p}, from {@code N} samples
 * {@code x_i ~ q} and their log-weights {@code w_i = log p~(x_i) - log q(x_i)}:
 *
 * <ul>
 *   <li><b>ELBO</b> {@code = mean_i w_i}, a lower bound of {@code log Z} in expectation ({@code log
 *       Z - ELBO = KL(q || p) >= 0}); standard error {@code sd(w) / sqrt(N)}.
 *   <li><b>Importance-sampling estimate</b> {@code log Z^ = log(sum_i exp(w_i)) - log N}, computed
 *       as a log-sum-exp. Its standard error comes from the delta method: {@code Z^ = mean_i W_i}
 *       with {@code W_i = exp(w_i)} has standard error {@code s_W / sqrt(N)} ({@code s_W} the
 *       sample standard deviation of the {@code W_i}), and {@code d log Z^ = dZ^ / Z^}, so {@code
 *       se(log Z^) = s_W / (sqrt(N) Z^) = sqrt((N / ESS - 1) / (N - 1))}. Like the estimate itself
 *       it is unreliable when the weights are heavy-tailed (a small ESS fraction says so).
 *   <li><b>Effective sample size</b> {@code ESS = (sum_i W_i)^2 / sum_i W_i^2}, between 1 and
 *       {@code N} ({@code N} exactly when {@code q = p}), also as a fraction of {@code N}.
 *   <li><b>KL</b> {@code KL(q || p) = mean_i(log q(x_i) + U(x_i)) + log Z = log Z - ELBO} when the
 *       target's {@code log Z} is known, with the ELBO's standard error.
 *   <li>The fraction of samples outside the box {@code [-h, h]^D} (any coordinate with {@code |x_j|
 *       > h}); for U2-U4, whose {@code log Z} is that of the box-restricted target, the KL means
 *       something only when this fraction is near 0.
 * </ul>
 */
public final class VariationalDiagnostics {
  /** Samples drawn per chunk. */
  static final int CHUNK = 4096;

  /** The half-width of the box of W2 in BENCHMARKS.md, {@code [-6, 6]^2}. */
  public static final double DEFAULT_BOX_HALF_WIDTH = 6;

  /** Samples of W2's KL estimate. */
  public static final int W2_SAMPLES = 100_000;

  private VariationalDiagnostics() {}

  /**
   * The figures of a fit.
   *
   * @param samples {@code N}
   * @param elbo {@code mean(log p~ - log q)}
   * @param elboStderr its standard error
   * @param logZ the importance-sampling estimate of {@code log Z}
   * @param logZStderr its standard error (delta method)
   * @param ess the effective sample size of the importance weights
   * @param essFraction {@code ESS / N}
   * @param kl {@code log Z - ELBO} with the target's known {@code log Z}, NaN when unknown
   * @param klStderr the ELBO's standard error, NaN when the KL is unknown
   * @param trueLogZ the target's known {@code log Z}, NaN when unknown
   * @param boxHalfWidth {@code h} of the box {@code [-h, h]^D}
   * @param fractionOutsideBox the fraction of samples with some {@code |x_j| > h}
   * @param nonFiniteSamples samples whose {@code log q} or {@code log p~} was NaN or infinite
   *     (every figure above is then NaN or infinite too)
   */
  public record Report(
      int samples,
      double elbo,
      double elboStderr,
      double logZ,
      double logZStderr,
      double ess,
      double essFraction,
      double kl,
      double klStderr,
      double trueLogZ,
      double boxHalfWidth,
      double fractionOutsideBox,
      int nonFiniteSamples) {}

  /**
   * Draws {@code samples} points of {@code flow} (seeded, without recording, in chunks, with the
   * flow in evaluation mode) and computes the figures of the class comment.
   *
   * @param boxHalfWidth {@code h} of the box {@code [-h, h]^D}, {@code > 0}
   * @throws IllegalArgumentException if {@code samples < 2} or {@code boxHalfWidth} is not {@code >
   *     0}
   * @throws io.flows4j.tensor.ShapeMismatchException if the flow is not a density over the target's
   *     space
   */
  public static Report evaluate(
      Flow flow, Target target, int samples, long seed, double boxHalfWidth) {
    Checks.requireArgument(
        samples >= 2, "VariationalDiagnostics: samples must be >= 2, but was %d", samples);
    Checks.requireArgument(
        boxHalfWidth > 0,
        "VariationalDiagnostics: box half-width must be > 0, but was %s",
        boxHalfWidth);
    VariationalTrainer.requireFits(flow, target, "VariationalDiagnostics");
    int d = target.dimension();
    double[] logP = new double[samples];
    double[] logQ = new double[samples];
    int outside = 0;
    Rng rng = new Rng(seed);
    boolean wasTraining = flow.isTraining();
    flow.eval();
    try (Tape tape = Tape.noGrad()) {
      for (int from = 0; from < samples; from += CHUNK) {
        int m = Math.min(CHUNK, samples - from);
        Distribution.Sampled s = flow.sampleWithLogProb(m, rng);
        Var lp = target.logDensity(s.value());
        Tensor x = s.value().value();
        Tensor lq = s.logProb().value();
        Tensor lpv = lp.value();
        for (int i = 0; i < m; i++) {
          logQ[from + i] = lq.getFlat(i);
          logP[from + i] = lpv.getFlat(i);
          for (int j = 0; j < d; j++) {
            if (!(Math.abs(x.getFlat(i * d + j)) <= boxHalfWidth)) {
              outside++;
              break;
            }
          }
        }
      }
    } finally {
      if (wasTraining) {
        flow.train();
      }
    }
    return summarize(logP, logQ, outside, target.logNormalizer(), boxHalfWidth);
  }

  /**
   * The figures from given log-densities of {@code N} samples of {@code q}.
   *
   * @param logP {@code log p~(x_i)}
   * @param logQ {@code log q(x_i)}, of the same length {@code N >= 2}
   * @param outside how many of the samples lie outside the box
   * @param trueLogZ the target's {@code log Z}, if known
   * @param boxHalfWidth the box's half-width, as reported
   * @throws IllegalArgumentException if the lengths differ or {@code N < 2}
   */
  public static Report summarize(
      double[] logP, double[] logQ, int outside, OptionalDouble trueLogZ, double boxHalfWidth) {
    int n = logP.length;
    Checks.requireArgument(
        logQ.length == n,
        "VariationalDiagnostics: log q must have one value per sample (%d), but has %d",
        n,
        logQ.length);
    Checks.requireArgument(n >= 2, "VariationalDiagnostics: samples must be >= 2, but was %d", n);
    double[] w = new double[n];
    double max = Double.NEGATIVE_INFINITY;
    double sum = 0;
    int nonFinite = 0;
    for (int i = 0; i < n; i++) {
      w[i] = logP[i] - logQ[i];
      if (!Double.isFinite(logP[i]) || !Double.isFinite(logQ[i])) {
        nonFinite++;
      }
      sum += w[i];
      max = Math.max(max, w[i]);
    }
    double mean = sum / n;
    double squares = 0;
    for (double v : w) {
      squares += (v - mean) * (v - mean);
    }
    double elboStderr = Math.sqrt(squares / (n - 1) / n);
    // Weights scaled by exp(-max), so that the largest is 1 and none overflows.
    double s1 = 0;
    double s2 = 0;
    for (double v : w) {
      double e = Math.exp(v - max);
      s1 += e;
      s2 += e * e;
    }
    double ess = s1 * s1 / s2;
    double logZ = max + Math.log(s1) - Math.log(n);
    double logZStderr = Math.sqrt(Math.max(0, (n / ess - 1) / (n - 1)));
    double known = trueLogZ.isPresent() ? trueLogZ.getAsDouble() : Double.NaN;
    double kl = known - mean;
    return new Report(
        n,
        mean,
        elboStderr,
        logZ,
        logZStderr,
        ess,
        ess / n,
        kl,
        Double.isNaN(known) ? Double.NaN : elboStderr,
        known,
        boxHalfWidth,
        (double) outside / n,
        nonFinite);
  }
}
