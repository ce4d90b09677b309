package io.flows4j.cli;

import io.flows4j.speech.audio.Vocoder;
import io.flows4j.speech.corpus.Corpus;
import io.flows4j.speech.corpus.LengthBuckets;
import io.flows4j.speech.corpus.Utterance;
import io.flows4j.speech.model.GlowTts;
import io.flows4j.speech.model.MonotonicAlignment;
import io.flows4j.speech.model.ShippedModel;
import io.flows4j.speech.model.SpeechBatch;
import io.flows4j.speech.train.SpeechTrainer;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Model loading, corpus reading, alignment and vocoding shared by the speech commands. */
final class SpeechIo {
  /** Utterances per batch when aligning or scoring (no gradients: memory is the only limit). */
  static final int SCORE_BATCH = 16;

  /** The command that trains a model, for messages. */
  static final String TRAIN_HINT =
      "./flows4j speech train --corpus speech-corpus --out model.flows4j";

  private SpeechIo() {}

  /**
   * The model of {@code --model}, or the shipped model when it is {@code null}.
   *
   * @throws IllegalArgumentException if no model is given and this build ships none (naming how to
   *     train one)
   * @throws UncheckedIOException {@code <file>: no such file}, or why it is not a speech model
   */
  static GlowTts loadModel(Path file) {
    if (file == null) {
      return ShippedModel.load()
          .orElseThrow(
              () ->
                  new IllegalArgumentException(
                      "no shipped speech model in this build ("
                          + ShippedModel.SOURCE_PATH
                          + " is missing); train one with '"
                          + TRAIN_HINT
                          + "' and pass --model model.flows4j"));
    }
    try {
      return GlowTts.load(file);
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException(file + ": no such file", e);
    } catch (IOException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      String text = reason.replace("GlowTts.load: ", "");
      throw new UncheckedIOException(
          text.startsWith(file.toString()) ? text : file + ": not a speech model (" + text + ")",
          e);
    } catch (IllegalArgumentException e) {
      // Tensors that do not fit the configuration: a damaged or foreign file.
      throw new UncheckedIOException(
          file + ": not a valid speech model (" + e.getMessage() + ")", new IOException(e));
    }
  }

  /**
   * Reads the corpus's utterances whose id passes {@code ids}.
   *
   * @throws IllegalArgumentException if the folder or its metadata is missing, or a line is bad
   */
  static List<Utterance> readCorpus(Path dir, Predicate<String> ids, long noiseSeed) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException(
          "--corpus "
              + dir
              + ": no such folder; build the corpus with ../shared/speech/make_corpus.sh -o "
              + dir);
    }
    return Corpus.read(dir, ids, noiseSeed);
  }

  /** The frames MAS gives each token of each utterance, by id (no gradients, batched). */
  static Map<String, int[]> durations(GlowTts model, List<Utterance> utterances) {
    int[] lengths = new int[utterances.size()];
    for (int i = 0; i < lengths.length; i++) {
      lengths[i] = utterances.get(i).frames();
    }
    Map<String, int[]> out = new HashMap<>();
    for (int[] idx : new LengthBuckets(lengths, SCORE_BATCH).epoch(new Rng(0))) {
      SpeechBatch b = SpeechTrainer.batchOf(utterances, idx);
      int[][] a = model.align(b);
      for (int k = 0; k < idx.length; k++) {
        Utterance u = utterances.get(idx[k]);
        out.put(u.id(), MonotonicAlignment.durations(a[k], u.tokens().length));
      }
    }
    return out;
  }

  /** Timings of one synthesis, seconds. */
  record Timing(double flow, double vocoder) {}

  /** Samples and timings of one synthesis. */
  @SuppressWarnings("ArrayRecordComponent") // handed to the WAV writer, not shared
  record Speech(float[] samples, int frames, Timing timing) {}

  /** Synthesizes tokens to samples: the model's log-mel, then NNLS and fast Griffin-Lim. */
  static Speech speak(
      GlowTts model,
      int[] tokens,
      double noiseScale,
      double lengthScale,
      int iterations,
      long seed) {
    long t0 = System.nanoTime();
    Tensor mel = model.synthesize(tokens, noiseScale, lengthScale, seed);
    long t1 = System.nanoTime();
    float[] samples = Vocoder.griffinLim(mel, iterations, 0.99, new Rng(seed));
    long t2 = System.nanoTime();
    return new Speech(samples, mel.dim(1), new Timing((t1 - t0) / 1e9, (t2 - t1) / 1e9));
  }

  private static final Pattern TIME_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)([hms])");

  /**
   * Parses a duration such as {@code 60m}, {@code 90s}, {@code 1h30m} or {@code 2.5h} into seconds;
   * a bare number is minutes.
   *
   * @throws IllegalArgumentException if the text is malformed or not positive
   */
  static double parseSeconds(String option, String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.matches("\\d+(\\.\\d+)?")) {
      t = t + "m";
    }
    Matcher m = TIME_PART.matcher(t);
    double seconds = 0;
    int at = 0;
    while (m.find() && m.start() == at) {
      double v = Double.parseDouble(m.group(1));
      seconds += v * (m.group(2).equals("h") ? 3600 : m.group(2).equals("m") ? 60 : 1);
      at = m.end();
    }
    if (t.isEmpty() || at != t.length()) {
      throw new IllegalArgumentException(
          option + " must be a duration such as 60m, 90s or 1h30m, but was '" + text + "'");
    }
    if (!(seconds > 0)) {
      throw new IllegalArgumentException(option + " must be positive, but was '" + text + "'");
    }
    return seconds;
  }
}
