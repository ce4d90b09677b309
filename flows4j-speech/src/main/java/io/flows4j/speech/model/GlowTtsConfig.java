package io.flows4j.speech.model;

import io.flows4j.bijectors.Spec;
import io.flows4j.io.Json;
import io.flows4j.tensor.Checks;

/**
 * The sizes of a {@link GlowTts} model.
 *
 * @param symbols input symbols (42 for the kit's phone set with the blank)
 * @param melChannels log-mel channels (80), even
 * @param hidden encoder channels
 * @param encoderLayers layers of the text encoder: residual convolution blocks ({@link
 *     EncoderKind#CONV}) or Transformer layers ({@link EncoderKind#ATTENTION})
 * @param encoderKernel kernel size of the convolution encoder's convolutions, odd
 * @param encoderDropout dropout in the encoder
 * @param durationChannels channels of the duration predictor
 * @param durationKernel kernel size of the duration predictor, odd
 * @param durationDropout dropout in the duration predictor
 * @param flowBlocks decoder steps (ActNorm, grouped 1x1 convolution, coupling)
 * @param couplingLayers WaveNet layers per coupling
 * @param couplingChannels WaveNet channels
 * @param couplingKernel WaveNet kernel size, odd
 * @param couplingDilationRate WaveNet dilation growth per layer (1: no dilation, Glow-TTS's
 *     default)
 * @param couplingDropout WaveNet dropout
 * @param encoderKind which text encoder: convolutions or self-attention
 * @param encoderHeads attention heads of the attention encoder; they divide {@code hidden}
 * @param encoderWindow relative-position window {@code w} of the attention encoder: offsets {@code
 *     -w..w} have their own embeddings, farther ones are clipped to {@code +-w}; {@code >= 0}
 * @param encoderFilterChannels hidden channels of the attention encoder's feed-forward network
 * @param encoderFilterKernel kernel size of the feed-forward network's convolutions, odd
 */
