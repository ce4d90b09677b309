package io.flows4j.speech.model;

import io.flows4j.bijectors.BijectorRegistry;

/** Registers the speech model's bijector types with {@link BijectorRegistry}, once. */
final class SpeechLayers {
  private static boolean registered;

  private SpeechLayers() {}

  /** Registers every type; later calls do nothing. */
  static synchronized void register() {
    if (registered) {
      return;
    }
    registered = true;
    BijectorRegistry.register(SequenceActNorm.TYPE, SequenceActNorm::fromSpec);
    BijectorRegistry.register(GroupedInvertibleConv.TYPE, GroupedInvertibleConv::fromSpec);
    BijectorRegistry.register(WaveNetCoupling.TYPE, WaveNetCoupling::fromSpec);
    BijectorRegistry.register(FlowDecoder.TYPE, FlowDecoder::fromSpec);
  }
}
