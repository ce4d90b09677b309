package io.flows4j.nn;

import io.flows4j.autodiff.ConvOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * A 2-D convolution with stride 1 over images, {@code y[b, o, h, w] = bias[o] + sum_{i, u, v}
 * weight[o, i, u, v] x[b, i, h + u - p, w + v - p]}, computed by {@link ConvOps#conv2d}.
 *
 * <p>Input {@code x} of shape {@code [batch, inChannels, height, width]}; output {@code [batch,
 * outChannels, height + 2 padding - kh + 1, width + 2 padding - kw + 1]} (same size for a 3x3
 * kernel with padding 1, or a 1x1 kernel with padding 0). Parameters: {@code weight} of shape
 * {@code [outChannels, inChannels, kh, kw]} and {@code bias} of shape {@code [outChannels]},
 * initialised {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))} with {@code fanIn = inChannels kh kw} as in
 * PyTorch; {@link #zeroInit()} zeroes both (the last layer of Glow's coupling network).
 */
public final class Conv2d extends UnaryModule {
  private final int padding;
  private final Parameter weight;
  private final Parameter bias;

  /**
   * Creates the layer with a square kernel.
   *
   * @param inChannels input channels, at least 1
   * @param outChannels output channels, at least 1
   * @param kernelSize kernel height and width, at least 1
   * @param padding zeros added on every side, at least 0
   * @param bias whether to add a bias
   * @param seed seed of the initial weights
   * @throws IllegalArgumentException if a size is out of range
   */
  public Conv2d(
      int inChannels, int outChannels, int kernelSize, int padding, boolean bias, long seed) {
    Checks.requirePositive(inChannels, "Conv2d", "inChannels");
    Checks.requirePositive(outChannels, "Conv2d", "outChannels");
    Checks.requirePositive(kernelSize, "Conv2d", "kernelSize");
    Checks.requireNonNegative(padding, "Conv2d", "padding");
    this.padding = padding;
    int fanIn = inChannels * kernelSize * kernelSize;
    SplittableRandom random = new SplittableRandom(seed);
    this.weight =
        registerParameter(
            "weight",
            Init.uniformFanIn(
                Tensor.zeros(Shape.of(outChannels, inChannels, kernelSize, kernelSize)),
                fanIn,
                random));
    this.bias =
        bias
            ? registerParameter(
                "bias", Init.uniformFanIn(Tensor.zeros(Shape.of(outChannels)), fanIn, random))
            : null;
  }

  /** Sets the weight and bias to zero; returns this layer. */
  public Conv2d zeroInit() {
    Init.zeros(weight.value());
    if (bias != null) {
      Init.zeros(bias.value());
    }
    return this;
  }

  /**
   * Applies the convolution.
   *
   * @param x of shape {@code [batch, inChannels, height, width]}
   */
  @Override
  public Var forward(Var x) {
    return ConvOps.conv2d(x, weight.var(), bias == null ? null : bias.var(), padding);
  }

  /** The weight, of shape {@code [outChannels, inChannels, kh, kw]}. */
  public Parameter weight() {
    return weight;
  }

  /** The bias, of shape {@code [outChannels]}, or {@code null}. */
  public Parameter bias() {
    return bias;
  }
}
