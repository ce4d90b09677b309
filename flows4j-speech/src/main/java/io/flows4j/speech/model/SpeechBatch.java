package io.flows4j.speech.model;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.Tensor;
import java.util.List;

/**
 * A padded training batch: token sequences and their log-mel spectrograms.
 *
 * <p>The decoder squeezes pairs of frames, so every item uses an even number of frames: an odd
 * spectrogram loses its last frame (as Glow-TTS trims to a multiple of the squeeze factor).
 *
 * @param tokens one symbol-id sequence per item, each non-empty
 * @param mels log-mels of shape {@code [batch, melChannels, maxFrames]}, zero beyond each item's
 *     frames; {@code maxFrames} is even
 * @param frameLengths valid (even) frames per item
 */
@SuppressWarnings("ArrayRecordComponent") // built once per step, read by the model, not shared
public record SpeechBatch(int[][] tokens, Tensor mels, int[] frameLengths) {

  /**
   * Checks the batch.
   *
   * @throws IllegalArgumentException if the counts differ, a sequence is empty, a frame count is
   *     odd or exceeds the padded length, or an item has fewer frames than tokens
   * @throws io.flows4j.tensor.ShapeMismatchException if {@code mels} is not {@code [batch, C, even
   *     frames]}
   */
  public SpeechBatch {
    Checks.requireShape(
        mels.rank() == 3 && mels.dim(0) == tokens.length && mels.dim(2) % 2 == 0,
        "SpeechBatch: mels must have shape [%d, channels, even frames], but was %s",
        tokens.length,
        mels.shape());
    Checks.requireArgument(
        frameLengths.length == tokens.length,
        "SpeechBatch: %d frame lengths given for %d items",
        frameLengths.length,
        tokens.length);
    for (int b = 0; b < tokens.length; b++) {
      Checks.requireArgument(tokens[b].length > 0, "SpeechBatch: item %d has no tokens", b);
      Checks.requireArgument(
          frameLengths[b] % 2 == 0 && frameLengths[b] <= mels.dim(2),
          "SpeechBatch: item %d must have an even number of frames <= %d, but has %d",
          b,
          mels.dim(2),
          frameLengths[b]);
      Checks.requireArgument(
          frameLengths[b] >= tokens[b].length,
          "SpeechBatch: item %d has %d frames for %d tokens; every token needs a frame",
          b,
          frameLengths[b],
          tokens[b].length);
    }
  }

  /**
   * Pads a list of items into a batch.
   *
   * @param tokens symbol ids per item
   * @param mels log-mel of each item, shape {@code [melChannels, frames]}
   * @throws IllegalArgumentException as the constructor, or if the lists differ in size or are
   *     empty
   * @throws io.flows4j.tensor.ShapeMismatchException if the mels differ in channels
   */
  public static SpeechBatch of(List<int[]> tokens, List<Tensor> mels) {
    Checks.requireArgument(
        !tokens.isEmpty() && tokens.size() == mels.size(),
        "SpeechBatch.of: needs as many token sequences as mels (at least one), but got %d and %d",
        tokens.size(),
        mels.size());
    int ch = mels.get(0).dim(0);
    int max = 0;
    int[] lengths = new int[mels.size()];
    for (int b = 0; b < mels.size(); b++) {
      Tensor m = mels.get(b);
      Checks.requireShape(
          m.rank() == 2 && m.dim(0) == ch,
          "SpeechBatch.of: mel %d must have shape [%d, frames], but was %s",
          b,
          ch,
          m.shape());
      lengths[b] = m.dim(1) / 2 * 2;
      max = Math.max(max, lengths[b]);
    }
    Tensor padded = Tensor.zeros(Shape.of(mels.size(), ch, max));
    for (int b = 0; b < mels.size(); b++) {
      Tensor m = mels.get(b);
      for (int c = 0; c < ch; c++) {
        System.arraycopy(
            m.data(), m.offset() + c * m.dim(1), padded.data(), (b * ch + c) * max, lengths[b]);
      }
    }
    int[][] t = new int[tokens.size()][];
    for (int b = 0; b < t.length; b++) {
      t[b] = tokens.get(b).clone();
    }
    return new SpeechBatch(t, padded, lengths);
  }

  /** The number of items. */
  public int size() {
    return tokens.length;
  }

  /** The token count of each item. */
  public int[] tokenLengths() {
    int[] n = new int[tokens.length];
    for (int b = 0; b < n.length; b++) {
      n[b] = tokens[b].length;
    }
    return n;
  }

  /** The longest token sequence. */
  public int maxTokens() {
    int m = 0;
    for (int[] t : tokens) {
      m = Math.max(m, t.length);
    }
    return m;
  }
}
