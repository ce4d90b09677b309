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
 * @param encoderLayers residual convolution blocks of the text encoder
 * @param encoderKernel kernel size of the encoder convolutions, odd
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
    double couplingDropout) {

  /**
   * Validates the sizes.
   *
   * @throws IllegalArgumentException if a size is not positive, a kernel is even, {@code
   *     melChannels} is odd, or a dropout is outside {@code [0, 1)}
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
   * variant with 6 blocks of kernel 3 (the reference used 3 Transformer layers).
   */
  public static GlowTtsConfig tiny() {
    return new GlowTtsConfig(42, 80, 96, 6, 3, 0.1, 96, 3, 0.1, 4, 3, 64, 5, 1, 0.05);
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
        0);
  }

  /** A JSON description, read back by {@link #fromJson}. */
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
        .build();
  }

  /**
   * Reads a description written by {@link #toJson}.
   *
   * @throws IllegalArgumentException if a member is missing or out of range
   */
  public static GlowTtsConfig fromJson(Json.Obj o) {
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
