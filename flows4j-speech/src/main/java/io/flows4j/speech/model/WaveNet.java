package io.flows4j.speech.model;

import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.nn.Conv1d;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;

/**
 * The non-causal WaveNet-style conditioner of Glow-TTS's coupling layers (van den Oord et al. 2016;
 * Kim et al. 2020): a 1x1 input convolution, then {@code layers} gated dilated convolutions with
 * residual and skip paths; the output is the sum of the skips.
 *
 * <pre>
 * h_0 = start(x) mask
 * a_i = dropout(conv_i(h_i))                 kernel K, dilation rate^i, 2H channels
 * g_i = tanh(a_i[:H]) sigmoid(a_i[H:])
 * r_i = res_i(g_i)                           1x1, 2H channels (H for the last layer)
 * h_{i+1} = (h_i + r_i[:H]) mask,   skip += r_i[H:]      (the last layer: skip += r_i)
 * out = skip mask
 * </pre>
 *
 * <p>Input {@code [batch, inChannels, length]}, output {@code [batch, H, length]}; masked positions
 * neither contribute nor receive values.
 */
final class WaveNet extends Module implements DropoutSource {
  private final int hidden;
  private final double dropout;
  private final Conv1d start;
  private final Conv1d[] in;
  private final Conv1d[] res;
  private Rng rng;

  /**
   * Creates the network.
   *
   * @param inChannels input channels, at least 1
   * @param hidden channels {@code H}, at least 1
   * @param kernelSize odd kernel size, at least 1
   * @param dilationRate the dilation of layer {@code i} is {@code dilationRate^i}, at least 1
   * @param layers at least 1
   * @param dropout drop probability in {@code [0, 1)} after each dilated convolution
   * @param seed seed of the weights and of the dropout masks
   * @throws IllegalArgumentException if an argument is out of range
   */
  WaveNet(
      int inChannels,
      int hidden,
      int kernelSize,
      int dilationRate,
      int layers,
      double dropout,
      long seed) {
    Checks.requirePositive(hidden, "WaveNet", "hidden");
    Checks.requirePositive(layers, "WaveNet", "layers");
    Checks.requirePositive(dilationRate, "WaveNet", "dilationRate");
    Checks.requireArgument(
        kernelSize >= 1 && kernelSize % 2 == 1,
        "WaveNet: kernelSize must be odd and >= 1, but was %d",
        kernelSize);
    Checks.requireArgument(
        dropout >= 0 && dropout < 1, "WaveNet: dropout must be in [0, 1), but was %s", dropout);
    this.hidden = hidden;
    this.dropout = dropout;
    this.start = registerModule("start", new Conv1d(inChannels, hidden, 1, 0, 1, 1, true, seed));
    this.in = new Conv1d[layers];
    this.res = new Conv1d[layers];
    int dilation = 1;
    for (int i = 0; i < layers; i++) {
      int pad = dilation * (kernelSize - 1) / 2;
      in[i] =
          registerModule(
              "in" + i,
              new Conv1d(
                  hidden, 2 * hidden, kernelSize, pad, dilation, 1, true, seed + 2L * i + 1));
      int out = i < layers - 1 ? 2 * hidden : hidden;
      res[i] =
          registerModule("res" + i, new Conv1d(hidden, out, 1, 0, 1, 1, true, seed + 2L * i + 2));
      dilation *= dilationRate;
    }
    this.rng = new Rng(seed ^ 0x5DEECE66DL);
  }

  /** The output channels {@code H}. */
  int hidden() {
    return hidden;
  }

  /**
   * Applies the network.
   *
   * @param x of shape {@code [batch, inChannels, length]}
   * @param mask of shape {@code [batch, 1, length]}, or {@code null}
   * @return of shape {@code [batch, H, length]}, zero at masked positions
   */
  Var forward(Var x, Tensor mask) {
    Var h = start.forward(x, mask);
    Shape hs = h.shape();
    Var skip = null;
    int layers = in.length;
    for (int i = 0; i < layers; i++) {
      Var a = in[i].forward(h, mask);
      if (isTraining()) {
        a = SpeechOps.dropout(a, dropout, rng);
      }
      Var g = SpeechOps.gatedTanh(a);
      // The 1x1 convolution runs unmasked (a direct GEMM); addChannels masks what it keeps.
      Var r = res[i].forward(g, null);
      if (skip == null) {
        skip = Var.constant(Tape.newValue(hs).fill(0f));
      }
      if (i < layers - 1) {
        h = SpeechOps.addChannels(h, r, 0, mask);
        skip = SpeechOps.addChannels(skip, r, hidden, null);
      } else {
        skip = SpeechOps.addChannels(skip, r, 0, mask);
      }
    }
    return skip;
  }

  @Override
  public void reseedDropout(long seed) {
    this.rng = new Rng(seed ^ 0x5DEECE66DL);
  }
}
