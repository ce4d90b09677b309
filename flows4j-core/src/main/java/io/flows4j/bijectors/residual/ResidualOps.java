package io.flows4j.bijectors.residual;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.StableMath;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import io.flows4j.tensor.kernels.Elementwise;
import io.flows4j.tensor.kernels.ElementwiseKernels;

/**
 * The autodiff ops of residual flows, each with a hand-written backward rule (checked against
 * finite differences in the tests): spectral normalisation of a weight, LipSwish with a trainable
 * slope, LipSwish's Jacobian applied to tangent vectors (forward-mode propagation on the tape),
 * {@code log|det(I + M)|} of small per-row matrices, and the node that reports a log-determinant
 * estimate while passing gradients to a surrogate.
 *
 * <p>LipSwish (Chen et al. 2019, "Residual Flows for Invertible Generative Modeling", section 4):
 * {@code phi(a) = a sigmoid(beta a) / 1.1} with {@code beta = softplus(betaRaw) > 0}; its slope
 * lies in {@code (-0.1, 1]} for every {@code beta}, so it is 1-Lipschitz. With {@code s =
 * sigmoid(beta a)}:
 *
 * <pre>
 *   phi'(a)        = (s + beta a s (1 - s)) / 1.1
 *   phi''(a)       = (2 beta s (1 - s) + beta^2 a s (1 - s)(1 - 2 s)) / 1.1
 *   d phi / d beta = a^2 s (1 - s) / 1.1
 *   d phi' / d beta = (2 a s (1 - s) + beta a^2 s (1 - s)(1 - 2 s)) / 1.1
 * </pre>
 */
final class ResidualOps {
  /** The divisor that makes swish 1-Lipschitz. */
  static final double LIPSWISH_SCALE = 1.1;

  private ResidualOps() {}

  /**
   * The slope {@code beta = softplus(betaRaw)} of a LipSwish, from its one-element raw parameter.
   */
  static double beta(Var betaRaw) {
    return StableMath.softplus(betaRaw.value().getFlat(0));
  }

  /**
   * {@code s = sigmoid(beta a)} elementwise, the value that LipSwish and its derivatives share; a
   * cache, not a differentiable op (the ops that take it differentiate through {@code a} and {@code
   * beta} themselves).
   *
   * @param a of any shape
   */
  static Tensor sigmoidScaled(Tensor a, double beta) {
    Tensor s = Tape.newValue(a.shape());
    sigmoidScaled(a.data(), a.offset(), (float) beta, s.data(), s.offset(), a.size());
    return s;
  }

  /** {@code s = sigmoid(beta a)} over {@code n} elements, on the vectorised elementwise kernels. */
  static void sigmoidScaled(float[] a, int aOff, float beta, float[] s, int sOff, int n) {
    Elementwise k = ElementwiseKernels.get();
    k.scaleShift(a, aOff, beta, 0f, s, sOff, n);
    k.activation(Activation.SIGMOID, s, sOff, s, sOff, n);
  }

