package io.flows4j.speech.model;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Tensor;

/**
 * Layer normalisation over the channels of each position of {@code [batch, channels, length]} (Ba
 * et al. 2016), with a learned gain {@code gamma} (starting at 1) and shift {@code beta} (starting
 * at 0), both of shape {@code [channels]}; see {@link SpeechOps#layerNorm}.
 */
final class ChannelLayerNorm extends Module {
  /** Added to the variance, as in Glow-TTS's layer norm. */
  static final float EPS = 1e-4f;

  private final Parameter gamma;
  private final Parameter beta;

  ChannelLayerNorm(int channels) {
    this.gamma = registerParameter("gamma", Tensor.full(io.flows4j.tensor.Shape.of(channels), 1f));
    this.beta = registerParameter("beta", Tensor.zeros(channels));
  }

  /**
   * Normalises {@code x} of shape {@code [batch, channels, length]}.
   *
   * @throws io.flows4j.tensor.ShapeMismatchException if the channels differ
   */
  Var forward(Var x) {
    return SpeechOps.layerNorm(x, gamma.var(), beta.var(), EPS);
  }
}
