package io.flows4j.speech.model;

import io.flows4j.autodiff.ArithmeticOps;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The flow decoder of Glow-TTS (Kim et al. 2020, section 2.4): mel frames {@code [batch, C,
 * frames]} are squeezed in time (pairs of frames become {@code 2C} channels), pass {@code blocks}
 * steps of {@link SequenceActNorm}, {@link GroupedInvertibleConv} and {@link WaveNetCoupling}, and
 * are unsqueezed back to {@code [batch, C, frames]}.
 *
 * <pre>
 *   forward (mel to latent):  z = unsqueeze(f_K(... f_1(squeeze(y))))
 *   log|det dz/dy| = sum of the steps' log-determinants over the valid positions
 * </pre>
 *
 * <p>The frame count must be even; with a mask {@code [batch, 1, frames]} every valid length must
 * be even too (a pair is valid when its second frame is), and padding changes no item's latent or
 * log-determinant.
 */
final class FlowDecoder extends Module implements SequenceBijector {
  static final String TYPE = "glow-tts-decoder";

  static {
    SpeechLayers.register();
  }

  private final int channels;
  private final int blocks;
  private final int hidden;
  private final int kernelSize;
  private final int dilationRate;
  private final int layers;
  private final double dropout;
  private final SequenceBijector[] steps;

  /**
   * Creates the decoder.
   *
   * @param channels mel channels {@code C}; {@code 2C} must be a multiple of 4
   * @param blocks flow steps, at least 1
   * @param hidden WaveNet channels of each coupling
   * @param kernelSize odd kernel size of the WaveNet convolutions
   * @param dilationRate WaveNet dilation growth
   * @param layers WaveNet layers per coupling
   * @param dropout WaveNet dropout
   * @param seed seed of all weights
   * @throws IllegalArgumentException if an argument is out of range
   */
  FlowDecoder(
      int channels,
      int blocks,
      int hidden,
      int kernelSize,
      int dilationRate,
      int layers,
      double dropout,
      long seed) {
    Checks.requireArgument(
        channels >= 2 && channels % 2 == 0,
        "FlowDecoder: channels must be even and >= 2, but was %d",
        channels);
    Checks.requirePositive(blocks, "FlowDecoder", "blocks");
    this.channels = channels;
    this.blocks = blocks;
    this.hidden = hidden;
    this.kernelSize = kernelSize;
    this.dilationRate = dilationRate;
    this.layers = layers;
    this.dropout = dropout;
    int sq = 2 * channels;
    this.steps = new SequenceBijector[3 * blocks];
    for (int k = 0; k < blocks; k++) {
      long s = seed + 7919L * k;
      steps[3 * k] = registerModule("actnorm" + k, new SequenceActNorm(sq));
      steps[3 * k + 1] = registerModule("invconv" + k, new GroupedInvertibleConv(sq, s));
      steps[3 * k + 2] =
          registerModule(
              "coupling" + k,
              new WaveNetCoupling(sq, hidden, kernelSize, dilationRate, layers, dropout, s + 1));
    }
  }

  /** The mel channels. */
  int channels() {
    return channels;
  }

  @Override
  public Transformed forward(Var y, Tensor mask) {
    Tensor sm = check("FlowDecoder.forward", y.shape(), mask);
    Var x = SpeechOps.squeeze(SpeechOps.mask(y, mask));
    Var ld = null;
    for (SequenceBijector step : steps) {
      Transformed t = step.forward(x, sm);
      x = t.value();
      ld = ld == null ? t.logAbsDet() : ArithmeticOps.add(ld, t.logAbsDet());
    }
    return new Transformed(SpeechOps.unsqueeze(x), ld);
  }

  @Override
  public Transformed inverse(Var z, Tensor mask) {
    Tensor sm = check("FlowDecoder.inverse", z.shape(), mask);
    Var x = SpeechOps.squeeze(SpeechOps.mask(z, mask));
    Var ld = null;
    for (int i = steps.length - 1; i >= 0; i--) {
      Transformed t = steps[i].inverse(x, sm);
      x = t.value();
      ld = ld == null ? t.logAbsDet() : ArithmeticOps.add(ld, t.logAbsDet());
    }
    return new Transformed(SpeechOps.unsqueeze(x), ld);
  }

  private Tensor check(String op, Shape s, Tensor mask) {
    Checks.requireShape(
        s.rank() == 3 && s.dim(1) == channels && s.dim(2) % 2 == 0,
        "%s: input must have shape [batch, %d, even frames], but was %s",
        op,
        channels,
        s);
    if (mask != null) {
      Checks.requireShape(
          mask.shape().equals(Shape.of(s.dim(0), 1, s.dim(2))),
          "%s: mask must have shape [%d, 1, %d], but was %s",
          op,
          s.dim(0),
          s.dim(2),
          mask.shape());
    }
    return Masks.squeeze(mask);
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE)
        .put("channels", channels)
        .put("blocks", blocks)
        .put("hidden", hidden)
        .put("kernelSize", kernelSize)
        .put("dilationRate", dilationRate)
        .put("layers", layers)
        .put("dropout", dropout)
        .build();
  }

  static FlowDecoder fromSpec(Json.Obj spec) {
    return new FlowDecoder(
        spec.getInt("channels"),
        spec.getInt("blocks"),
        spec.getInt("hidden"),
        spec.getInt("kernelSize"),
        spec.getInt("dilationRate"),
        spec.getInt("layers"),
        spec.getDouble("dropout"),
        0L);
  }
}
