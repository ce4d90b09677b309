package io.flows4j.speech.model;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.MathOps;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.nn.Conv1d;
import io.flows4j.nn.Init;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.kernels.Activation;
import java.util.SplittableRandom;

/**
 * The self-attention text encoder of Glow-TTS (Kim et al. 2020, "Glow-TTS: A Generative Flow for
 * Text-to-Speech via Monotonic Alignment Search"): a Transformer encoder (Vaswani et al. 2017,
 * "Attention Is All You Need") with post-norm residual blocks and relative position representations
 * (Shaw et al. 2018, "Self-Attention with Relative Position Representations").
 *
 * <p>An embedding ({@code sqrt(H)}-scaled), then {@code layers} layers of
 *
 * <pre>
 * x = LayerNorm(x + dropout(W_o MHA(W_qkv x)))
 * x = LayerNorm(x + dropout(conv_k(relu(conv_k(x m)) m) m))      (H -> F -> H channels)
 * </pre>
 *
 * with {@code m} the sequence mask and MHA the multi-head self-attention of {@link
 * AttentionOps#relativeSelfAttention} ({@code heads} heads, relative key and value embeddings of
 * the offsets {@code -w..w} shared by the heads, one pair per layer; padding keys get zero weight),
 * and a 1x1 projection to the prior mean {@code mu} of every token. {@code W_qkv} and {@code W_o}
 * are 1x1 convolutions. Dropout acts on the attention weights and on both residual branches
 * (Glow-TTS also drops inside the feed-forward network, between its convolutions; this encoder does
 * not).
 *
 * <p>Output: the hidden states {@code [batch, H, tokens]} and {@code mu} {@code [batch,
 * melChannels, tokens]}, both zero at padding. Padding changes no item's output: the attention
 * reads only each item's valid prefix, the convolutions mask their input.
 */
final class AttentionTextEncoder extends Module implements TextEncoder, DropoutSource {
  private final int hidden;
  private final int heads;
  private final double dropout;
  private final Parameter embedding;
  private final Conv1d[] qkv;
  private final Conv1d[] attentionOut;
  private final Parameter[] relKey;
  private final Parameter[] relValue;
  private final ChannelLayerNorm[] norm1;
  private final Conv1d[] ffn1;
  private final Conv1d[] ffn2;
  private final ChannelLayerNorm[] norm2;
  private final Conv1d projection;
  private Rng rng;

  /**
   * Creates the encoder with fresh weights: the embedding and the relative embeddings {@code N(0,
   * 1/H)} and {@code N(0, 1/d)} ({@code d = H / heads}), the query, key and value projection
   * Glorot-uniform, the other convolutions as {@link Conv1d} initialises them.
   *
   * @param symbols input symbols
   * @param hidden channels {@code H}
   * @param layers Transformer layers
   * @param heads attention heads, dividing {@code hidden}
   * @param window relative-position window {@code w >= 0}
   * @param filterChannels channels {@code F} of the feed-forward network
   * @param filterKernel kernel size of the feed-forward convolutions, odd
   * @param dropout dropout probability in {@code [0, 1)}
   * @param melChannels channels of the prior mean
   * @param seed seed of the weights and the dropout stream
   * @throws IllegalArgumentException if a size is out of range
   */
  AttentionTextEncoder(
      int symbols,
      int hidden,
      int layers,
      int heads,
      int window,
      int filterChannels,
      int filterKernel,
      double dropout,
      int melChannels,
      long seed) {
    Checks.requireArgument(
        heads >= 1 && hidden % heads == 0 && window >= 0 && filterKernel % 2 == 1,
        "AttentionTextEncoder: heads must divide hidden (%d), the window be >= 0 and the filter"
            + " kernel odd, but were %d, %d and %d",
        hidden,
        heads,
        window,
        filterKernel);
    this.hidden = hidden;
    this.heads = heads;
    this.dropout = dropout;
    int d = hidden / heads;
    this.embedding =
        registerParameter(
            "embedding",
            Init.normal(
                Tensor.zeros(Shape.of(symbols, hidden)),
                0,
                1 / Math.sqrt(hidden),
                new SplittableRandom(seed)));
    this.qkv = new Conv1d[layers];
    this.attentionOut = new Conv1d[layers];
    this.relKey = new Parameter[layers];
    this.relValue = new Parameter[layers];
    this.norm1 = new ChannelLayerNorm[layers];
    this.ffn1 = new Conv1d[layers];
    this.ffn2 = new Conv1d[layers];
    this.norm2 = new ChannelLayerNorm[layers];
    int pad = filterKernel / 2;
    for (int i = 0; i < layers; i++) {
      long s = seed + 10L * (i + 1);
      qkv[i] = registerModule("qkv" + i, new Conv1d(hidden, 3 * hidden, 1, 0, 1, 1, true, s));
      // Glorot-uniform as Glow-TTS initialises its query, key and value projections.
      double limit = Math.sqrt(6.0 / (2 * hidden));
      Init.uniform(qkv[i].weight().value(), -limit, limit, new SplittableRandom(s + 1));
      attentionOut[i] =
          registerModule("out" + i, new Conv1d(hidden, hidden, 1, 0, 1, 1, true, s + 2));
      SplittableRandom relRandom = new SplittableRandom(s + 3);
      relKey[i] =
          registerParameter(
              "relKey" + i,
              Init.normal(
                  Tensor.zeros(Shape.of(2 * window + 1, d)), 0, 1 / Math.sqrt(d), relRandom));
      relValue[i] =
          registerParameter(
              "relValue" + i,
              Init.normal(
                  Tensor.zeros(Shape.of(2 * window + 1, d)), 0, 1 / Math.sqrt(d), relRandom));
      norm1[i] = registerModule("norm1_" + i, new ChannelLayerNorm(hidden));
      ffn1[i] =
          registerModule(
              "ffn1_" + i,
              new Conv1d(hidden, filterChannels, filterKernel, pad, 1, 1, true, s + 4));
      ffn2[i] =
          registerModule(
              "ffn2_" + i,
              new Conv1d(filterChannels, hidden, filterKernel, pad, 1, 1, true, s + 5));
      norm2[i] = registerModule("norm2_" + i, new ChannelLayerNorm(hidden));
    }
    this.projection =
        registerModule("projection", new Conv1d(hidden, melChannels, 1, 0, 1, 1, true, seed + 100));
    this.rng = new Rng(seed ^ 0x9E3779B97F4A7C15L);
  }

  @Override
  public Output forward(int[][] tokens, int length, Tensor mask) {
    boolean drop = isTraining() && dropout > 0;
    Var x = SpeechOps.embed(embedding.var(), tokens, length, (float) Math.sqrt(hidden));
    for (int i = 0; i < qkv.length; i++) {
      // The 1x1 projections run unmasked (a plain GEMM): the attention reads only valid positions,
      // and whatever they leave at padding is masked by the convolutions and at the end.
      Var a =
          AttentionOps.relativeSelfAttention(
              qkv[i].forward(x),
              relKey[i].var(),
              relValue[i].var(),
              mask,
              heads,
              drop ? dropout : 0,
              drop ? rng : null);
      Var y = attentionOut[i].forward(a);
      if (drop) {
        y = SpeechOps.dropout(y, dropout, rng);
      }
      x = norm1[i].forward(ArithmeticOps.add(x, y));
      y = ffn2[i].forward(MathOps.activation(ffn1[i].forward(x, mask), Activation.RELU), mask);
      if (drop) {
        y = SpeechOps.dropout(y, dropout, rng);
      }
      x = norm2[i].forward(ArithmeticOps.add(x, y));
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
