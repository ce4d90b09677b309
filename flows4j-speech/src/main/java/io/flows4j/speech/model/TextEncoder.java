package io.flows4j.speech.model;

import io.flows4j.autodiff.Var;
import io.flows4j.tensor.Tensor;

/**
 * A text encoder of Glow-TTS (Kim et al. 2020): token ids to hidden states and the prior mean of
 * every token. Implemented by {@link ConvTextEncoder} (residual convolution blocks) and {@link
 * AttentionTextEncoder} (Transformer layers with relative-position self-attention); {@link
 * GlowTtsConfig#encoderKind()} chooses.
 */
interface TextEncoder {
  /**
   * The encoder's outputs.
   *
   * @param hidden the hidden states, of shape {@code [batch, H, tokens]}, zero at padding (the
   *     duration predictor's input)
   * @param mean the prior mean of every token, of shape {@code [batch, melChannels, tokens]}, zero
   *     at padding
   */
  record Output(Var hidden, Var mean) {}

  /**
   * Encodes a padded batch of token sequences. Padding changes no item's output: an item's values
   * are the same alone and padded in a batch with longer items (to float rounding).
   *
   * @param tokens one id sequence per item
   * @param length the padded length, at least every sequence's length
   * @param mask of shape {@code [batch, 1, length]}: 1 on each sequence's tokens, 0 beyond
   * @throws IllegalArgumentException if a token id is outside {@code [0, symbols)}
   */
  Output forward(int[][] tokens, int length, Tensor mask);
}
