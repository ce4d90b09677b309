package io.flows4j.speech.corpus;

import io.flows4j.speech.audio.Audio;
import io.flows4j.speech.audio.LogMel;
import io.flows4j.speech.audio.Wav;
import io.flows4j.speech.text.PhoneSet;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Reads the kit's corpus folder: {@code metadata.csv} (lines {@code id|text|phonemes}) and {@code
 * wavs/<id>.wav} (22050 Hz, 16-bit mono).
 *
 * <p>The log-mel of an utterance is computed from dequantised samples, {@code (s + u) / 32768} with
 * {@code s} the 16-bit sample and {@code u ~ U[0, 1)} drawn from a seeded stream (the kit's
 * reference model trains on these): a density of continuous frames is then fitted to data that has
 * no atoms at the quantisation levels.
 */
public final class Corpus {
  private Corpus() {}

  /** One line of {@code metadata.csv}. */
  public record Entry(String id, String text, String phonemes) {}

  /**
   * The lines of {@code dir/metadata.csv}.
   *
   * @throws IllegalArgumentException if the file is missing (naming it and how to build the corpus)
   *     or a line is not {@code id|text|phonemes} with a valid id
   */
  public static List<Entry> metadata(Path dir) {
    Path file = dir.resolve("metadata.csv");
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          file + ": no such file; build the corpus with ../shared/speech/make_corpus.sh -o " + dir,
          e);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      String[] f = line.split("\\|", -1);
      if (f.length != 3) {
        throw new IllegalArgumentException(
            file
                + " line "
                + (i + 1)
                + ": must be id|text|phonemes, but has "
                + f.length
                + " fields");
      }
      Split.number(f[0]);
      out.add(new Entry(f[0], f[1], f[2]));
    }
    Checks.requireArgument(!out.isEmpty(), "%s: no utterances", file);
    return out;
  }

  /**
   * Reads the utterances whose id passes {@code ids}, in the file's order, with log-mels of the
   * dequantised audio.
   *
   * @param dir the corpus folder
   * @param ids which ids to read
   * @param noiseSeed seed of the dequantisation noise
   * @throws IllegalArgumentException if a WAV is missing or not 22050 Hz mono, a phone is unknown,
   *     or no id passes the filter
   */
  public static List<Utterance> read(Path dir, Predicate<String> ids, long noiseSeed) {
    Rng rng = new Rng(noiseSeed);
    List<Utterance> out = new ArrayList<>();
    for (Entry e : metadata(dir)) {
      if (!ids.test(e.id())) {
        continue;
      }
      List<String> phones = PhoneSet.parse(e.phonemes());
      Wav wav = Audio.readWav(dir.resolve("wavs").resolve(e.id() + ".wav"));
      Tensor mel = LogMel.compute(new Wav(dequantize(wav.samples(), rng), wav.sampleRate()));
      out.add(new Utterance(e.id(), e.text(), phones, PhoneSet.withBlanks(phones), mel));
    }
    Checks.requireArgument(
        !out.isEmpty(), "%s: no utterance has an id in the range asked for", dir);
    return out;
  }

  /**
   * Dequantises 16-bit samples: {@code (round(x 32768) + u) / 32768}, {@code u ~ U[0, 1)}.
   *
   * @param samples 16-bit samples divided by 32768
   */
  static float[] dequantize(float[] samples, Rng rng) {
    float[] out = new float[samples.length];
    for (int i = 0; i < samples.length; i++) {
      double s = Math.rint(samples[i] * 32768.0);
      out[i] = (float) ((s + rng.nextUniform()) / 32768.0);
    }
    return out;
  }
}
