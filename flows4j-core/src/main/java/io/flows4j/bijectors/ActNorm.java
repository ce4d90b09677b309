package io.flows4j.bijectors;

import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Var;
import io.flows4j.io.Json;
import io.flows4j.nn.Module;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;

/**
 * Activation normalization (Kingma and Dhariwal 2018, "Glow: Generative Flow with Invertible 1x1
 * Convolutions", section 3.1): a per-channel affine map with a data-dependent initialisation.
 *
 * <pre>
 *   forward (data to latent):  z = (x + bias_c) * exp(logScale_c)
 *   inverse:                   x = z * exp(-logScale_c) - bias_c
 *   log|det dz/dx| = positions * sum_c logScale_c     (the same for every row)
 * </pre>
 *
 * <p>The shift comes before the scale, as in the Glow code (the paper's table writes {@code s x +
 * b}, the same family): the initial {@code bias_c = -mean_c} then removes a data offset exactly
 * before scaling, where {@code x * s + b} would subtract two large, rounded products.
 *
 * <p>Inputs are {@code [batch, channels]} (one scale per feature), {@code [batch, channels, T]} or
 * {@code [batch, channels, H, W]} (one scale per channel, shared by the {@code positions = T} or
 * {@code H * W} elements of a channel; see {@link ChannelLayout}).
 *
 * <p><b>Data-dependent initialisation.</b> The first {@link #forward} call in training mode on an
 * uninitialised layer first sets, for every channel with mean {@code m_c} and (biased) variance
 * {@code v_c} over the batch and positions, {@code bias_c = -m_c} and {@code logScale_c =
 * -log(sqrt(v_c + INIT_EPS))}, so that this batch comes out with zero mean and unit variance per
 * channel; then it sets the {@code initialized} buffer to 1. The buffer is saved and loaded with
 * the weights, so a loaded layer is never initialised again. Nothing else initialises: not {@link
 * #inverse} (sampling from an untrained flow must not fit the layer to its own latent draws; it
 * uses the current parameters, the identity for a new layer, and leaves the layer uninitialised),
 * and not {@code forward} in evaluation mode. {@link #initialize} does it explicitly, from a batch
 * of the caller's choice.
 *
 * <p>Parameters: {@code bias} and {@code logScale}, each of shape {@code [channels]}, starting at 0
 * (the identity). Buffer: {@code initialized}, shape {@code [1]}, 0 or 1.
 */
public final class ActNorm extends Module implements Bijector {
  static final String TYPE = "actnorm";

  /**
   * Added to the variance at initialisation, so that a constant channel gets a large but finite
   * scale ({@code 1 / sqrt(INIT_EPS) = 1000}) rather than an infinite one.
   */
  public static final double INIT_EPS = 1e-6;

  private final int channels;
  private final Parameter bias;
  private final Parameter logScale;
  private final Tensor initialized;

  /**
   * Creates an uninitialised layer (the identity until its first training-mode forward call).
   *
   * @param channels features of {@code [batch, channels]} inputs, channels of {@code [batch,
   *     channels, ...]} inputs
   * @throws IllegalArgumentException if {@code channels < 1}
   */
  public ActNorm(int channels) {
    Checks.requirePositive(channels, "ActNorm", "channels");
    this.channels = channels;
    this.bias = registerParameter("bias", Tensor.zeros(channels));
    this.logScale = registerParameter("logScale", Tensor.zeros(channels));
    this.initialized = registerBuffer("initialized", Tensor.zeros(1));
  }

  /** The number of channels (features). */
  public int channels() {
    return channels;
  }

  /** Whether the data-dependent initialisation has happened (or was loaded). */
  public boolean isInitialized() {
    return initialized.getFlat(0) != 0f;
  }

  /**
   * Initialises from {@code x} now, whatever the current state: sets the parameters so that {@code
   * x} maps to zero mean and unit variance per channel (see the class comment) and marks the layer
   * initialised.
   *
   * @param x of shape {@code [batch, channels, ...]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} does not have that shape
   * @throws IllegalArgumentException if there are fewer than two values per channel, or a value is
   *     not finite
   */
  public void initialize(Tensor x) {
    ChannelLayout l = ChannelLayout.of("ActNorm.initialize", x.shape(), channels);
    int n = l.perChannel();
    Checks.requireArgument(
        n >= 2,
        "ActNorm.initialize: the batch must hold at least 2 values per channel to estimate a"
            + " variance, but holds %d (shape %s)",
        n,
        x.shape());
    double[][] stats = l.meanVariance(x);
    for (int c = 0; c < channels; c++) {
      double mean = stats[0][c];
      double var = stats[1][c];
      Checks.requireArgument(
          Double.isFinite(mean) && Double.isFinite(var),
          "ActNorm.initialize: values of channel %d must be finite, but their mean is %s and"
              + " variance %s",
          c,
          mean,
          var);
      bias.value().setFlat(c, (float) -mean);
      logScale.value().setFlat(c, (float) (-0.5 * Math.log(var + INIT_EPS)));
    }
    initialized.setFlat(0, 1f);
  }

  /**
   * The normalizing direction, {@code z = (x + bias_c) * exp(logScale_c)}; in training mode the
   * first call initialises the layer from {@code x} (see the class comment).
   *
   * @param x of shape {@code [batch, channels, ...]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code x} does not have that shape
   */
  @Override
  public Transformed forward(Var x) {
    ChannelLayout l = ChannelLayout.of("ActNorm.forward", x.shape(), channels);
    if (isTraining() && !isInitialized()) {
      initialize(x.value());
    }
    return ChannelAffine.forward(x, terms(), l);
  }

  /**
   * The generative direction, {@code x = z * exp(-logScale_c) - bias_c}; never initialises.
   *
   * @param z of shape {@code [batch, channels, ...]}
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code z} does not have that shape
   */
  @Override
  public Transformed inverse(Var z) {
    ChannelLayout l = ChannelLayout.of("ActNorm.inverse", z.shape(), channels);
    return ChannelAffine.inverse(z, terms(), l);
  }

  private ChannelAffine.Terms terms() {
    return new ChannelAffine.Terms(bias.var(), null, logScale.var(), null, null);
  }

  @Override
  public Json.Obj spec() {
    return Spec.of(TYPE).put("channels", channels).build();
  }

  static ActNorm fromSpec(Json.Obj spec) {
    return new ActNorm(spec.getInt("channels"));
  }
}
