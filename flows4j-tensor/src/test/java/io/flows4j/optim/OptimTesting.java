package io.flows4j.optim;

import io.flows4j.autodiff.Parameter;
import io.flows4j.tensor.Tensor;
import java.util.Random;

/** Seeded parameters and gradients for the optimizer tests. */
final class OptimTesting {
  private OptimTesting() {}

  /** A parameter of the given shape with values uniform in [-1, 1). */
  static Parameter randomParameter(String name, Random rng, int... dims) {
    Tensor t = Tensor.zeros(dims);
    for (int i = 0; i < t.size(); i++) {
      t.setFlat(i, 2 * rng.nextFloat() - 1);
    }
    return new Parameter(name, t);
  }

  /** Overwrites a parameter's gradient with values uniform in +-[0.01, 1) (away from zero). */
  static void randomGradient(Parameter p, Random rng) {
    for (int i = 0; i < p.size(); i++) {
      float mag = 0.01f + 0.99f * rng.nextFloat();
      p.grad().setFlat(i, rng.nextBoolean() ? mag : -mag);
    }
  }

  /** The elements of a tensor widened to double. */
  static double[] toDouble(Tensor t) {
    double[] d = new double[t.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = t.getFlat(i);
    }
    return d;
  }
}
