package io.flows4j.speech.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.autodiff.Parameter;
import io.flows4j.io.FileFormatException;
import io.flows4j.speech.corpus.Corpus;
import io.flows4j.speech.corpus.SyntheticCorpus;
import io.flows4j.speech.corpus.Utterance;
import io.flows4j.speech.model.GlowTts;
import io.flows4j.speech.model.GlowTtsConfig;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.NonFiniteTrainingException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The speech trainer on a tiny synthetic corpus with a tiny model. */
class SpeechTrainerTest {
  /** A model small enough for steps of a few milliseconds (80 mels, as the corpus has). */
  static final GlowTtsConfig TINY =
      new GlowTtsConfig(42, 80, 16, 1, 3, 0.1, 16, 3, 0.1, 2, 1, 8, 3, 1, 0.05);

  /** Training ids of the synthetic corpus; kjv00001 and kjv00100 are test ids. */
  static final List<String> IDS =
      List.of(
          "kjv00001",
          "kjv00100",
          "kjv00101",
          "kjv00102",
          "kjv00103",
          "kjv00104",
          "kjv00105",
          "kjv00106",
          "kjv00107",
          "kjv00108");

  @TempDir static Path corpusDir;

  static List<Utterance> corpus;

  @BeforeAll
  static void writeCorpus() {
    SyntheticCorpus.write(corpusDir, IDS, 3, 6, 11);
    corpus = Corpus.read(corpusDir, id -> true, 0);
  }

  /** Settings of the test runs: batch 3, 2 validation utterances, a short warm-up. */
  static SpeechTrainingConfig settings(int checkpointEvery) {
    return SpeechTrainingConfig.defaults(5)
        .withBatchSize(3)
        .withLearningRate(3e-3, 5)
        .withIntervals(2, 4, checkpointEvery);
  }

