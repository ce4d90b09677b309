package io.flows4j.optim;

import io.flows4j.autodiff.Parameter;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;
import java.util.List;

/**
 * The total norm of the accumulated gradients of a list of parameters, and clipping by it. (To name
 * the parameter that holds a non-finite gradient, see {@code io.flows4j.autodiff.Gradients}.)
 */
public final class GradientClipping {
  /**
   * Added to the norm before dividing, as PyTorch's {@code clip_grad_norm_}, so that a norm just
   * above {@code maxNorm} is scaled to just below it.
   */
  static final double CLIP_EPS = 1e-6;

  private GradientClipping() {}

  /**
   * The Euclidean norm of all gradients taken together, {@code sqrt(sum over every element of every
   * parameter of g^2)}, accumulated in double.
   *
   * @return the norm: {@code +Infinity} if an element is infinite, {@code NaN} if one is NaN, 0 for
   *     an empty list
   */
  public static double totalNorm(List<Parameter> parameters) {
    Checks.requireArgument(
        parameters != null, "GradientClipping.totalNorm: parameters must not be null");
    double sum = 0;
    for (Parameter p : parameters) {
      sum += sumOfSquares(p.grad());
    }
    return Math.sqrt(sum);
  }

  /**
   * Scales all gradients together so that their {@link #totalNorm total norm} is at most {@code
   * maxNorm}: when the norm exceeds it, every gradient element is multiplied by {@code maxNorm /
   * (norm + 1e-6)} (PyTorch's {@code torch.nn.utils.clip_grad_norm_}; Pascanu et al., "On the
   * difficulty of training recurrent neural networks", ICML 2013).
   *
   * <p>When the norm is not finite the gradients are left untouched and the non-finite norm is
   * returned, so the caller can skip the step or stop with a message.
   *
   * @param maxNorm the largest norm allowed, {@code > 0} ({@code +Infinity} only measures)
   * @return the total norm before clipping
   * @throws IllegalArgumentException if {@code maxNorm} is not {@code > 0}
   */
  public static double clipGradNorm(List<Parameter> parameters, double maxNorm) {
    Checks.requireArgument(
        maxNorm > 0, "GradientClipping.clipGradNorm: maxNorm must be > 0, but was %s", maxNorm);
    double norm = totalNorm(parameters);
    if (!Double.isFinite(norm)) {
      return norm;
    }
    double coef = maxNorm / (norm + CLIP_EPS);
    if (coef < 1) {
      float c = (float) coef;
      for (Parameter p : parameters) {
        Tensor g = p.grad();
        float[] a = g.data();
        int end = g.offset() + g.size();
        for (int i = g.offset(); i < end; i++) {
          a[i] *= c;
        }
      }
    }
    return norm;
  }

  /**
   * Clips every gradient element to {@code [-clip, clip]} (PyTorch's {@code
   * torch.nn.utils.clip_grad_value_}, the clipping of the Glow-TTS recipe). NaN elements are left
   * as they are, so a caller can still see them.
   *
   * @param clip the largest absolute value allowed, finite and {@code > 0}
   * @return the largest absolute gradient element before clipping ({@code NaN} if an element is
   *     NaN, 0 for an empty list)
   * @throws IllegalArgumentException if {@code clip} is not finite and {@code > 0}
   */
  public static double clipGradValue(List<Parameter> parameters, double clip) {
    Checks.requireArgument(
        parameters != null, "GradientClipping.clipGradValue: parameters must not be null");
    Checks.requireArgument(
        clip > 0 && Double.isFinite(clip),
        "GradientClipping.clipGradValue: clip must be finite and > 0, but was %s",
        clip);
    float c = (float) clip;
    float largest = 0f;
    boolean nan = false;
    for (Parameter p : parameters) {
      Tensor g = p.grad();
      float[] a = g.data();
      int end = g.offset() + g.size();
      for (int i = g.offset(); i < end; i++) {
        float v = a[i];
        float abs = Math.abs(v);
        if (abs > largest) {
          largest = abs;
        } else if (Float.isNaN(v)) {
          nan = true;
        }
        // Written as two comparisons so that NaN passes through untouched.
        if (v > c) {
          a[i] = c;
        } else if (v < -c) {
          a[i] = -c;
        }
      }
    }
    return nan ? Double.NaN : largest;
  }

  /**
   * Sum of squares in double with four accumulators, so the additions do not wait on each other.
   */
  private static double sumOfSquares(Tensor t) {
    float[] a = t.data();
    int o = t.offset();
    int n = t.size();
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      double x0 = a[o + i];
      double x1 = a[o + i + 1];
      double x2 = a[o + i + 2];
      double x3 = a[o + i + 3];
      s0 += x0 * x0;
      s1 += x1 * x1;
      s2 += x2 * x2;
      s3 += x3 * x3;
    }
    for (; i < n; i++) {
      double x = a[o + i];
      s0 += x * x;
    }
    return (s0 + s1) + (s2 + s3);
  }
}
