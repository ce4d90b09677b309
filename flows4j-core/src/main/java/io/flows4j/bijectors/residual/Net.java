package io.flows4j.bijectors.residual;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.LinearOps;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;

/**
 * The Lipschitz network {@code g} of one call, as nodes of the current computation: layer {@code i}
 * maps {@code h_i} to {@code h_(i+1) = W_i phi_i(h_i) + b_i}, with {@code h_0 = x} and {@code g(x)
 * = h_L}, {@code phi_i} a LipSwish with slope {@code softplus(betaRaw_i)} and {@code W_i} the
 * spectrally normalised weight (LipSwish on the input too, as in the Residual Flows code).
 *
 * @param weights effective weights {@code W_i}, of shape {@code [out_i, in_i]}
 * @param biases biases, of shape {@code [out_i]}
 * @param betaRaw raw LipSwish slopes, of shape {@code [1]}
 * @param contextTerm {@code c V^T} of a conditional block, one row per input row, of shape {@code
 *     [batch, out_0]}, added to the first layer's output; {@code null} without context. It does not
 *     depend on {@code x}, so it shifts {@code g} without changing its Jacobian or Lipschitz
 *     constant in {@code x}.
 */
record Net(Var[] weights, Var[] biases, Var[] betaRaw, Var contextTerm) {

  /** A network without context. */
  Net(Var[] weights, Var[] biases, Var[] betaRaw) {
    this(weights, biases, betaRaw, null);
  }

  /**
   * The values of one forward pass that the log-determinant needs.
   *
   * @param pre pre-activations {@code h_0 .. h_(L-1)} ({@code h_0 = x}), of shape {@code [batch,
   *     in_i]}
   * @param sig {@code sigmoid(beta_i h_i)}, the shared LipSwish cache, of the same shapes
   * @param g the output {@code g(x)}, of shape {@code [batch, D]}
   */
  record Pass(Var[] pre, Tensor[] sig, Var g) {}

  int layers() {
    return weights.length;
  }

  /** The input and output width {@code D}. */
  int features() {
    return weights[0].shape().dim(1);
  }

  double beta(int layer) {
    return ResidualOps.beta(betaRaw[layer]);
  }

  /**
   * Runs {@code g} on the tape.
   *
   * @param x of shape {@code [batch, D]}
   */
  Pass forward(Var x) {
    int n = layers();
    Var[] pre = new Var[n];
    Tensor[] sig = new Tensor[n];
    Var h = x;
    for (int i = 0; i < n; i++) {
      pre[i] = h;
      sig[i] = ResidualOps.sigmoidScaled(h.value(), beta(i));
      Var p = ResidualOps.lipSwish(h, betaRaw[i], sig[i]);
      h = LinearOps.linear(p, weights[i], biases[i], Activation.IDENTITY);
      if (i == 0 && contextTerm != null) {
        h = ArithmeticOps.add(h, contextTerm);
      }
    }
    return new Pass(pre, sig, h);
  }

  /** {@code y = x + g(x)} and the pass behind it. */
  static Var residual(Var x, Pass pass) {
    return ArithmeticOps.add(x, pass.g());
  }

  /**
   * The Jacobian-vector products {@code J_g(x) t} for {@code T} tangents per row, differentiable
   * (forward-mode propagation of the tangents on the tape: {@code J = W_(L-1) diag(phi'(h_(L-1)))
   * ... W_0 diag(phi'(h_0))}).
   *
   * @param pass the forward pass at {@code x}
   * @param tangents of shape {@code [batch * T, D]}, row {@code b T + j} the {@code j}-th tangent
   *     of row {@code b}
   * @return {@code J t} of shape {@code [batch * T, D]}
   */
  Var jvp(Pass pass, Var tangents, int perRow) {
    Var t = tangents;
    for (int i = 0; i < layers(); i++) {
      t = ResidualOps.lipSwishTangent(pass.pre()[i], betaRaw[i], pass.sig()[i], t, perRow);
      t = LinearOps.linear(t, weights[i], null, Activation.IDENTITY);
    }
    return t;
  }

  /** A kernel over the current values, for computations off the tape. */
  NetKernel kernel() {
    int n = layers();
    Tensor[] w = new Tensor[n];
    Tensor[] b = new Tensor[n];
    double[] betas = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = weights[i].value();
      b[i] = biases[i].value();
      betas[i] = beta(i);
    }
    return new NetKernel(w, b, betas, contextTerm == null ? null : contextTerm.value());
  }
}
