package io.flows4j.optim;

import io.flows4j.autodiff.Parameter;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import java.util.List;
import java.util.Map;

/** The update shared by {@link Adam} (L2 penalty) and {@link AdamW} (decoupled decay). */
abstract sealed class AbstractAdam extends Optimizer permits Adam, AdamW {
  /**
   * Elements per task when a parameter is split over threads: below this the hand-off costs more
   * than the pass (one element is a few nanoseconds of work).
   */
  static final int MIN_PER_TASK = 1 << 15;

  private final AdamConfig config;
  private final boolean decoupled;
  private final Tensor[] expAvg;
  private final Tensor[] expAvgSq;

  AbstractAdam(
      String name, Map<String, Parameter> parameters, AdamConfig config, boolean decoupled) {
    super(name, parameters, requireConfig(name, config).learningRate());
    this.config = config;
    this.decoupled = decoupled;
    this.expAvg = newBuffer("exp_avg");
    this.expAvgSq = newBuffer("exp_avg_sq");
  }

  /** The hyperparameters given at construction (the learning rate may since have changed). */
  public final AdamConfig config() {
    return config;
  }

  @Override
  final void update(double lr, long t) {
    double beta1 = config.beta1();
    double beta2 = config.beta2();
    double wd = config.weightDecay();
    // Scalars are formed in double and rounded once to float, as PyTorch passes Python floats.
    double biasCorrection1 = 1 - Math.pow(beta1, (double) t);
    double biasCorrection2 = 1 - Math.pow(beta2, (double) t);
    float stepSize = (float) (lr / biasCorrection1);
    float bc2Sqrt = (float) Math.sqrt(biasCorrection2);
    float b1 = (float) beta1;
    float a1 = (float) (1 - beta1);
    float b2 = (float) beta2;
    float a2 = (float) (1 - beta2);
    float eps = (float) config.eps();
    float l2 = decoupled ? 0f : (float) wd;
    float decay = decoupled ? (float) (1 - lr * wd) : 1f;
    List<Parameter> params = parameters();
    for (int k = 0; k < params.size(); k++) {
      Tensor p = params.get(k).value();
      Tensor g = params.get(k).grad();
      float[] pa = p.data();
      int po = p.offset();
      float[] ga = g.data();
      int go = g.offset();
      float[] m = expAvg[k].data();
      float[] v = expAvgSq[k].data();
      int n = p.size();
      if (n < 2 * MIN_PER_TASK) {
        pass(pa, po, ga, go, m, v, 0, n, b1, a1, b2, a2, l2, decay, stepSize, bc2Sqrt, eps);
      } else {
        Threads.parallelRange(
            n,
            MIN_PER_TASK,
            (from, to) ->
                pass(
                    pa, po, ga, go, m, v, from, to, b1, a1, b2, a2, l2, decay, stepSize, bc2Sqrt,
                    eps));
      }
    }
  }

  /**
   * One fused pass over elements {@code [from, to)}: decay, moments, parameter. The L2 branch is
   * outside the loop so that {@code 0 * p} never turns an infinite weight into NaN.
   *
   * <p>When the value and gradient start at offset 0 (tensors made by {@code Tensor.zeros}, the
   * usual case) every array is indexed by the loop variable alone, which C2 vectorizes (measured:
   * 0.5 ns instead of 3.3 ns per element); with other offsets it cannot rule out that two arrays
   * overlap at a shift, and the loop stays scalar.
   */
  private static void pass(
      float[] p,
      int po,
      float[] g,
      int go,
      float[] m,
      float[] v,
      int from,
      int to,
      float b1,
      float a1,
      float b2,
      float a2,
      float l2,
      float decay,
      float stepSize,
      float bc2Sqrt,
      float eps) {
    if (po == 0 && go == 0) {
      if (l2 != 0f) {
        for (int i = from; i < to; i++) {
          float pi = p[i];
          float gi = g[i] + l2 * pi;
          float mi = b1 * m[i] + a1 * gi;
          float vi = b2 * v[i] + a2 * gi * gi;
          m[i] = mi;
          v[i] = vi;
          p[i] = pi - stepSize * (mi / ((float) Math.sqrt(vi) / bc2Sqrt + eps));
        }
      } else {
        for (int i = from; i < to; i++) {
          float pi = p[i] * decay;
          float gi = g[i];
          float mi = b1 * m[i] + a1 * gi;
          float vi = b2 * v[i] + a2 * gi * gi;
          m[i] = mi;
          v[i] = vi;
          p[i] = pi - stepSize * (mi / ((float) Math.sqrt(vi) / bc2Sqrt + eps));
        }
      }
      return;
    }
    for (int i = from; i < to; i++) {
      float pi = p[po + i];
      float gi = g[go + i];
      if (l2 != 0f) {
        gi += l2 * pi;
      } else {
        pi *= decay;
      }
      float mi = b1 * m[i] + a1 * gi;
      float vi = b2 * v[i] + a2 * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[po + i] = pi - stepSize * (mi / ((float) Math.sqrt(vi) / bc2Sqrt + eps));
    }
  }

  private static AdamConfig requireConfig(String name, AdamConfig config) {
    if (config == null) {
      throw new IllegalArgumentException(name + ": config must not be null");
    }
    return config;
  }
}
