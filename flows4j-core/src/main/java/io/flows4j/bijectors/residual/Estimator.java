package io.flows4j.bijectors.residual;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The unbiased Russian-roulette estimator of {@code log det(I + J)} with the Neumann-series
 * gradient (Chen et al. 2019, "Residual Flows for Invertible Generative Modeling", sections 3.1 and
 * 3.2).
 *
 * <p>With {@code v ~ N(0, I)} per row (Hutchinson's trace estimator) and a term count {@code n =
 * exactTerms + M}, {@code M ~ Geometric(p)} on {@code {0, 1, ...}}, so that {@code P(N >= k) = 1}
 * for {@code k <= exactTerms} and {@code (1 - p)^(k - exactTerms)} above:
 *
 * <pre>
 *   value     = sum_(k=1..n) (-1)^(k+1) / k * v^T J^k v / P(N >= k)
 *   surrogate = w^T (J v),  w = stopgrad( sum_(m=0..n-1) (-1)^m (J^T)^m v / P(N >= m + 1) )
 * </pre>
 *
 * Both are unbiased when the series converges ({@code ||J|| < 1}): the value for {@code log det(I +
 * J) = sum_k (-1)^(k+1) tr(J^k) / k}, the surrogate's gradient for {@code d log det(I + J) = sum_m
 * (-1)^m tr(J^m dJ)}. The vectors {@code (J^T)^k v} come from Jacobian-vector products off the tape
 * (one chain of {@code n} products serves both sums); only {@code J v} is differentiated, on the
 * tape, so no double backward is needed.
 *
 * @param geometricP the geometric distribution's success probability {@code p}
 * @param exactTerms terms always computed
 */
record Estimator(double geometricP, int exactTerms) {

  /** Draws the number of terms {@code n = exactTerms + M}. */
  int drawTerms(Rng rng) {
    double u = rng.nextUniform();
    // P(M >= m) = (1 - p)^m: M = floor(log(U) / log(1 - p)) for U uniform in (0, 1].
    double m = Math.floor(Math.log(1.0 - u) / Math.log(1.0 - geometricP));
    return exactTerms + (int) Math.min(m, 10_000);
  }

  /** {@code 1 / P(N >= k)}. */
  double weight(int k) {
    return k <= exactTerms ? 1.0 : Math.pow(1.0 - geometricP, -(k - exactTerms));
  }

  /**
   * The estimate per row, with the surrogate gradient on a recording tape.
   *
   * @param net the network
   * @param pass its forward pass at {@code x}
   * @param rng the source of {@code v} and {@code n}
   * @return of shape {@code [batch]}
   */
  Var logDet(Net net, Net.Pass pass, Rng rng) {
    int rows = pass.g().shape().dim(0);
    int d = net.features();
    Tensor v = rng.fillNormal(Tensor.zeros(rows, d), 0, 1);
    int n = drawTerms(rng);
    Result r = series(net.kernel().slopes(pass, rows), v.data(), rows, d, n);
    Tensor value = Tape.newValue(Shape.of(rows));
    for (int b = 0; b < rows; b++) {
      value.setFlat(b, (float) r.value[b]);
    }
    if (!Tape.isRecording()) {
      return Var.constant(value);
    }
    Var jv = net.jvp(pass, Var.constant(v), 1);
    return ResidualOps.surrogateGradient(value, jv, Tensor.wrap(r.w, rows, d));
  }

  /** The estimate per row and the surrogate's weights {@code w}. */
  record Result(double[] value, float[] w) {}

  /** The two sums of the class comment for {@code n} terms. */
  Result series(NetKernel.Slopes slopes, float[] v, int rows, int d, int n) {
    double[] value = new double[rows];
    float[] w = new float[rows * d];
    float[] u = v.clone();
    for (int k = 1; k <= n; k++) {
      // gradient term m = k - 1 uses u = (J^T)^(k-1) v
      double c = weight(k);
      float gm = (float) ((k % 2 == 1 ? 1 : -1) * c);
      for (int i = 0; i < rows * d; i++) {
        w[i] += gm * u[i];
      }
      slopes.vjp(u, u);
      double vm = (k % 2 == 1 ? 1.0 : -1.0) * c / k;
      for (int b = 0; b < rows; b++) {
        double dot = 0;
        for (int i = 0; i < d; i++) {
          dot += (double) u[b * d + i] * v[b * d + i];
        }
        value[b] += vm * dot;
      }
    }
    return new Result(value, w);
  }
}
