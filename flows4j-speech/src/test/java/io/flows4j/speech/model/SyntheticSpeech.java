package io.flows4j.speech.model;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Synthetic utterances for the model's tests: every symbol has a fixed random "spectrum", an
 * utterance holds each of its tokens for a random number of frames, plus a little noise. The true
 * durations are kept, so an alignment can be checked.
 */
final class SyntheticSpeech {
  final List<int[]> tokens = new ArrayList<>();
  final List<Tensor> mels = new ArrayList<>();
  final List<int[]> durations = new ArrayList<>();

  /**
   * Makes {@code count} utterances.
   *
   * @param symbols vocabulary size
   * @param channels mel channels
   * @param minTokens shortest token sequence
   * @param maxTokens longest token sequence
   * @param minFrames fewest frames per token
   * @param maxFrames most frames per token
   * @param noise standard deviation of the added noise
   */
  SyntheticSpeech(
      int count,
      int symbols,
      int channels,
      int minTokens,
      int maxTokens,
      int minFrames,
      int maxFrames,
      double noise,
      long seed) {
    Rng rng = new Rng(seed);
    float[][] spectra = new float[symbols][channels];
    for (int s = 0; s < symbols; s++) {
      for (int c = 0; c < channels; c++) {
        spectra[s][c] = (float) (2 * rng.nextGaussian() - 3);
      }
    }
    for (int u = 0; u < count; u++) {
      int n = minTokens + rng.nextInt(maxTokens - minTokens + 1);
      int[] t = new int[n];
      int[] d = new int[n];
      int frames = 0;
      for (int i = 0; i < n; i++) {
        t[i] = rng.nextInt(symbols);
        d[i] = minFrames + rng.nextInt(maxFrames - minFrames + 1);
        frames += d[i];
      }
      Tensor mel = Tensor.zeros(channels, frames);
      int f = 0;
      for (int i = 0; i < n; i++) {
        for (int k = 0; k < d[i]; k++, f++) {
          for (int c = 0; c < channels; c++) {
            mel.setFlat(c * frames + f, (float) (spectra[t[i]][c] + noise * rng.nextGaussian()));
          }
        }
      }
      tokens.add(t);
      mels.add(mel);
      durations.add(d);
    }
  }

  /** All utterances as one padded batch. */
  SpeechBatch batch() {
    return SpeechBatch.of(tokens, mels);
  }

  /** Utterance {@code i} alone. */
  SpeechBatch item(int i) {
    return SpeechBatch.of(List.of(tokens.get(i)), List.of(mels.get(i)));
  }
}
