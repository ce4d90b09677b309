package io.flows4j.speech.model;

import io.flows4j.autodiff.MathOps;
import io.flows4j.autodiff.Var;
import io.flows4j.nn.Conv1d;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;

/**
 * Glow-TTS's duration predictor (Kim et al. 2020, section 2.3): two blocks of {@code conv_k -> ReLU
 * -> LayerNorm -> dropout}, then a 1x1 convolution to one log-duration per token.
 *
 * <p>Input {@code [batch, H, tokens]} (the encoder's hidden states, detached by the caller), output
 * {@code [batch, 1, tokens]}, zero at padding.
 */
final class DurationPredictor extends Module implements DropoutSource {
  private final double dropout;
  private final Conv1d conv1;
  private final ChannelLayerNorm norm1;
  private final Conv1d conv2;
  private final ChannelLayerNorm norm2;
  private final Conv1d projection;
  private Rng rng;

  DurationPredictor(int inChannels, int channels, int kernelSize, double dropout, long seed) {
    this.dropout = dropout;
    int pad = kernelSize / 2;
    this.conv1 =
        registerModule(
            "conv1", new Conv1d(inChannels, channels, kernelSize, pad, 1, 1, true, seed));
    this.norm1 = registerModule("norm1", new ChannelLayerNorm(channels));
    this.conv2 =
        registerModule(
            "conv2", new Conv1d(channels, channels, kernelSize, pad, 1, 1, true, seed + 1));
    this.norm2 = registerModule("norm2", new ChannelLayerNorm(channels));
    this.projection =
        registerModule("projection", new Conv1d(channels, 1, 1, 0, 1, 1, true, seed + 2));
    this.rng = new Rng(seed ^ 0xC2B2AE3D27D4EB4FL);
  }

  /**
   * Predicts log-durations.
   *
   * @param x of shape {@code [batch, inChannels, tokens]}
   * @param mask of shape {@code [batch, 1, tokens]}
   * @return of shape {@code [batch, 1, tokens]}
   */
  Var forward(Var x, Tensor mask) {
    Var h = block(conv1, norm1, x, mask);
    h = block(conv2, norm2, h, mask);
    return projection.forward(h, mask);
  }

  private Var block(Conv1d conv, ChannelLayerNorm norm, Var x, Tensor mask) {
    Var h = norm.forward(MathOps.activation(conv.forward(x, mask), Activation.RELU));
    return isTraining() ? SpeechOps.dropout(h, dropout, rng) : h;
  }

  @Override
  public void reseedDropout(long seed) {
    this.rng = new Rng(seed ^ 0xC2B2AE3D27D4EB4FL);
  }
}
