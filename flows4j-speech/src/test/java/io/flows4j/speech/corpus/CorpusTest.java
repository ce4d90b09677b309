package io.flows4j.speech.corpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.speech.audio.Audio;
import io.flows4j.speech.audio.LogMel;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusTest {
  /** One quantisation step of 16-bit audio, in the units of the samples. */
  private static final double STEP = 1.0 / 32768;

  @TempDir Path dir;

  /** A two-utterance corpus: a test id and a training id, with tones of different lengths. */
  private void corpus() throws IOException {
    Files.createDirectories(dir.resolve("wavs"));
    Files.writeString(
        dir.resolve("metadata.csv"),
        "kjv00007|He sat down.|pau hh iy s ae t d aw n pau\n"
            + "kjv00123|We shall reign.|pau w iy sh ae l r ey n pau\n",
        StandardCharsets.UTF_8);
    tone("kjv00007", 5000);
    tone("kjv00123", 9000);
  }

  private void tone(String id, int n) {
    float[] s = new float[n];
    for (int i = 0; i < n; i++) {
      s[i] = (float) (Math.rint(8000 * Math.sin(2 * Math.PI * 440 * i / 22050.0)) / 32768);
    }
    Audio.writeWav(dir.resolve("wavs").resolve(id + ".wav"), s, 22050);
  }

  @Test
  @DisplayName("reads phones, tokens with blanks and the log-mel; the split keeps test ids out")
  void readsTheTrainingSplit() throws IOException {
    corpus();
    List<Utterance> train = Corpus.read(dir, id -> !Split.isTest(id), 1);
    assertThat(train).extracting(Utterance::id).containsExactly("kjv00123");
    Utterance u = train.get(0);
    assertThat(u.phones()).hasSize(10).startsWith("pau", "w").endsWith("pau");
    assertThat(u.tokens()).hasSize(21);
    assertThat(u.tokens()[0]).isZero();
    assertThat(u.frames()).isEqualTo(1 + 9000 / 256);
    List<Utterance> test = Corpus.read(dir, Split.range("kjv00001-kjv00100"), 1);
    assertThat(test).extracting(Utterance::id).containsExactly("kjv00007");
  }

  @Test
  @DisplayName("dequantisation adds less than one 16-bit step and differs between seeds (seed 3)")
  void dequantisation() {
    float[] x = {0, 1000 * (float) STEP, -2 * (float) STEP};
    float[] a = Corpus.dequantize(x, new Rng(3));
    float[] b = Corpus.dequantize(x, new Rng(4));
    for (int i = 0; i < x.length; i++) {
      assertThat((double) a[i] - x[i]).isBetween(0.0, STEP);
    }
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  @DisplayName("the log-mel of the dequantised audio stays close to the clean one")
  void logMelNearTheClean() throws IOException {
    corpus();
    Tensor clean = LogMel.compute(Audio.readWav(dir.resolve("wavs/kjv00123.wav")).samples());
    Tensor noisy = Corpus.read(dir, id -> id.equals("kjv00123"), 9).get(0).logMel();
    // In the band that carries the tone (magnitude ~ 0.24 * 1024 / 4 = 62), the noise of one
    // quantisation step (|X_noise| ~ sqrt(1024 * 0.375 / 12) / 32768 = 1.7e-4) moves the log by
    // ~ 3e-6; the bound leaves 30x for the bands around it.
    int bin = 0;
    for (int m = 0; m < clean.dim(0); m++) {
      if (clean.get(m, clean.dim(1) / 2) > clean.get(bin, clean.dim(1) / 2)) {
        bin = m;
      }
    }
    for (int t = 2; t < clean.dim(1) - 2; t++) {
      assertThat((double) noisy.get(bin, t)).isCloseTo(clean.get(bin, t), within(1e-4));
    }
  }

  @Test
  @DisplayName("a missing corpus, a bad line and an unknown phone are one-line errors")
  void errors() throws IOException {
    assertThatThrownBy(() -> Corpus.metadata(dir))
        .hasMessageContaining("metadata.csv: no such file; build the corpus with");
    Files.writeString(dir.resolve("metadata.csv"), "kjv00001|only two\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Corpus.metadata(dir))
        .hasMessageEndingWith("metadata.csv line 1: must be id|text|phonemes, but has 2 fields");
    Files.writeString(dir.resolve("metadata.csv"), "abc|text|pau aa pau\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> Corpus.metadata(dir))
        .hasMessage("corpus id must be kjv and five digits (e.g. kjv00101), but was 'abc'");
  }

  @Test
  @DisplayName("id ranges and the test split")
  void split() {
    assertThat(Split.isTest("kjv00001")).isTrue();
    assertThat(Split.isTest("kjv00100")).isTrue();
    assertThat(Split.isTest("kjv00101")).isFalse();
    assertThat(Split.range("kjv00005-kjv00010").test("kjv00010")).isTrue();
    assertThat(Split.range("kjv00005-kjv00010").test("kjv00011")).isFalse();
    assertThatThrownBy(() -> Split.range("kjv00010-kjv00005"))
        .hasMessageContaining("must not be empty");
    assertThatThrownBy(() -> Split.range("kjv00010"))
        .hasMessageContaining("an id range must be A-B");
  }
}