  /**
   * Spectral normalisation (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial
   * Networks"; with a coefficient as in Behrmann et al. 2019 and Chen et al. 2019): {@code W_eff =
   * W / max(1, sigma / c)} with {@code sigma = u^T W v} from the persistent singular-vector
   * estimates {@code u, v}, which are constants here (the gradient flows through {@code sigma} but
   * not through the power iteration, as in the papers):
   *
   * <pre>
   *   dW = G / f - [sigma / c > 1] (&lt;G, W&gt; / (c f^2)) u v^T,   f = max(1, sigma / c)
   * </pre>
   *
   * @param w the weight, of shape {@code [out, in]}
   * @param u the left singular-vector estimate, of shape {@code [out]} (copied)
   * @param v the right singular-vector estimate, of shape {@code [in]} (copied)
   * @param coefficient {@code c > 0}
   * @return {@code W_eff} of shape {@code [out, in]}
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit together
   */
  static Var spectralNormalize(Var w, Tensor u, Tensor v, double coefficient) {
    Shape sw = w.shape();
    Checks.requireShape(
        sw.rank() == 2 && u.size() == sw.dim(0) && v.size() == sw.dim(1),
        "spectralNormalize: weight %s must be [u, v] = [%d, %d]",
        sw,
        u.size(),
        v.size());
    int rows = sw.dim(0);
    int cols = sw.dim(1);
    Tensor uc = Tape.newValue(Shape.of(rows));
    Tensor vc = Tape.newValue(Shape.of(cols));
    uc.copyFrom(u.reshape(rows));
    vc.copyFrom(v.reshape(cols));
    Tensor wv = w.value();
    double sigma = bilinear(uc, wv, vc);
    double ratio = sigma / coefficient;
    double f = Math.max(1.0, ratio);
    Tensor out = Tape.newValue(sw);
    float[] wd = wv.data();
    float[] od = out.data();
    int wo = wv.offset();
    int oo = out.offset();
    float inv = (float) (1.0 / f);
    for (int i = 0; i < rows * cols; i++) {
      od[oo + i] = wd[wo + i] * inv;
    }
    return Tape.result(
        out,
        node -> {
          if (!w.requiresGrad()) {
            return;
          }
          Tensor g = node.grad();
          Tensor gw = w.grad();
          float[] gd = g.data();
          float[] gwd = gw.data();
          int go = g.offset();
          int gwo = gw.offset();
          for (int i = 0; i < rows * cols; i++) {
            gwd[gwo + i] += gd[go + i] * inv;
          }
          if (ratio > 1.0) {
            double dot = 0;
            for (int i = 0; i < rows * cols; i++) {
              dot += (double) gd[go + i] * wd[wo + i];
            }
            double k = dot / (coefficient * f * f);
            for (int r = 0; r < rows; r++) {
              double ur = k * uc.getFlat(r);
              for (int c = 0; c < cols; c++) {
                gwd[gwo + r * cols + c] -= (float) (ur * vc.getFlat(c));
              }
            }
          }
        },
        w);
  }

  /** {@code u^T W v} in double. */
  static double bilinear(Tensor u, Tensor w, Tensor v) {
    int rows = u.size();
    int cols = v.size();
    float[] wd = w.data();
    int wo = w.offset();
    double s = 0;
    for (int r = 0; r < rows; r++) {
      double row = 0;
      for (int c = 0; c < cols; c++) {
        row += (double) wd[wo + r * cols + c] * v.getFlat(c);
      }
      s += u.getFlat(r) * row;
    }
    return s;
  }

