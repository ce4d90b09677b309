package io.flows4j.speech.corpus;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;
import java.util.List;

/**
 * One utterance of the corpus.
 *
 * @param id the corpus id, e.g. {@code kjv00001}
 * @param text the sentence
 * @param phones the phones of the sentence ({@code pau} at both ends), {@code n} of them
 * @param tokens the model's input: the phone ids with blanks interleaved, {@code 2n + 1} of them
 * @param logMel the log-mel frames of the audio, shape {@code [80, T]}
 */
@SuppressWarnings("ArrayRecordComponent") // tokens are copied in and out
public record Utterance(String id, String text, List<String> phones, int[] tokens, Tensor logMel) {
  /**
   * Checks the shapes.
   *
   * @throws IllegalArgumentException if the tokens are not {@code 2n + 1} or the log-mel is not
   *     {@code [80, T]}
   */
  public Utterance {
    phones = List.copyOf(phones);
    tokens = tokens.clone();
    Checks.requireArgument(
        tokens.length == 2 * phones.size() + 1,
        "Utterance %s: %d phones need %d tokens (blanks interleaved), but there were %d",
        id,
        phones.size(),
        2 * phones.size() + 1,
        tokens.length);
    Checks.requireArgument(
        logMel.shape().rank() == 2 && logMel.dim(0) == 80,
        "Utterance %s: the log-mel must have shape [80, T], but was %s",
        id,
        logMel.shape());
  }

  /** The number of log-mel frames {@code T}. */
  public int frames() {
    return logMel.dim(1);
  }

  @Override
  public int[] tokens() {
    return tokens.clone();
  }
}
