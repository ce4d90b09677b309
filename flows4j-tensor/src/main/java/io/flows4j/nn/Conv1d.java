package io.flows4j.nn;

import io.flows4j.autodiff.ConvOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * A 1-D convolution over sequences, {@code y[b, o, t] = bias[o] + sum_{i, k} w[o, i, k] x[b, g(o) +
 * i, t + k d - p]}, computed by {@link ConvOps#conv1d} (im2col + GEMM).
 *
 * <p>Input {@code x} of shape {@code [batch, inChannels, length]}; output {@code [batch,
 * outChannels, length + 2 padding - dilation (kernelSize - 1)]}, so "same" length with {@code
 * padding = dilation (kernelSize - 1) / 2} for odd kernels. Parameters: {@code weight} of shape
 * {@code [outChannels, inChannels / groups, kernelSize]} and {@code bias} of shape {@code
 * [outChannels]}, initialised {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))} with {@code fanIn =
 * inChannels / groups * kernelSize} as in PyTorch; {@link #zeroInit()} zeroes both (a flow's
 * coupling network that starts at the identity).
 */
public final class Conv1d extends UnaryModule {
  private final int padding;
  private final int dilation;
  private final int groups;
  private final Parameter weight;
  private final Parameter bias;

  /**
   * Creates the layer.
   *
   * @param inChannels input channels, at least 1, divisible by {@code groups}
   * @param outChannels output channels, at least 1, divisible by {@code groups}
   * @param kernelSize taps, at least 1
   * @param padding zeros added on each side, at least 0
   * @param dilation spacing of the taps, at least 1
   * @param groups channel groups, at least 1
   * @param bias whether to add a bias
   * @param seed seed of the initial weights
   * @throws IllegalArgumentException if a size is out of range or the channels do not divide
   */
  public Conv1d(
      int inChannels,
      int outChannels,
      int kernelSize,
      int padding,
      int dilation,
      int groups,
      boolean bias,
      long seed) {
    Checks.requirePositive(inChannels, "Conv1d", "inChannels");
    Checks.requirePositive(outChannels, "Conv1d", "outChannels");
    Checks.requirePositive(kernelSize, "Conv1d", "kernelSize");
    Checks.requireNonNegative(padding, "Conv1d", "padding");
    Checks.requirePositive(dilation, "Conv1d", "dilation");
    Checks.requirePositive(groups, "Conv1d", "groups");
    Checks.requireArgument(
        inChannels % groups == 0 && outChannels % groups == 0,
        "Conv1d: inChannels (%d) and outChannels (%d) must be divisible by groups (%d)",
        inChannels,
        outChannels,
        groups);
    this.padding = padding;
    this.dilation = dilation;
    this.groups = groups;
    int fanIn = inChannels / groups * kernelSize;
    SplittableRandom random = new SplittableRandom(seed);
    this.weight =
        registerParameter(
            "weight",
            Init.uniformFanIn(
                Tensor.zeros(Shape.of(outChannels, inChannels / groups, kernelSize)),
                fanIn,
                random));
    this.bias =
        bias
            ? registerParameter(
                "bias", Init.uniformFanIn(Tensor.zeros(Shape.of(outChannels)), fanIn, random))
            : null;
  }

  /** Sets the weight and bias to zero; returns this layer. */
  public Conv1d zeroInit() {
    Init.zeros(weight.value());
    if (bias != null) {
      Init.zeros(bias.value());
    }
    return this;
  }

  /**
   * Applies the convolution.
   *
   * @param x of shape {@code [batch, inChannels, length]}
   */
  @Override
  public Var forward(Var x) {
    return forward(x, null);
  }

  /**
   * Applies the convolution to variable-length sequences: positions where {@code mask} is 0 are
   * ignored on input and are zero on output.
   *
   * @param x of shape {@code [batch, inChannels, length]}
   * @param mask 0/1 of shape {@code [batch, 1, length]}, or {@code null}
   */
  public Var forward(Var x, Tensor mask) {
    return ConvOps.conv1d(
        x, weight.var(), bias == null ? null : bias.var(), padding, dilation, groups, mask);
  }

  /** The weight, of shape {@code [outChannels, inChannels / groups, kernelSize]}. */
  public Parameter weight() {
    return weight;
  }

  /** The bias, of shape {@code [outChannels]}, or {@code null}. */
  public Parameter bias() {
    return bias;
  }
}
