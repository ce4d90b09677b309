package io.flows4j.autodiff;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import io.flows4j.tensor.kernels.Gemm;
import io.flows4j.tensor.kernels.Kernels;
import java.util.ArrayList;
import java.util.List;

/**
 * Matrix products and fused dense layers, with hand-written backward rules built on {@link
 * Kernels#gemm()}.
 *
 * <p>A dense layer is one op, {@code y = act(x W^T + b)}: one GEMM, then a single pass that adds
 * the bias and applies the activation in place. Its backward takes one pass for {@code dZ = dY *
 * act'} (summing the bias gradient in the same pass) and one GEMM per wanted gradient: {@code dX =
 * dZ W}, {@code dW += dZ^T X}. See {@link ActivationKernels} for which activations keep only {@code
 * y}.
 */
public final class LinearOps {
  private LinearOps() {}

  /**
   * Matrix product {@code c = a b}.
   *
   * @param a of shape {@code [m, k]}
   * @param b of shape {@code [k, n]}
   * @return of shape {@code [m, n]}
   * @throws io.flows4j.tensor.ShapeMismatchException if either is not rank 2 or the inner
   *     dimensions differ
   */
  public static Var matmul(Var a, Var b) {
    return matmul(a, false, b, false);
  }

  /**
   * Matrix product with optional transposes, {@code c = op(a) op(b)}, where {@code op(a)} is {@code
   * a} or {@code a^T}.
   *
   * @param a of shape {@code [m, k]}, or {@code [k, m]} when {@code transA}
   * @param b of shape {@code [k, n]}, or {@code [n, k]} when {@code transB}
   * @return of shape {@code [m, n]}
   * @throws io.flows4j.tensor.ShapeMismatchException if either is not rank 2 or the inner
   *     dimensions differ
   */
  public static Var matmul(Var a, boolean transA, Var b, boolean transB) {
    Shape sa = a.shape();
    Shape sb = b.shape();
    Checks.requireShape(
        sa.rank() == 2 && sb.rank() == 2,
        "matmul: operands must be matrices (rank 2), but were %s x %s",
        sa,
        sb);
    int m = transA ? sa.dim(1) : sa.dim(0);
    int k = transA ? sa.dim(0) : sa.dim(1);
    int kb = transB ? sb.dim(1) : sb.dim(0);
    int n = transB ? sb.dim(0) : sb.dim(1);
    Checks.requireShape(
        k == kb,
        "matmul: inner dimensions differ: %s%s x %s%s",
        sa,
        transA ? "^T" : "",
        sb,
        transB ? "^T" : "");
    Tensor av = a.value();
    Tensor bv = b.value();
    int lda = sa.dim(1);
    int ldb = sb.dim(1);
    Tensor c = Tape.newValue(Shape.of(m, n));
    Gemm gemm = Kernels.gemm();
    gemm.sgemm(
        transA,
        transB,
        m,
        n,
        k,
        1f,
        av.data(),
        av.offset(),
        lda,
        bv.data(),
        bv.offset(),
        ldb,
        0f,
        c.data(),
        c.offset(),
        n);
    return Tape.result(
        c,
        out -> {
          Tensor dc = out.grad();
          if (a.requiresGrad()) {
            float beta = a.gradOrNull() != null ? 1f : 0f;
            Tensor ga = a.gradForOverwrite();
            if (!transA) {
              // dA [m, k] = dC [m, n] op(B)^T
              gemm.sgemm(
                  false,
                  !transB,
                  m,
                  k,
                  n,
                  1f,
                  dc.data(),
                  dc.offset(),
                  n,
                  bv.data(),
                  bv.offset(),
                  ldb,
                  beta,
                  ga.data(),
                  ga.offset(),
                  k);
            } else {
              // A is stored [k, m]: dA = op(B) dC^T
              gemm.sgemm(
                  transB,
                  true,
                  k,
                  m,
                  n,
                  1f,
                  bv.data(),
                  bv.offset(),
                  ldb,
                  dc.data(),
                  dc.offset(),
                  n,
                  beta,
                  ga.data(),
                  ga.offset(),
                  m);
            }
          }
          if (b.requiresGrad()) {
            float beta = b.gradOrNull() != null ? 1f : 0f;
            Tensor gb = b.gradForOverwrite();
            if (!transB) {
              // dB [k, n] = op(A)^T dC
              gemm.sgemm(
                  !transA,
                  false,
                  k,
                  n,
                  m,
                  1f,
                  av.data(),
                  av.offset(),
                  lda,
                  dc.data(),
                  dc.offset(),
                  n,
                  beta,
                  gb.data(),
                  gb.offset(),
                  n);
            } else {
              // B is stored [n, k]: dB = dC^T op(A)
              gemm.sgemm(
                  true,
                  transA,
                  n,
                  k,
                  m,
                  1f,
                  dc.data(),
                  dc.offset(),
                  n,
                  av.data(),
                  av.offset(),
                  lda,
                  beta,
                  gb.data(),
                  gb.offset(),
                  k);
            }
          }
        },
        a,
        b);
  }

