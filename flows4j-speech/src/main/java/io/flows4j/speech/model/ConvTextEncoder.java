package io.flows4j.speech.model;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.MathOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.nn.Conv1d;
import io.flows4j.nn.Init;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.SplittableRandom;

/**
 * The convolutional text encoder: an embedding ({@code sqrt(H)}-scaled, as in Glow-TTS), then
 * {@code layers} residual blocks, each
 *
 * <pre>
 * x = LayerNorm(x + dropout(relu(conv_k(x mask))))
 * </pre>
 *
 * and a 1x1 projection to the prior mean {@code mu} of every token. Output: the hidden states
 * {@code [batch, H, tokens]} (zero at padding; the duration predictor's input) and {@code mu}
 * {@code [batch, melChannels, tokens]} (zero at padding).
 *
 * <p>This is the convolution variant of issue 8's comparison; {@link AttentionTextEncoder} is the
 * self-attention variant of the kit's reference model (docs/design-notes.md compares the two per
 * CPU-second).
 */
final class ConvTextEncoder extends Module implements TextEncoder, DropoutSource {
  private final int hidden;
  private final double dropout;
  private final Parameter embedding;
  private final Conv1d[] convs;
  private final ChannelLayerNorm[] norms;
  private final Conv1d projection;
  private Rng rng;

  ConvTextEncoder(
      int symbols,
      int hidden,
      int layers,
      int kernelSize,
      double dropout,
      int melChannels,
      long seed) {
    this.hidden = hidden;
    this.dropout = dropout;
    this.embedding =
        registerParameter(
            "embedding",
            Init.normal(
                Tensor.zeros(Shape.of(symbols, hidden)),
                0,
                1 / Math.sqrt(hidden),
                new SplittableRandom(seed)));
    this.convs = new Conv1d[layers];
    this.norms = new ChannelLayerNorm[layers];
    for (int i = 0; i < layers; i++) {
      convs[i] =
          registerModule(
              "conv" + i,
              new Conv1d(hidden, hidden, kernelSize, kernelSize / 2, 1, 1, true, seed + 1 + i));
      norms[i] = registerModule("norm" + i, new ChannelLayerNorm(hidden));
    }
    this.projection =
        registerModule("projection", new Conv1d(hidden, melChannels, 1, 0, 1, 1, true, seed + 100));
    this.rng = new Rng(seed ^ 0x9E3779B97F4A7C15L);
  }

  @Override
  public Output forward(int[][] tokens, int length, Tensor mask) {
    Var x = SpeechOps.embed(embedding.var(), tokens, length, (float) Math.sqrt(hidden));
    for (int i = 0; i < convs.length; i++) {
      Var h = MathOps.activation(convs[i].forward(x, mask), Activation.RELU);
      if (isTraining()) {
        h = SpeechOps.dropout(h, dropout, rng);
      }
      x = norms[i].forward(ArithmeticOps.add(x, h));
    }
    x = SpeechOps.mask(x, mask);
    Var mu = SpeechOps.mask(projection.forward(x, null), mask);
    return new Output(x, mu);
  }

  @Override
  public void reseedDropout(long seed) {
    this.rng = new Rng(seed ^ 0x9E3779B97F4A7C15L);
  }
}
