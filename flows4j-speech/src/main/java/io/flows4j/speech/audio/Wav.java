package io.flows4j.speech.audio;

import io.flows4j.tensor.Checks;
import java.util.Objects;

/**
 * A mono waveform: samples in [−1, 1] (16-bit PCM values / 32768) and the sample rate in Hz.
 *
 * @param samples the samples (the array is shared, not copied)
 * @param sampleRate samples per second, positive
 */
public record Wav(float[] samples, int sampleRate) {
  /**
   * Validates the fields.
   *
   * @throws IllegalArgumentException if {@code sampleRate} is not positive
   */
  public Wav {
    Objects.requireNonNull(samples, "Wav: samples");
    Checks.requireArgument(
        sampleRate > 0, "Wav: sample rate must be positive, but was %d", sampleRate);
  }

  /** The duration in seconds. */
  public double seconds() {
    return (double) samples.length / sampleRate;
  }
}
