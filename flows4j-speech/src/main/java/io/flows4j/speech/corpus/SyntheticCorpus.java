package io.flows4j.speech.corpus;

import io.flows4j.data.AtomicFiles;
import io.flows4j.speech.audio.Audio;
import io.flows4j.speech.text.PhoneSet;
import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a small corpus folder in the kit's layout ({@code metadata.csv}, {@code wavs/<id>.wav},
 * {@code align/<id>.lab}) made of synthetic tones, for tests and smoke runs on machines without
 * festival: each phone is a pair of sinusoids at frequencies of its own (silence for {@code pau})
 * held for a random whole number of frames, so the {@code .lab} files are the exact alignment.
 */
public final class SyntheticCorpus {
  private SyntheticCorpus() {}

  /**
   * Writes one utterance per id into {@code dir} (created if needed).
   *
   * @param dir the corpus folder
   * @param ids the ids, {@code kjv} and five digits
   * @param minPhones fewest phones between the two pauses, at least 1
   * @param maxPhones most phones between the two pauses
   * @param seed seed of the phones, durations and noise
   * @throws IllegalArgumentException if an id is malformed or the phone counts are out of range
   * @throws UncheckedIOException if a file cannot be written
   */
  public static void write(Path dir, List<String> ids, int minPhones, int maxPhones, long seed) {
    Checks.requireArgument(
        minPhones >= 1 && maxPhones >= minPhones,
        "SyntheticCorpus: phone counts must satisfy 1 <= min <= max, but were %d and %d",
        minPhones,
        maxPhones);
    Rng rng = new Rng(seed);
    StringBuilder metadata = new StringBuilder();
    try {
      Files.createDirectories(dir.resolve("wavs"));
      Files.createDirectories(dir.resolve("align"));
    } catch (IOException e) {
      throw new UncheckedIOException(dir + ": cannot create the corpus folders", e);
    }
    List<String> voiced = PhoneSet.PHONES.subList(0, PhoneSet.PHONES.size() - 1);
    for (String id : ids) {
      Split.number(id);
      int n = minPhones + rng.nextInt(maxPhones - minPhones + 1);
      List<String> phones = new ArrayList<>();
      phones.add(PhoneSet.PAUSE);
      for (int i = 0; i < n; i++) {
        phones.add(voiced.get(rng.nextInt(voiced.size())));
      }
      phones.add(PhoneSet.PAUSE);
      int[] frames = new int[phones.size()];
      int total = 0;
      for (int i = 0; i < frames.length; i++) {
        frames[i] = 4 + rng.nextInt(6);
        total += frames[i];
      }
      float[] samples = new float[total * Boundaries.HOP];
      List<LabFile.Segment> segments = new ArrayList<>();
      int at = 0;
      for (int i = 0; i < frames.length; i++) {
        int len = frames[i] * Boundaries.HOP;
        int p = PhoneSet.id(phones.get(i));
        boolean pause = phones.get(i).equals(PhoneSet.PAUSE);
        double f1 = 150 + 40.0 * p;
        double f2 = 900 + 110.0 * (p % 17);
        for (int k = 0; k < len; k++) {
          double t = (double) (at + k) / Boundaries.SAMPLE_RATE;
          double v =
              pause
                  ? 0
                  : 0.25 * Math.sin(2 * Math.PI * f1 * t) + 0.15 * Math.sin(2 * Math.PI * f2 * t);
          samples[at + k] = (float) (v + 0.002 * rng.nextGaussian());
        }
        segments.add(
            new LabFile.Segment(
                (double) at / Boundaries.SAMPLE_RATE,
                (double) (at + len) / Boundaries.SAMPLE_RATE,
                phones.get(i)));
        at += len;
      }
      Audio.writeWav(dir.resolve("wavs").resolve(id + ".wav"), samples, Boundaries.SAMPLE_RATE);
      LabFile.write(dir.resolve("align").resolve(id + ".lab"), segments);
      metadata
          .append(id)
          .append("|Synthetic sentence ")
          .append(Split.number(id))
          .append(".|")
          .append(String.join(" ", phones))
          .append('\n');
    }
    byte[] bytes = metadata.toString().getBytes(StandardCharsets.UTF_8);
    AtomicFiles.write(dir.resolve("metadata.csv"), out -> out.write(bytes));
  }
}
