package io.flows4j.autodiff;

import static org.assertj.core.api.Assertions.assertThat;

import io.flows4j.tensor.Tensor;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Checks backward rules against central finite differences.
 *
 * <p>The function under test maps tracked input {@link Var}s to any output; the check reduces the
 * output to the scalar {@code L = sum(r * out)} with a fixed random {@code r}, so every output
 * element's gradient path is exercised with a different weight. The analytic gradient of every
 * input (from {@link Tape#backward}) is compared with {@code (L(x + h e_i) - L(x - h e_i)) / 2h},
 * where {@code L} is summed in double. With float32 ops the difference quotient carries an error of
 * about {@code eps32 * |terms| / h}, hence the step and tolerances below.
 */
public final class GradCheck {
  /** Finite-difference step. */
  public static final double STEP = 1e-2;

  /** Absolute tolerance on each gradient element. */
  public static final double ABS_TOL = 2e-3;

  /** Relative tolerance on each gradient element. */
  public static final double REL_TOL = 1e-2;

  private GradCheck() {}

  /**
   * Asserts that the gradients of {@code f} with respect to every input match finite differences.
   *
   * @param f the op(s) under test; receives one tracked Var per input, in order
   * @param seed seed of the random output weights
   * @param inputs input values; they are perturbed in place during the check and restored
   */
  public static void check(Function<Var[], Var> f, long seed, Tensor... inputs) {
    check(f, seed, STEP, ABS_TOL, REL_TOL, inputs);
  }

  /** As {@link #check(Function, long, Tensor...)} with an explicit step and tolerances. */
  public static void check(
      Function<Var[], Var> f,
      long seed,
      double step,
      double absTol,
      double relTol,
      Tensor... inputs) {
    Tensor weights;
    float[][] analytic = new float[inputs.length][];
    try (Tape tape = Tape.record()) {
      Var[] vars = new Var[inputs.length];
      for (int i = 0; i < inputs.length; i++) {
        vars[i] = tape.tracked(inputs[i]);
      }
      Var out = f.apply(vars);
      weights = randomLike(out.value(), seed);
      Var loss = weightedSum(out, weights);
      tape.backward(loss);
      for (int i = 0; i < inputs.length; i++) {
        Tensor g = vars[i].gradOrNull();
        analytic[i] = g == null ? new float[inputs[i].size()] : g.toArray();
      }
    }
    for (int i = 0; i < inputs.length; i++) {
      Tensor x = inputs[i];
      for (int j = 0; j < x.size(); j++) {
        float saved = x.getFlat(j);
        x.setFlat(j, (float) (saved + step));
        double plus = evaluate(f, inputs, weights);
        x.setFlat(j, (float) (saved - step));
        double minus = evaluate(f, inputs, weights);
        x.setFlat(j, saved);
        double numeric = (plus - minus) / (2 * step);
        double a = analytic[i][j];
        assertThat(Math.abs(a - numeric))
            .as("d L / d input%d[%d]: analytic %s vs numeric %s", i, j, a, numeric)
            .isLessThanOrEqualTo(absTol + relTol * Math.abs(numeric));
      }
    }
  }

  /** Random values in [-1, 1) of the same shape as {@code like}. */
  public static Tensor randomLike(Tensor like, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    Tensor t = Tensor.zeros(like.shape());
    for (int i = 0; i < t.size(); i++) {
      t.setFlat(i, (float) (2 * r.nextDouble() - 1));
    }
    return t;
  }

  /** Random values in [lo, hi) of the given dimensions. */
  public static Tensor uniform(long seed, double lo, double hi, int... dims) {
    SplittableRandom r = new SplittableRandom(seed);
    Tensor t = Tensor.zeros(dims);
    for (int i = 0; i < t.size(); i++) {
      t.setFlat(i, (float) (lo + (hi - lo) * r.nextDouble()));
    }
    return t;
  }

  private static double evaluate(Function<Var[], Var> f, Tensor[] inputs, Tensor weights) {
    try (Tape tape = Tape.noGrad()) {
      Var[] vars = new Var[inputs.length];
      for (int i = 0; i < inputs.length; i++) {
        vars[i] = tape.input(inputs[i]);
      }
      Tensor out = f.apply(vars).value();
      double s = 0;
      for (int k = 0; k < out.size(); k++) {
        s += (double) out.getFlat(k) * weights.getFlat(k);
      }
      return s;
    }
  }

  /** {@code sum(out * w)} as a one-element Var with its backward rule. */
  private static Var weightedSum(Var out, Tensor w) {
    Tensor v = Tape.newValue(io.flows4j.tensor.Shape.of(1));
    double s = 0;
    for (int k = 0; k < out.value().size(); k++) {
      s += (double) out.value().getFlat(k) * w.getFlat(k);
    }
    v.setFlat(0, (float) s);
    return Tape.result(
        v,
        self -> {
          if (out.requiresGrad()) {
            float g = self.grad().getFlat(0);
            Tensor og = out.grad();
            for (int k = 0; k < og.size(); k++) {
              og.setFlat(k, og.getFlat(k) + g * w.getFlat(k));
            }
          }
        },
        out);
  }
}