  @Test
  @DisplayName("the split drops the test ids kjv00001-kjv00100 and holds out the highest ids")
  void splitNeverTrainsOnTestIds() {
    SpeechTrainer.Data d = SpeechTrainer.split(corpus, 2);
    assertThat(d.train())
        .extracting(Utterance::id)
        .containsExactly("kjv00101", "kjv00102", "kjv00103", "kjv00104", "kjv00105", "kjv00106");
    assertThat(d.validation()).extracting(Utterance::id).containsExactly("kjv00107", "kjv00108");
    assertThatThrownBy(() -> SpeechTrainer.split(corpus.subList(0, 3), 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "speech train: the corpus has 1 training utterances (ids outside kjv00001-kjv00100);"
                + " at least 2 are needed to hold out 1 for validation");
  }

  @Test
  @DisplayName("a data set holding a test id is refused before any step")
  void refusesTestIds(@TempDir Path out) {
    SpeechTrainer t = SpeechTrainer.start(new GlowTts(TINY, 1), settings(100));
    SpeechTrainer.Data bad = new SpeechTrainer.Data(corpus.subList(0, 4), List.of());
    assertThatThrownBy(
            () -> t.train(bad, out.resolve("m.flows4j"), new SpeechTrainer.Budget(2, null), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("speech train: kjv00001 is a test utterance; it must not be trained on");
    assertThat(t.step()).isZero();
  }

  @Test
  @DisplayName(
      "60 steps on 6 utterances: training and validation loss fall by > 1 nat/dim (seed 5)")
  void lossFalls(@TempDir Path out) throws IOException {
    SpeechTrainer.Data d = SpeechTrainer.split(corpus, 2);
    GlowTts model = new GlowTts(TINY, 1);
    SpeechTrainingConfig cfg = settings(1000);
    SpeechTrainer.Evaluation before = SpeechTrainer.evaluate(model, d.validation(), 3);
    List<Double> losses = new ArrayList<>();
    SpeechTrainer.Result r =
        SpeechTrainer.start(model, cfg)
            .train(
                d,
                out.resolve("m.flows4j"),
                new SpeechTrainer.Budget(60, null),
                new SpeechTrainer.Listener() {
                  @Override
                  public void onStep(SpeechTrainer.Progress p) {
                    losses.add(p.loss());
                  }
                });
    assertThat(r.step()).isEqualTo(60);
    assertThat(r.reason()).isEqualTo(SpeechTrainer.StopReason.STEPS);
    double first = (losses.get(0) + losses.get(1)) / 2;
    double last = (losses.get(58) + losses.get(59)) / 2;
    // Measured: total loss 3.09 -> 1.30 (mean of the first and last two steps); validation NLL
    // 15.6 (before ActNorm's data-dependent initialisation) -> 1.00.
    assertThat(last).isLessThan(first - LOSS_FALL);
    assertThat(r.validation().nll()).isLessThan(before.nll() - LOSS_FALL);
    // The model file and the checkpoint exist and load.
    assertThat(GlowTts.load(out.resolve("m.flows4j")).config()).isEqualTo(TINY);
    assertThat(Checkpoint.read(out.resolve("m.flows4j.ckpt")).step()).isEqualTo(60);
  }

  /** The fall of the loss the 60-step run must show (nats per dimension). */
  static final double LOSS_FALL = 1.0;

  @Test
  @DisplayName("8 steps equal 4 steps, a resume from the checkpoint and 4 more, bit for bit")
  void resumeIsExact(@TempDir Path out) throws IOException {
    SpeechTrainer.Data d = SpeechTrainer.split(corpus, 2);
    SpeechTrainer whole = SpeechTrainer.start(new GlowTts(TINY, 1), settings(4));
    whole.train(d, out.resolve("whole.flows4j"), new SpeechTrainer.Budget(8, null), null);

    SpeechTrainer first = SpeechTrainer.start(new GlowTts(TINY, 1), settings(4));
    first.train(d, out.resolve("half.flows4j"), new SpeechTrainer.Budget(4, null), null);
    Checkpoint c = Checkpoint.read(out.resolve("half.flows4j.ckpt"));
    assertThat(c.step()).isEqualTo(4);
    SpeechTrainer resumed = SpeechTrainer.resume(c);
    resumed.train(d, out.resolve("half.flows4j"), new SpeechTrainer.Budget(8, null), null);

    assertThat(resumed.step()).isEqualTo(8);
    Map<String, Tensor> a = whole.model().stateDict();
    Map<String, Tensor> b = resumed.model().stateDict();
    assertThat(b.keySet()).isEqualTo(a.keySet());
    for (String k : a.keySet()) {
      assertThat(b.get(k).toArray()).as(k).containsExactly(a.get(k).toArray());
    }
    Map<String, Tensor> sa = whole.checkpoint().optimizer();
    Map<String, Tensor> sb = resumed.checkpoint().optimizer();
    for (String k : sa.keySet()) {
      assertThat(sb.get(k).toArray()).as(k).containsExactly(sa.get(k).toArray());
    }
  }

  @Test
  @DisplayName("a checkpoint write that fails half-way leaves the previous checkpoint whole")
  void checkpointIsAtomic(@TempDir Path out) throws IOException {
    SpeechTrainer.Data d = SpeechTrainer.split(corpus, 2);
    SpeechTrainer t = SpeechTrainer.start(new GlowTts(TINY, 1), settings(2));
    Path model = out.resolve("m.flows4j");
    t.train(d, model, new SpeechTrainer.Budget(2, null), null);
    Path ckpt = Checkpoint.pathFor(model);
    byte[] before = Files.readAllBytes(ckpt);
    t.train(d, model, new SpeechTrainer.Budget(3, null), null);
    Checkpoint later = t.checkpoint();
    // Restore the step-2 file, then fail while writing the step-3 one over it.
    Files.write(ckpt, before);
    assertThatThrownBy(() -> later.write(ckpt, FailingStream::new))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("m.flows4j.ckpt: cannot write");
    assertThat(Files.readAllBytes(ckpt)).isEqualTo(before);
    assertThat(Checkpoint.read(ckpt).step()).isEqualTo(2);
    try (Stream<Path> files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("m.flows4j", "m.flows4j.ckpt");
    }
  }

  /** A stream that fails after {@value #LIMIT} bytes, as a full disk would. */
  static final class FailingStream extends FilterOutputStream {
    static final int LIMIT = 1000;
    private int written;

    FailingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      if (++written > LIMIT) {
        throw new IOException("No space left on device");
      }
      out.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      for (int i = 0; i < len; i++) {
        write(b[off + i]);
      }
    }
  }

  @Test
  @DisplayName("a NaN loss stops with one line naming the step and the checkpoint kept")
  void nonFiniteLoss(@TempDir Path out) throws IOException {
    SpeechTrainer.Data d = SpeechTrainer.split(corpus, 2);
    GlowTts model = new GlowTts(TINY, 1);
    SpeechTrainer t = SpeechTrainer.start(model, settings(2));
    Path file = out.resolve("m.flows4j");
    Parameter victim = model.namedParameters().values().iterator().next();
    SpeechTrainer.Listener poison =
        new SpeechTrainer.Listener() {
          @Override
          public void onCheckpoint(long step, Path checkpoint) {
            victim.value().setFlat(0, Float.NaN);
          }
        };
    assertThatThrownBy(() -> t.train(d, file, new SpeechTrainer.Budget(10, null), poison))
        .isInstanceOf(NonFiniteTrainingException.class)
        .hasMessageStartingWith("speech train: step 3: loss is NaN;")
        .hasMessageEndingWith(
            "the last good checkpoint (step 2) is kept in "
                + Checkpoint.pathFor(file)
                + " (try a lower learning rate)")
        .hasMessageNotContaining("\n");
    Checkpoint kept = Checkpoint.read(Checkpoint.pathFor(file));
    assertThat(kept.step()).isEqualTo(2);
    for (Tensor v : kept.model().stateDict().values()) {
      for (float x : v.toArray()) {
        assertThat(x).isFinite();
      }
    }
  }

  @Test
  @DisplayName("a time budget ends the run after the step that spends it, and is checkpointed")
  void timeBudget(@TempDir Path out) throws IOException {
    SpeechTrainer.Data d = SpeechTrainer.split(corpus, 2);
    SpeechTrainer t = SpeechTrainer.start(new GlowTts(TINY, 1), settings(100));
    SpeechTrainer.Result r =
        t.train(
            d, out.resolve("m.flows4j"), new SpeechTrainer.Budget(0, Duration.ofNanos(1)), null);
    assertThat(r.reason()).isEqualTo(SpeechTrainer.StopReason.TIME);
    assertThat(r.step()).isEqualTo(1);
    assertThat(r.validation()).isNotNull();
    assertThat(Checkpoint.read(out.resolve("m.flows4j.ckpt")).step()).isEqualTo(1);
  }

  @Test
  @DisplayName("a model file is not a checkpoint; settings survive the JSON round trip")
  void checkpointFormat(@TempDir Path out) throws IOException {
    GlowTts m = new GlowTts(TINY, 1);
    Path file = out.resolve("m.flows4j");
    m.save(file);
    assertThatThrownBy(() -> Checkpoint.read(file))
        .isInstanceOf(FileFormatException.class)
        .hasMessage(
            file + ": not a speech training checkpoint (no flows4j.speech.training metadata)");
    SpeechTrainingConfig c = settings(7);
    assertThat(SpeechTrainingConfig.fromJson(c.toJson())).isEqualTo(c);
    assertThatThrownBy(() -> new SpeechTrainer.Budget(0, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Budget: give a number of steps or a time budget");
    assertThatThrownBy(() -> new SpeechTrainer.Budget(0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Budget: time must be positive, but was PT0S");
  }
}
