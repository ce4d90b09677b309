package io.flows4j.distributions;

import io.flows4j.autodiff.Losses;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * A normal distribution with a trainable mean and standard deviation for every element of the
 * event, independent across elements:
 *
 * <pre>
 *   log p(z) = sum_j [-0.5 ((z_j - mean_j) / std_j)^2 - logStd_j - 0.5 log(2 pi)],   std = exp(logStd)
 * </pre>
 *
 * <p>Parameters: {@code mean} and {@code logStd}, each of the event shape, starting at 0 (the
 * standard normal). Sampling is reparameterised, {@code z = mean + temperature * std * eps} with
 * {@code eps ~ N(0, I)}, so {@link #sampleWithLogProb} is differentiable with respect to both
 * parameters when it records on a tape (Kingma and Welling 2014, "Auto-Encoding Variational Bayes",
 * section 2.4).
 */
public final class DiagonalGaussian extends Module implements Distribution {
  static final String TYPE = "diagonal-gaussian";

  private final Shape eventShape;
  private final Parameter mean;
  private final Parameter logStd;

  /**
   * Creates the standard normal over events of the given shape, with trainable mean and log-std.
   *
   * @param eventDims e.g. {@code 2} for points in the plane
   * @throws IllegalArgumentException if the event shape is empty or invalid
   */
  public DiagonalGaussian(int... eventDims) {
    this.eventShape = Distributions.eventShape("DiagonalGaussian", eventDims);
    this.mean = registerParameter("mean", Tensor.zeros(eventShape));
    this.logStd = registerParameter("logStd", Tensor.zeros(eventShape));
  }

  @Override
  public Shape eventShape() {
    return eventShape;
  }

  /** The mean parameter, of the event shape. */
  public Parameter mean() {
    return mean;
  }

  /** The log standard deviation parameter, of the event shape. */
  public Parameter logStd() {
    return logStd;
  }

  /**
   * The log-density of each row.
   *
   * @param z of shape {@code [batch, event...]}
   * @return of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if a row does not have the event shape
   */
  @Override
  public Var logProb(Var z) {
    Distributions.requireEvent("DiagonalGaussian.logProb", z, eventShape);
    return Losses.normalLogProb(z, mean.var(), logStd.var());
  }

  @Override
  public Tensor sample(int n, double temperature, Rng rng) {
    Distributions.requireSampleArgs("DiagonalGaussian.sample", n, temperature);
    Tensor z = Tensor.zeros(Distributions.batchShape(n, eventShape));
    int d = eventShape.size();
    Tensor m = mean.value();
    Tensor s = logStd.value();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        double std = Math.exp(s.getFlat(j));
        z.setFlat(i * d + j, (float) (m.getFlat(j) + temperature * std * rng.nextGaussian()));
      }
    }
    return z;
  }

  /**
   * Draws {@code n} events {@code z = mean + std * eps} and their log-densities {@code log p(z) =
   * sum_j [-0.5 eps_j^2 - logStd_j] - (D/2) log(2 pi)} in one pass. On a recording tape both are
   * differentiable with respect to {@code mean} and {@code logStd} along the sampling path; the
   * log-density's gradient is the total one (through {@code z} and directly), which is why it does
   * not depend on {@code mean}.
   *
   * @throws IllegalArgumentException if {@code n < 0}
   */
  @Override
  public Sampled sampleWithLogProb(int n, Rng rng) {
    Distributions.requireSampleArgs("DiagonalGaussian.sampleWithLogProb", n, 1.0);
    Tensor eps = rng.fillNormal(Tensor.zeros(Distributions.batchShape(n, eventShape)), 0, 1);
    return reparameterized(eps, mean.var(), logStd.var());
  }

  /**
   * The reparameterised draw from given noise: {@code z = mean + exp(logStd) * eps} and {@code log
   * p(z)}, as two ops.
   *
   * @param eps of shape {@code [n, event...]}
   * @param mean of the event shape
   * @param logStd of the event shape
   */
  static Sampled reparameterized(Tensor eps, Var mean, Var logStd) {
    int n = eps.shape().batch();
    int d = eps.shape().rowSize();
    float[] e = eps.data();
    int eo = eps.offset();
    Tensor mv = mean.value();
    Tensor sv = logStd.value();
    float[] std = new float[d];
    double logStdSum = 0;
    for (int j = 0; j < d; j++) {
      std[j] = (float) Math.exp(sv.getFlat(j));
      logStdSum += sv.getFlat(j);
    }
    Tensor z = Tape.newValue(eps.shape());
    Tensor lp = Tape.newValue(Shape.of(n));
    double constant = d * Losses.HALF_LOG_TWO_PI + logStdSum;
    for (int i = 0; i < n; i++) {
      double sq = 0;
      for (int j = 0; j < d; j++) {
        float ev = e[eo + i * d + j];
        z.setFlat(i * d + j, mv.getFlat(j) + std[j] * ev);
        sq += (double) ev * ev;
      }
      lp.setFlat(i, (float) (-0.5 * sq - constant));
    }
    Var zNode =
        Tape.result(
            z,
            out -> {
              Tensor dz = out.grad();
              Tensor gm = mean.requiresGrad() ? mean.grad() : null;
              Tensor gs = logStd.requiresGrad() ? logStd.grad() : null;
              for (int j = 0; j < d; j++) {
                double sm = 0;
                double ss = 0;
                for (int i = 0; i < n; i++) {
                  float g = dz.getFlat(i * d + j);
                  sm += g;
                  ss += (double) g * std[j] * e[eo + i * d + j];
                }
                if (gm != null) {
                  gm.setFlat(j, (float) (gm.getFlat(j) + sm));
                }
                if (gs != null) {
                  gs.setFlat(j, (float) (gs.getFlat(j) + ss));
                }
              }
            },
            mean,
            logStd);
    Var lpNode =
        Tape.result(
            lp,
            out -> {
              if (logStd.requiresGrad()) {
                Tensor dy = out.grad();
                double total = 0;
                for (int i = 0; i < n; i++) {
                  total += dy.getFlat(i);
                }
                Tensor gs = logStd.grad();
                for (int j = 0; j < d; j++) {
                  gs.setFlat(j, (float) (gs.getFlat(j) - total));
                }
              }
            },
            logStd);
    return new Sampled(zNode, lpNode);
  }

  @Override
  public Json.Obj spec() {
    return Distributions.spec(TYPE)
        .put("event", Json.array(Distributions.dimsJson(eventShape)))
        .build();
  }

  static DiagonalGaussian fromSpec(Json.Obj spec) {
    return new DiagonalGaussian(spec.getArray("event").toIntArray());
  }

  @Override
  public String toString() {
    return "DiagonalGaussian" + eventShape;
  }
}