  /**
   * Fused dense layer {@code y = act(x W^T + b)}.
   *
   * @param x input of shape {@code [batch, in]}
   * @param weight of shape {@code [out, in]}
   * @param bias of shape {@code [out]}, or {@code null} for none
   * @param act the activation applied to every output
   * @return of shape {@code [batch, out]}
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit together
   */
  public static Var linear(Var x, Var weight, Var bias, Activation act) {
    return dense("linear", x, weight, null, null, null, bias, act);
  }

  /**
   * Fused masked dense layer {@code y = act(x (W ⊙ M)^T + b)}, the layer of MADE (Germain et al.
   * 2015, MADE: Masked Autoencoder for Distribution Estimation). The masked weight is formed once
   * per call in an arena buffer (a pass over {@code [out, in]}, small beside the {@code [batch,
   * out, in]} product) and reused by the backward pass; the weight's gradient is masked, {@code dW
   * += (dZ^T X) ⊙ M}, so masked-out weights never move.
   *
   * @param x input of shape {@code [batch, in]}
   * @param weight of shape {@code [out, in]}
   * @param mask constant of shape {@code [out, in]}, usually of zeros and ones
   * @param bias of shape {@code [out]}, or {@code null} for none
   * @param act the activation applied to every output
   * @return of shape {@code [batch, out]}
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit together
   */
  public static Var maskedLinear(Var x, Var weight, Tensor mask, Var bias, Activation act) {
    return dense("maskedLinear", x, weight, mask, null, null, bias, act);
  }

  /**
   * Fused dense layer with a second, context input: {@code y = act(x (W ⊙ M)^T + c V^T + b)}. This
   * is the first layer of a conditional network (a conditional MADE, whose context reaches every
   * hidden unit, or a coupling conditioner fed {@code [x_a, c]}) without concatenating the inputs.
   *
   * @param x input of shape {@code [batch, in]}
   * @param weight {@code W} of shape {@code [out, in]}
   * @param mask {@code M} of shape {@code [out, in]}, or {@code null} for no mask
   * @param context {@code c} of shape {@code [batch, contextFeatures]}
   * @param contextWeight {@code V} of shape {@code [out, contextFeatures]}
   * @param bias of shape {@code [out]}, or {@code null} for none
   * @param act the activation applied to every output
   * @return of shape {@code [batch, out]}
   * @throws io.flows4j.tensor.ShapeMismatchException if the shapes do not fit together
   */
  public static Var contextLinear(
      Var x, Var weight, Tensor mask, Var context, Var contextWeight, Var bias, Activation act) {
    Checks.requireArgument(
        context != null && contextWeight != null,
        "contextLinear: context and contextWeight must not be null");
    return dense("contextLinear", x, weight, mask, context, contextWeight, bias, act);
  }

