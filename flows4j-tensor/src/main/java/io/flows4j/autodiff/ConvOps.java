package io.flows4j.autodiff;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Conv1d;
import io.flows4j.tensor.kernels.Conv1dSpec;
import io.flows4j.tensor.kernels.Conv2d;

/**
 * Differentiable convolutions: the kernels of {@link Conv1d} and {@link Conv2d} recorded on the
 * {@link Tape} with their backward rules. Stride is always 1.
 */
public final class ConvOps {
  private ConvOps() {}

  /**
   * 1-D convolution with symmetric zero padding, dilation, groups, an optional bias and an optional
   * sequence mask:
   *
   * <pre>
   * y[b, o, t] = m[b, t] (bias[o] + sum_{c in group(o)} sum_k w[o, c, k] m[b, s] x[b, c, s]),
   *              s = t + k * dilation - padding
   * </pre>
   *
   * <p>Masked input positions contribute nothing and masked output positions are zero (and pass no
   * gradient), as in the WaveNet-style layers of Glow-TTS and VITS. The mask is read again by the
   * backward rule: do not change it before {@link Tape#backward}.
   *
   * @param x input of shape {@code [batch, inChannels, length]}
   * @param weight weight of shape {@code [outChannels, inChannels / groups, kernelSize]}
   * @param bias bias of shape {@code [outChannels]}, or {@code null}
   * @param padding zeros added on each side, at least 0
   * @param dilation spacing between kernel taps, at least 1
   * @param groups channel groups, at least 1
   * @param mask 0/1 mask of shape {@code [batch, 1, length]}, or {@code null}
   * @return output of shape {@code [batch, outChannels, outLength]}, {@code outLength = length + 2
   *     padding - dilation (kernelSize - 1)}
   * @throws ShapeMismatchException if the shapes do not fit, or a mask is given and {@code
   *     outLength != length}
   * @throws IllegalArgumentException if padding, dilation or groups is out of range
   */
  public static Var conv1d(
      Var x, Var weight, Var bias, int padding, int dilation, int groups, Tensor mask) {
    Conv1dSpec spec = Conv1dSpec.symmetric(padding, dilation, groups);
    Shape outShape = Conv1d.outputShape(x.shape(), weight.shape(), spec);
    Tensor y = Tape.newValue(outShape);
    Tensor b = bias == null ? null : bias.value();
    Conv1d.forward(x.value(), weight.value(), b, mask, spec, y);
    Backward rule =
        out ->
            Conv1d.backward(
                x.value(),
                weight.value(),
                mask,
                spec,
                out.grad(),
                x.requiresGrad() ? x.grad() : null,
                weight.requiresGrad() ? weight.grad() : null,
                bias != null && bias.requiresGrad() ? bias.grad() : null);
    return bias == null ? Tape.result(y, rule, x, weight) : Tape.result(y, rule, x, weight, bias);
  }

  /**
   * 2-D convolution with stride 1, the same zero padding on every side and an optional bias:
   *
   * <pre>
   * y[b, o, i, j] = bias[o] + sum_c sum_{p, q} w[o, c, p, q] x[b, c, i + p - padding, j + q - padding]
   * </pre>
   *
   * @param x input of shape {@code [batch, inChannels, height, width]}
   * @param weight weight of shape {@code [outChannels, inChannels, kh, kw]}
   * @param bias bias of shape {@code [outChannels]}, or {@code null}
   * @param padding zeros added on every side, at least 0
   * @return output of shape {@code [batch, outChannels, height + 2 padding - kh + 1, width + 2
   *     padding - kw + 1]}
   * @throws ShapeMismatchException if the shapes do not fit
   * @throws IllegalArgumentException if {@code padding < 0}
   */
  public static Var conv2d(Var x, Var weight, Var bias, int padding) {
    Checks.requireNonNegative(padding, "conv2d", "padding");
    Shape outShape = Conv2d.outputShape(x.shape(), weight.shape(), padding);
    Tensor y = Tape.newValue(outShape);
    Tensor b = bias == null ? null : bias.value();
    Conv2d.forward(x.value(), weight.value(), b, padding, y);
    Backward rule =
        out ->
            Conv2d.backward(
                x.value(),
                weight.value(),
                padding,
                out.grad(),
                x.requiresGrad() ? x.grad() : null,
                weight.requiresGrad() ? weight.grad() : null,
                bias != null && bias.requiresGrad() ? bias.grad() : null);
    return bias == null ? Tape.result(y, rule, x, weight) : Tape.result(y, rule, x, weight, bias);
  }
}