  /**
   * LipSwish {@code phi(a) = a s / 1.1}, {@code s = sigmoid(beta a)}, {@code beta =
   * softplus(betaRaw)}, elementwise.
   *
   * @param a pre-activations of shape {@code [batch, features]}
   * @param betaRaw the raw slope parameter, of shape {@code [1]}
   * @param s {@link #sigmoidScaled(Tensor, double) sigmoid(beta a)} for these {@code a, beta}
   * @return of the shape of {@code a}
   */
  static Var lipSwish(Var a, Var betaRaw, Tensor s) {
    double beta = beta(betaRaw);
    float[] ad = a.value().data();
    int ao = a.value().offset();
    float[] sd = s.data();
    int so = s.offset();
    int n = a.value().size();
    Tensor y = Tape.newValue(a.shape());
    float[] yd = y.data();
    int yo = y.offset();
    float k = (float) (1.0 / LIPSWISH_SCALE);
    for (int i = 0; i < n; i++) {
      yd[yo + i] = ad[ao + i] * sd[so + i] * k;
    }
    return Tape.result(
        y,
        node -> {
          Tensor g = node.grad();
          float[] gd = g.data();
          int go = g.offset();
          float b = (float) beta;
          if (a.requiresGrad()) {
            Tensor ga = a.grad();
            float[] gad = ga.data();
            int gao = ga.offset();
            for (int i = 0; i < n; i++) {
              float si = sd[so + i];
              float ai = ad[ao + i];
              gad[gao + i] += gd[go + i] * (si + b * ai * si * (1 - si)) * k;
            }
          }
          if (betaRaw.requiresGrad()) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
              float si = sd[so + i];
              float ai = ad[ao + i];
              sum += (double) gd[go + i] * ai * ai * si * (1 - si);
            }
            addToScalar(betaRaw, sum * k * StableMath.sigmoid(betaRaw.value().getFlat(0)));
          }
        },
        a,
        betaRaw);
  }

  /**
   * LipSwish's Jacobian applied to tangent vectors: {@code out[b T + j, k] = phi'(a[b, k]) t[b T +
   * j, k]} for the {@code T} tangents {@code j} of every row {@code b} (forward-mode propagation).
   * Differentiable in {@code a} (through {@code phi''}), {@code betaRaw} and {@code t}.
   *
   * @param a pre-activations of shape {@code [batch, features]}
   * @param betaRaw the raw slope parameter, of shape {@code [1]}
   * @param s {@code sigmoid(beta a)} for these {@code a, beta}
   * @param t tangents of shape {@code [batch * tangents, features]}
   * @param tangents tangents per row, {@code T >= 1}
   * @return of the shape of {@code t}
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit together
   */
  static Var lipSwishTangent(Var a, Var betaRaw, Tensor s, Var t, int tangents) {
    Shape sa = a.shape();
    Shape st = t.shape();
    Checks.requireShape(
        sa.rank() == 2
            && st.rank() == 2
            && st.dim(1) == sa.dim(1)
            && st.dim(0) == sa.dim(0) * tangents,
        "lipSwishTangent: tangents %s must be [%d * %d, %d] for pre-activations %s",
        st,
        sa.dim(0),
        tangents,
        sa.dim(1),
        sa);
    int rows = sa.dim(0);
    int h = sa.dim(1);
    double beta = beta(betaRaw);
    float b = (float) beta;
    float k = (float) (1.0 / LIPSWISH_SCALE);
    float[] ad = a.value().data();
    int ao = a.value().offset();
    float[] sd = s.data();
    int so = s.offset();
    float[] td = t.value().data();
    int to = t.value().offset();
    // phi'(a) once per row, shared by the row's T tangents.
    Tensor slope = Tape.newValue(sa);
    float[] pd = slope.data();
    int po = slope.offset();
    for (int i = 0; i < rows * h; i++) {
      float si = sd[so + i];
      pd[po + i] = (si + b * ad[ao + i] * si * (1 - si)) * k;
    }
    Tensor y = Tape.newValue(st);
    float[] yd = y.data();
    int yo = y.offset();
    Elementwise ew = ElementwiseKernels.get();
    for (int r = 0; r < rows; r++) {
      int prow = po + r * h;
      for (int j = 0; j < tangents; j++) {
        int trow = (r * tangents + j) * h;
        ew.mul(pd, prow, td, to + trow, yd, yo + trow, h);
      }
    }
    return Tape.result(
        y,
        node -> {
          Tensor g = node.grad();
          float[] gd = g.data();
          int go = g.offset();
          boolean wantT = t.requiresGrad();
          boolean wantA = a.requiresGrad();
          boolean wantBeta = betaRaw.requiresGrad();
          float[] gtd = wantT ? t.grad().data() : null;
          int gto = wantT ? t.grad().offset() : 0;
          // q[b, k] = sum over the row's tangents of t * dOut, in contiguous passes
          Tensor qt = wantA || wantBeta ? Tape.newValue(sa).fill(0f) : null;
          float[] qd = qt == null ? null : qt.data();
          int qo = qt == null ? 0 : qt.offset();
          for (int r = 0; r < rows; r++) {
            int prow = po + r * h;
            int qrow = qo + r * h;
            for (int j = 0; j < tangents; j++) {
              int trow = (r * tangents + j) * h;
              if (wantT) {
                ew.mulAdd(pd, prow, gd, go + trow, gtd, gto + trow, h);
              }
              if (qd != null) {
                ew.mulAdd(td, to + trow, gd, go + trow, qd, qrow, h);
              }
            }
          }
          if (qd == null) {
            return;
          }
          float[] gad = wantA ? a.grad().data() : null;
          int gao = wantA ? a.grad().offset() : 0;
          double betaSum = 0;
          int n = rows * h;
          for (int i = 0; i < n; i++) {
            float si = sd[so + i];
            float ai = ad[ao + i];
            float ds = si * (1 - si);
            float curv = ds * (1 - 2 * si);
            float q = qd[qo + i];
            if (wantA) {
              gad[gao + i] += q * (2 * b * ds + b * b * ai * curv) * k;
            }
            betaSum += (double) q * (2 * ai * ds + b * ai * ai * curv);
          }
          if (wantBeta) {
            addToScalar(betaRaw, betaSum * k * StableMath.sigmoid(betaRaw.value().getFlat(0)));
          }
        },
        a,
        betaRaw,
        t);
  }

  /**
   * {@code log|det(I + M_b)|} for the {@code D x D} blocks {@code M_b = m[b D .. b D + D)} of every
   * row {@code b}, by LU with partial pivoting in double; the backward rule adds {@code dOut_b (I +
   * M_b)^-T} to {@code dM_b}.
   *
   * @param m of shape {@code [batch * D, D]}
   * @return of shape {@code [batch]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code m} is not {@code [batch * D, D]}
   */
  static Var logAbsDetIdentityPlus(Var m, int d) {
    Shape sm = m.shape();
    Checks.requireShape(
        sm.rank() == 2 && sm.dim(1) == d && sm.dim(0) % d == 0,
        "logAbsDetIdentityPlus: matrices must be [batch * %d, %d], but were %s",
        d,
        d,
        sm);
    int rows = sm.dim(0) / d;
    float[] md = m.value().data();
    int mo = m.value().offset();
    Tensor out = Tape.newValue(Shape.of(rows));
    boolean records = Tape.isRecording() && m.requiresGrad();
    // (I + M)^-T per row, kept for the backward rule.
    Tensor invT = records ? Tape.newValue(sm) : null;
    double[] a = new double[d * d];
    double[] inv = new double[d * d];
    int[] piv = new int[d];
    for (int r = 0; r < rows; r++) {
      int base = mo + r * d * d;
      for (int i = 0; i < d * d; i++) {
        a[i] = md[base + i];
      }
      for (int i = 0; i < d; i++) {
        a[i * d + i] += 1.0;
      }
      double logDet = Lu.factor(a, piv, d);
      out.setFlat(r, (float) logDet);
      if (invT != null) {
        Lu.inverse(a, piv, d, inv);
        for (int i = 0; i < d; i++) {
          for (int j = 0; j < d; j++) {
            invT.setFlat(r * d * d + i * d + j, (float) inv[j * d + i]);
          }
        }
      }
    }
    if (!records) {
      return Tape.result(out, null, m);
    }
    return Tape.result(
        out,
        node -> {
          Tensor g = node.grad();
          Tensor gm = m.grad();
          float[] gmd = gm.data();
          int gmo = gm.offset();
          float[] id = invT.data();
          int io = invT.offset();
          for (int r = 0; r < rows; r++) {
            float gr = g.getFlat(r);
            int base = r * d * d;
            for (int i = 0; i < d * d; i++) {
              gmd[gmo + base + i] += gr * id[io + base + i];
            }
          }
        },
        m);
  }

  /**
   * A node whose value is {@code estimate} and whose gradient is that of the surrogate {@code sum_i
   * w[b, i] jv[b, i]} per row {@code b}: the Neumann-series gradient of Chen et al. (2019), section
   * 3.2, with {@code w} a constant.
   *
   * @param estimate the reported values, of shape {@code [batch]}
   * @param jv the differentiable Jacobian-vector products, of shape {@code [batch, D]}
   * @param w the constant weights, of shape {@code [batch, D]}
   * @return of shape {@code [batch]}
   */
  static Var surrogateGradient(Tensor estimate, Var jv, Tensor w) {
    Checks.requireShape(
        jv.shape().equals(w.shape()) && jv.shape().dim(0) == estimate.size(),
        "surrogateGradient: jv %s and w %s must both be [%d, D]",
        jv.shape(),
        w.shape(),
        estimate.size());
    int rows = jv.shape().dim(0);
    int d = jv.shape().dim(1);
    return Tape.result(
        estimate,
        node -> {
          if (!jv.requiresGrad()) {
            return;
          }
          Tensor g = node.grad();
          Tensor gj = jv.grad();
          for (int r = 0; r < rows; r++) {
            float gr = g.getFlat(r);
            for (int i = 0; i < d; i++) {
              int idx = r * d + i;
              gj.setFlat(idx, gj.getFlat(idx) + gr * w.getFlat(idx));
            }
          }
        },
        jv);
  }

  private static void addToScalar(Var v, double amount) {
    Tensor g = v.grad();
    g.setFlat(0, (float) (g.getFlat(0) + amount));
  }
}