  private static Var dense(
      String op, Var x, Var w, Tensor mask, Var c, Var wc, Var bias, Activation act) {
    Shape sx = x.shape();
    Shape sw = w.shape();
    Checks.requireShape(sx.rank() == 2, "%s: x must have shape [batch, in], but was %s", op, sx);
    Checks.requireShape(
        sw.rank() == 2 && sw.dim(1) == sx.dim(1),
        "%s: weight must have shape [out, %d], but was %s (x is %s)",
        op,
        sx.dim(1),
        sw,
        sx);
    int rows = sx.dim(0);
    int in = sx.dim(1);
    int outF = sw.dim(0);
    if (mask != null) {
      Checks.requireShape(
          mask.shape().equals(sw), "%s: mask must have shape %s, but was %s", op, sw, mask.shape());
    }
    int ctx = 0;
    if (c != null) {
      Shape sc = c.shape();
      Checks.requireShape(
          sc.rank() == 2 && sc.dim(0) == rows,
          "%s: context must have shape [%d, features], but was %s",
          op,
          rows,
          sc);
      ctx = sc.dim(1);
      Checks.requireShape(
          wc.shape().equals(Shape.of(outF, ctx)),
          "%s: contextWeight must have shape [%d, %d], but was %s",
          op,
          outF,
          ctx,
          wc.shape());
    }
    if (bias != null) {
      Checks.requireShape(
          bias.shape().size() == outF && bias.shape().dim(-1) == outF,
          "%s: bias must have shape [%d], but was %s",
          op,
          outF,
          bias.shape());
    }
    List<Var> inputs = new ArrayList<>(5);
    inputs.add(x);
    inputs.add(w);
    if (bias != null) {
      inputs.add(bias);
    }
    if (c != null) {
      inputs.add(c);
      inputs.add(wc);
    }
    boolean records = Tape.isRecording() && anyRequiresGrad(inputs);

    Tensor wv = w.value();
    Tensor weff = wv;
    if (mask != null) {
      weff = Tape.newValue(sw);
      multiply(wv, mask, weff);
    }
    Tensor xv = x.value();
    Tensor y = Tape.newValue(Shape.of(rows, outF));
    Gemm gemm = Kernels.gemm();
    gemm.sgemm(
        false,
        true,
        rows,
        outF,
        in,
        1f,
        xv.data(),
        xv.offset(),
        in,
        weff.data(),
        weff.offset(),
        in,
        0f,
        y.data(),
        y.offset(),
        outF);
    Tensor cv = c == null ? null : c.value();
    Tensor wcv = wc == null ? null : wc.value();
    if (c != null) {
      gemm.sgemm(
          false,
          true,
          rows,
          outF,
          ctx,
          1f,
          cv.data(),
          cv.offset(),
          ctx,
          wcv.data(),
          wcv.offset(),
          ctx,
          1f,
          y.data(),
          y.offset(),
          outF);
    }
    Tensor z =
        records && ActivationKernels.needsPreActivation(act) ? Tape.newValue(y.shape()) : null;
    Tensor bv = bias == null ? null : bias.value();
    ActivationKernels.forward(
        y.data(),
        y.offset(),
        bv == null ? null : bv.data(),
        bv == null ? 0 : bv.offset(),
        y.data(),
        y.offset(),
        z == null ? null : z.data(),
        z == null ? 0 : z.offset(),
        rows,
        outF,
        act);
    if (!records) {
      return Tape.result(y, null, inputs.toArray(new Var[0]));
    }
    Tensor weffFinal = weff;
    int ctxF = ctx;
    return Tape.result(
        y,
        out -> {
          Tensor dy = out.grad();
          Tensor dz;
          Tensor gb = bias != null && bias.requiresGrad() ? bias.grad() : null;
          if (act == Activation.IDENTITY) {
            dz = dy;
            if (gb != null) {
              ActivationKernels.columnSums(
                  dy.data(), dy.offset(), rows, outF, gb.data(), gb.offset());
            }
          } else {
            dz = out.tape().alloc(y.shape());
            ActivationKernels.backward(
                dy.data(),
                dy.offset(),
                y.data(),
                y.offset(),
                z == null ? null : z.data(),
                z == null ? 0 : z.offset(),
                dz.data(),
                dz.offset(),
                false,
                gb == null ? null : gb.data(),
                gb == null ? 0 : gb.offset(),
                rows,
                outF,
                act);
          }
          if (x.requiresGrad()) {
            float beta = x.gradOrNull() != null ? 1f : 0f;
            Tensor gx = x.gradForOverwrite();
            gemm.sgemm(
                false,
                false,
                rows,
                in,
                outF,
                1f,
                dz.data(),
                dz.offset(),
                outF,
                weffFinal.data(),
                weffFinal.offset(),
                in,
                beta,
                gx.data(),
                gx.offset(),
                in);
          }
          if (w.requiresGrad()) {
            if (mask == null) {
              float beta = w.gradOrNull() != null ? 1f : 0f;
              Tensor gw = w.gradForOverwrite();
              gemm.sgemm(
                  true,
                  false,
                  outF,
                  in,
                  rows,
                  1f,
                  dz.data(),
                  dz.offset(),
                  outF,
                  xv.data(),
                  xv.offset(),
                  in,
                  beta,
                  gw.data(),
                  gw.offset(),
                  in);
            } else {
              Tensor t = out.tape().alloc(sw);
              gemm.sgemm(
                  true,
                  false,
                  outF,
                  in,
                  rows,
                  1f,
                  dz.data(),
                  dz.offset(),
                  outF,
                  xv.data(),
                  xv.offset(),
                  in,
                  0f,
                  t.data(),
                  t.offset(),
                  in);
              addMasked(t, mask, w.grad());
            }
          }
          if (c != null && c.requiresGrad()) {
            float beta = c.gradOrNull() != null ? 1f : 0f;
            Tensor gc = c.gradForOverwrite();
            gemm.sgemm(
                false,
                false,
                rows,
                ctxF,
                outF,
                1f,
                dz.data(),
                dz.offset(),
                outF,
                wcv.data(),
                wcv.offset(),
                ctxF,
                beta,
                gc.data(),
                gc.offset(),
                ctxF);
          }
          if (wc != null && wc.requiresGrad()) {
            float beta = wc.gradOrNull() != null ? 1f : 0f;
            Tensor gwc = wc.gradForOverwrite();
            gemm.sgemm(
                true,
                false,
                outF,
                ctxF,
                rows,
                1f,
                dz.data(),
                dz.offset(),
                outF,
                cv.data(),
                cv.offset(),
                ctxF,
                beta,
                gwc.data(),
                gwc.offset(),
                ctxF);
          }
        },
        inputs.toArray(new Var[0]));
  }

  private static boolean anyRequiresGrad(List<Var> vars) {
    for (Var v : vars) {
      if (v.requiresGrad()) {
        return true;
      }
    }
    return false;
  }

  /** {@code dst = a ⊙ b}, elementwise over equal sizes. */
  private static void multiply(Tensor a, Tensor b, Tensor dst) {
    float[] x = a.data();
    float[] m = b.data();
    float[] d = dst.data();
    int xo = a.offset();
    int mo = b.offset();
    int o = dst.offset();
    int n = dst.size();
    for (int i = 0; i < n; i++) {
      d[o + i] = x[xo + i] * m[mo + i];
    }
  }

  /** {@code dst += src ⊙ mask}. */
  private static void addMasked(Tensor src, Tensor mask, Tensor dst) {
    float[] s = src.data();
    float[] m = mask.data();
    float[] d = dst.data();
    int so = src.offset();
    int mo = mask.offset();
    int o = dst.offset();
    int n = dst.size();
    for (int i = 0; i < n; i++) {
      d[o + i] += s[so + i] * m[mo + i];
    }
  }
}