public record GlowTtsConfig(
    int symbols,
    int melChannels,
    int hidden,
    int encoderLayers,
    int encoderKernel,
    double encoderDropout,
    int durationChannels,
    int durationKernel,
    double durationDropout,
    int flowBlocks,
    int couplingLayers,
    int couplingChannels,
    int couplingKernel,
    int couplingDilationRate,
    double couplingDropout,
    EncoderKind encoderKind,
    int encoderHeads,
    int encoderWindow,
    int encoderFilterChannels,
    int encoderFilterKernel) {

  /** Attention heads of the kit's reference encoder. */
  public static final int DEFAULT_HEADS = 2;

  /** Relative-position window of the kit's reference encoder. */
  public static final int DEFAULT_WINDOW = 4;

  /** Feed-forward kernel size of the kit's reference encoder. */
  public static final int DEFAULT_FILTER_KERNEL = 3;

  /** Feed-forward channels per hidden channel of the kit's reference encoder (96 to 384). */
  public static final int FILTER_FACTOR = 4;

  /** Transformer layers of the kit's reference encoder. */
  public static final int ATTENTION_LAYERS = 3;

  /** The kind of text encoder. */
  public enum EncoderKind {
    /** Residual convolution blocks ({@code ConvTextEncoder}). */
    CONV("conv"),
    /** Transformer layers with relative-position self-attention, as in Glow-TTS. */
    ATTENTION("attention");

    private final String id;

    EncoderKind(String id) {
      this.id = id;
    }

    /** The name in model files and on the command line: {@code conv} or {@code attention}. */
    public String id() {
      return id;
    }

    /**
     * The kind named {@code id}.
     *
     * @throws IllegalArgumentException if {@code id} is neither {@code conv} nor {@code attention}
     */
    public static EncoderKind of(String id) {
      for (EncoderKind k : values()) {
        if (k.id.equals(id)) {
          return k;
        }
      }
      throw new IllegalArgumentException("encoder must be conv or attention, but was '" + id + "'");
    }
  }

  /**
   * The sizes with a convolution text encoder (the attention sizes get the kit's values, unused).
   *
   * @throws IllegalArgumentException as the canonical constructor
   */
  public GlowTtsConfig(
      int symbols,
      int melChannels,
      int hidden,
      int encoderLayers,
      int encoderKernel,
      double encoderDropout,
      int durationChannels,
      int durationKernel,
      double durationDropout,
      int flowBlocks,
      int couplingLayers,
      int couplingChannels,
      int couplingKernel,
      int couplingDilationRate,
      double couplingDropout) {
    this(
        symbols,
        melChannels,
        hidden,
        encoderLayers,
        encoderKernel,
        encoderDropout,
        durationChannels,
        durationKernel,
        durationDropout,
        flowBlocks,
        couplingLayers,
        couplingChannels,
        couplingKernel,
        couplingDilationRate,
        couplingDropout,
        EncoderKind.CONV,
        DEFAULT_HEADS,
        DEFAULT_WINDOW,
        FILTER_FACTOR * hidden,
        DEFAULT_FILTER_KERNEL);
  }

  /**
   * Validates the sizes.
   *
   * @throws IllegalArgumentException if a size is not positive, a kernel is even, {@code
   *     melChannels} is odd, a dropout is outside {@code [0, 1)}, the encoder kind is null, the
   *     window is negative, or (attention encoder) the heads do not divide {@code hidden}
   */
  public GlowTtsConfig {
    Checks.requirePositive(symbols, "GlowTtsConfig", "symbols");
    Checks.requirePositive(hidden, "GlowTtsConfig", "hidden");
    Checks.requirePositive(encoderLayers, "GlowTtsConfig", "encoderLayers");
    Checks.requirePositive(durationChannels, "GlowTtsConfig", "durationChannels");
    Checks.requirePositive(flowBlocks, "GlowTtsConfig", "flowBlocks");
    Checks.requirePositive(couplingLayers, "GlowTtsConfig", "couplingLayers");
    Checks.requirePositive(couplingChannels, "GlowTtsConfig", "couplingChannels");
    Checks.requirePositive(couplingDilationRate, "GlowTtsConfig", "couplingDilationRate");
    Checks.requireArgument(
        melChannels >= 2 && melChannels % 2 == 0,
        "GlowTtsConfig: melChannels must be even and >= 2, but was %d",
        melChannels);
    requireOdd(encoderKernel, "encoderKernel");
    requireOdd(durationKernel, "durationKernel");
    requireOdd(couplingKernel, "couplingKernel");
    requireDropout(encoderDropout, "encoderDropout");
    requireDropout(durationDropout, "durationDropout");
    requireDropout(couplingDropout, "couplingDropout");
    Checks.requireArgument(encoderKind != null, "GlowTtsConfig: encoderKind must not be null");
    Checks.requirePositive(encoderHeads, "GlowTtsConfig", "encoderHeads");
    Checks.requireNonNegative(encoderWindow, "GlowTtsConfig", "encoderWindow");
    Checks.requirePositive(encoderFilterChannels, "GlowTtsConfig", "encoderFilterChannels");
    requireOdd(encoderFilterKernel, "encoderFilterKernel");
    if (encoderKind == EncoderKind.ATTENTION) {
      Checks.requireArgument(
          hidden % encoderHeads == 0,
          "GlowTtsConfig: encoderHeads must divide hidden (%d), but was %d",
          hidden,
          encoderHeads);
    }
  }

  private static void requireOdd(int k, String name) {
    Checks.requireArgument(
        k >= 1 && k % 2 == 1, "GlowTtsConfig: %s must be odd and >= 1, but was %d", name, k);
  }

  private static void requireDropout(double p, String name) {
    Checks.requireArgument(
        p >= 0 && p < 1, "GlowTtsConfig: %s must be in [0, 1), but was %s", name, p);
  }

  /**
   * The default preset, after the kit's tiny reference model (shared/speech/README.md, section 6):
   * 42 symbols, 80 mel channels, 96 encoder channels, duration predictor of 96 channels with kernel
   * 3, decoder of 4 blocks whose couplings hold a WaveNet of 3 layers, 64 channels, kernel 5;
   * dropout 0.1 in the text side and 0.05 in the decoder. The text encoder is the convolution
   * variant with 6 blocks of kernel 3 (the reference used 3 Transformer layers, see {@link
   * #tiny(EncoderKind)}).
   */
  public static GlowTtsConfig tiny() {
    return new GlowTtsConfig(42, 80, 96, 6, 3, 0.1, 96, 3, 0.1, 4, 3, 64, 5, 1, 0.05);
  }

  /**
   * The tiny preset with the given text encoder: {@link #tiny()} for {@link EncoderKind#CONV}; for
   * {@link EncoderKind#ATTENTION} the kit's reference encoder, 3 Transformer layers with 2 heads,
   * relative window 4, feed-forward convolutions of kernel 3 from 96 to 384 channels and back.
   */
  public static GlowTtsConfig tiny(EncoderKind kind) {
    GlowTtsConfig t = tiny();
    return kind == EncoderKind.CONV ? t : t.withEncoder(kind, ATTENTION_LAYERS);
  }

  /**
   * These sizes with another encoder kind and number of encoder layers (the other encoder sizes
   * kept).
   *
   * @throws IllegalArgumentException as the canonical constructor
   */
  public GlowTtsConfig withEncoder(EncoderKind kind, int layers) {
    return new GlowTtsConfig(
        symbols,
        melChannels,
        hidden,
        layers,
        encoderKernel,
        encoderDropout,
        durationChannels,
        durationKernel,
        durationDropout,
        flowBlocks,
        couplingLayers,
        couplingChannels,
        couplingKernel,
        couplingDilationRate,
        couplingDropout,
        kind,
        encoderHeads,
        encoderWindow,
        encoderFilterChannels,
        encoderFilterKernel);
  }

  /** The same sizes with every dropout set to zero (deterministic training, tests). */
  public GlowTtsConfig withoutDropout() {
    return new GlowTtsConfig(
        symbols,
        melChannels,
        hidden,
        encoderLayers,
        encoderKernel,
        0,
        durationChannels,
        durationKernel,
        0,
        flowBlocks,
        couplingLayers,
        couplingChannels,
        couplingKernel,
        couplingDilationRate,
        0,
        encoderKind,
        encoderHeads,
        encoderWindow,
        encoderFilterChannels,
        encoderFilterKernel);
  }

  /**
   * A JSON description, read back by {@link #fromJson}. The encoder members ({@code encoder},
   * {@code encoderHeads}, {@code encoderWindow}, {@code encoderFilterChannels}, {@code
   * encoderFilterKernel}) came after the first models were saved; {@link #fromJson} reads a
   * description without them as a convolution encoder.
   */
  public Json.Obj toJson() {
    return Spec.of("glow-tts")
        .put("symbols", symbols)
        .put("melChannels", melChannels)
        .put("hidden", hidden)
        .put("encoderLayers", encoderLayers)
        .put("encoderKernel", encoderKernel)
        .put("encoderDropout", encoderDropout)
        .put("durationChannels", durationChannels)
        .put("durationKernel", durationKernel)
        .put("durationDropout", durationDropout)
        .put("flowBlocks", flowBlocks)
        .put("couplingLayers", couplingLayers)
        .put("couplingChannels", couplingChannels)
        .put("couplingKernel", couplingKernel)
        .put("couplingDilationRate", couplingDilationRate)
        .put("couplingDropout", couplingDropout)
        .put("encoder", encoderKind.id())
        .put("encoderHeads", encoderHeads)
        .put("encoderWindow", encoderWindow)
        .put("encoderFilterChannels", encoderFilterChannels)
        .put("encoderFilterKernel", encoderFilterKernel)
        .build();
  }

  /**
   * Reads a description written by {@link #toJson}; one without the encoder members (written before
   * they existed) is a convolution encoder.
   *
   * @throws IllegalArgumentException if a member is missing or out of range, or the encoder kind is
   *     unknown
   */
  public static GlowTtsConfig fromJson(Json.Obj o) {
    GlowTtsConfig c = legacyFromJson(o);
    if (!o.has("encoder")) {
      return c;
    }
    return new GlowTtsConfig(
        c.symbols,
        c.melChannels,
        c.hidden,
        c.encoderLayers,
        c.encoderKernel,
        c.encoderDropout,
        c.durationChannels,
        c.durationKernel,
        c.durationDropout,
        c.flowBlocks,
        c.couplingLayers,
        c.couplingChannels,
        c.couplingKernel,
        c.couplingDilationRate,
        c.couplingDropout,
        EncoderKind.of(o.getString("encoder")),
        o.getInt("encoderHeads"),
        o.getInt("encoderWindow"),
        o.getInt("encoderFilterChannels"),
        o.getInt("encoderFilterKernel"));
  }

  /** The members every description has, with a convolution encoder. */
  private static GlowTtsConfig legacyFromJson(Json.Obj o) {
    return new GlowTtsConfig(
        o.getInt("symbols"),
        o.getInt("melChannels"),
        o.getInt("hidden"),
        o.getInt("encoderLayers"),
        o.getInt("encoderKernel"),
        o.getDouble("encoderDropout"),
        o.getInt("durationChannels"),
        o.getInt("durationKernel"),
        o.getDouble("durationDropout"),
        o.getInt("flowBlocks"),
        o.getInt("couplingLayers"),
        o.getInt("couplingChannels"),
        o.getInt("couplingKernel"),
        o.getInt("couplingDilationRate"),
        o.getDouble("couplingDropout"));
  }
}
