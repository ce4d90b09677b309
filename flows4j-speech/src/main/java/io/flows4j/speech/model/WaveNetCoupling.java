package io.flows4j.speech.model;

import io.flows4j.autodiff.ShapeOps;
import io.flows4j.autodiff.Var;
import io.flows4j.bijectors.Spec;
import io.flows4j.bijectors.Transformed;
import io.flows4j.io.Json;
import io.flows4j.nn.Conv1d;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The affine coupling layer of Glow-TTS's decoder (Dinh et al. 2017, "Density estimation using Real
 * NVP"; Kim et al. 2020): the first half of the channels passes unchanged and conditions, through a
 * {@link WaveNet} and a zero-initialised 1x1 convolution, a shift {@code m} and log-scale {@code s}
 * of the second half.
 *
 * <pre>
 *   [m, s] = end(WaveNet(x_a))
 *   forward:  z_a = x_a,  z_b = (m + exp(s) x_b) mask
 *   inverse:  x_a = z_a,  x_b = (z_b - m) exp(-s) mask
 *   log|det dz/dx| = sum_{c, t} s[c, t] mask[t]
 * </pre>
 *
 * <p>Input and output {@code [batch, channels, length]} with an even number of channels; the layer
 * starts as the identity (the end convolution is zero).
 */
final class WaveNetCoupling extends Module implements SequenceBijector {
  static final String TYPE = "wavenet-coupling";

  static {
    SpeechLayers.register();
  }

  private final int channels;
  private final int hidden;
  private final int kernelSize;
  private final int dilationRate;
  private final int layers;
  private final double dropout;
  private final WaveNet net;
  private final Conv1d end;

  /**
   * Creates the layer.
   *
   * @param channels even, at least 2
   * @param hidden WaveNet channels
   * @param kernelSize odd kernel size of the dilated convolutions
   * @param dilationRate dilation growth per WaveNet layer
   * @param layers WaveNet layers
   * @param dropout drop probability in the WaveNet
   * @param seed seed of the weights and dropout
   * @throws IllegalArgumentException if an argument is out of range
   */
  WaveNetCoupling(
      int channels,
      int hidden,
      int kernelSize,
      int dilationRate,
      int layers,
      double dropout,
      long seed) {
    Checks.requireArgument(
        channels >= 2 && channels % 2 == 0,
        "WaveNetCoupling: channels must be even and >= 2, but was %d",
        channels);
    this.channels = channels;
    this.hidden = hidden;
    this.kernelSize = kernelSize;
    this.dilationRate = dilationRate;
    this.layers = layers;
    this.dropout = dropout;
    this.net =
        registerModule(
            "net",
            new WaveNet(channels / 2, hidden, kernelSize, dilationRate, layers, dropout, seed));
    this.end =
        registerModule("end", new Conv1d(hidden, channels, 1, 0, 1, 1, true, seed + 1000))
            .zeroInit();
  }

  /** The end convolution (zero at creation). */
  Conv1d end() {
    return end;
  }

  @Override
  public Transformed forward(Var x, Tensor mask) {
    return apply(x, mask, true);
  }

  @Override
  public Transformed inverse(Var z, Tensor mask) {
    return apply(z, mask, false);
  }

  private Transformed apply(Var x, Tensor mask, boolean forward) {
    Shape s = x.shape();
    Checks.requireShape(
        s.rank() == 3 && s.dim(1) == channels,
        "WaveNetCoupling.%s: input must have shape [batch, %d, length], but was %s",
        forward ? "forward" : "inverse",
        channels,
        s);
    int half = channels / 2;
    Var[] parts = ShapeOps.split(x, 1, half, half);
    Var stats = end.forward(net.forward(parts[0], mask), null);
    Var b =
        forward
            ? SpeechOps.couplingForward(parts[1], stats, mask)
            : SpeechOps.couplingInverse(parts[1], stats, mask);
    Var ld = SpeechOps.maskedChannelSum(stats, half, half, mask, forward ? 1f : -1f);
    return new Transformed(ShapeOps.concat(1, parts[0], b), ld);
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE)
        .put("channels", channels)
        .put("hidden", hidden)
        .put("kernelSize", kernelSize)
        .put("dilationRate", dilationRate)
        .put("layers", layers)
        .put("dropout", dropout)
        .build();
  }

  static WaveNetCoupling fromSpec(Json.Obj spec) {
    return new WaveNetCoupling(
        spec.getInt("channels"),
        spec.getInt("hidden"),
        spec.getInt("kernelSize"),
        spec.getInt("dilationRate"),
        spec.getInt("layers"),
        spec.getDouble("dropout"),
        0L);
  }
}
