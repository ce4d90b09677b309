package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flows4j.data.CsvWriter;
import io.flows4j.speech.audio.Audio;
import io.flows4j.speech.audio.Wav;
import io.flows4j.speech.corpus.LabFile;
import io.flows4j.speech.corpus.SyntheticCorpus;
import io.flows4j.speech.model.GlowTts;
import io.flows4j.speech.model.GlowTtsConfig;
import io.flows4j.speech.model.ShippedModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The speech commands end to end on a synthetic corpus (tones in the kit's layout) and a model
 * trained on it for a few steps by {@code speech train} itself; and every user error.
 */
class SpeechCommandsTest {
  @TempDir static Path dir;

  static Path corpus;
  static Path model;
  static String trainOut;
  static String trainErr;

  /** The corpus: two test ids and six training ids. */
  static final List<String> IDS =
      List.of(
          "kjv00001",
          "kjv00002",
          "kjv00101",
          "kjv00102",
          "kjv00103",
          "kjv00104",
          "kjv00105",
          "kjv00106");

  @BeforeAll
  static void trainATinyModel() throws IOException {
    corpus = dir.resolve("corpus");
    SyntheticCorpus.write(corpus, IDS, 3, 5, 3);
    model = dir.resolve("m.flows4j");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            CommandsTest.args(
                "speech train --corpus",
                corpus,
                "--out",
                model,
                "--steps 4 --batch 3 --validation 1 --checkpoint-every 2 --threads 1"),
            new PrintWriter(out),
            new PrintWriter(err));
    trainOut = out.toString();
    trainErr = err.toString();
    assertThat(status).as(trainErr).isZero();
    // Other files for the error cases.
    CsvWriter.write(dir.resolve("points.csv"), io.flows4j.cli.ToyData.MOONS.generate(100, 1));
    Main.run(
        CommandsTest.args(
            "fit --data",
            dir.resolve("points.csv"),
            "--layers 1 --hidden 4 --steps 2 --out",
            dir.resolve("density.flows4j")),
        new PrintWriter(new StringWriter()),
        new PrintWriter(new StringWriter()));
    byte[] bytes = Files.readAllBytes(model);
    Files.write(dir.resolve("truncated.flows4j"), Arrays.copyOf(bytes, bytes.length / 2));
    Files.writeString(
        dir.resolve("lines.txt"), "a|He sat down.\nb|x|pau s iy pau\n", StandardCharsets.UTF_8);
    Files.writeString(
        dir.resolve("badline.txt"), "a|He sat down.\nnopipe\n", StandardCharsets.UTF_8);
    Files.writeString(
        dir.resolve("badword.txt"), "a|He sat down.\nb|xyzzyq went home\n", StandardCharsets.UTF_8);
    Path bad = dir.resolve("badcorpus");
    Files.createDirectories(bad);
    Files.writeString(bad.resolve("metadata.csv"), "kjv00101|text only\n", StandardCharsets.UTF_8);
    Path nowav = dir.resolve("nowav");
    Files.createDirectories(nowav);
    Files.writeString(
        nowav.resolve("metadata.csv"), "kjv00101|Hi.|pau hh ay pau\n", StandardCharsets.UTF_8);
  }

  private record Run(int status, String out, String err) {}

  /** An argument passed as it is (a text with spaces). */
  private record Whole(String text) {}

  private static Run run(Object... parts) {
    List<String> args = new java.util.ArrayList<>();
    for (Object p : parts) {
      if (p instanceof Whole w) {
        args.add(w.text());
      } else {
        args.addAll(Arrays.asList(CommandsTest.args(p)));
      }
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status = Main.run(args.toArray(String[]::new), new PrintWriter(out), new PrintWriter(err));
    return new Run(status, out.toString(), err.toString());
  }

  @Test
  @DisplayName("speech train writes the model and its checkpoint, with progress on stderr")
  void trainWritesModelAndCheckpoint() {
    assertThat(model).exists();
    assertThat(dir.resolve("m.flows4j.ckpt")).exists();
    assertThat(trainOut).startsWith("trained 4 steps (4 in this run,").contains("validation NLL");
    assertThat(trainErr)
        .contains("speech train: tiny preset, conv encoder, ")
        .contains("5 training and 1 validation utterances")
        .contains("speech train: step 1/4 (epoch 1), loss ")
        .contains("steps/s")
        .contains("ETA")
        .contains("speech train: step 2: checkpoint " + dir.resolve("m.flows4j.ckpt") + " written")
        .contains("speech train: step 4: validation NLL")
        .containsPattern("speech train: step 1/4 \\(epoch 1\\), loss .*, cpu \\d+ s\\R")
        .containsPattern("speech train: step 4: validation NLL .*, cpu \\d+ s\\R");
  }

  @Test
  @DisplayName("speech train --encoder attention trains the attention encoder; --resume keeps it")
  void attentionEncoder(@TempDir Path out) throws IOException {
    Path m = out.resolve("a.flows4j");
    Run r =
        run(
            "speech train --corpus",
            corpus,
            "--out",
            m,
            "--encoder attention --steps 2 --batch 3 --validation 1 --threads 1");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.err()).contains("speech train: tiny preset, attention encoder, ");
    assertThat(GlowTts.load(m).config())
        .isEqualTo(GlowTtsConfig.tiny(GlowTtsConfig.EncoderKind.ATTENTION));
    Run resumed =
        run("speech train --corpus", corpus, "--out", m, "--resume --encoder attention --steps 3");
    assertThat(resumed.status()).as(resumed.err()).isZero();
    assertThat(resumed.err()).contains("resuming at step 2, attention encoder, ");
  }

  @Test
  @DisplayName("speech train --resume continues from the checkpoint to the new step count")
  void resumeContinues(@TempDir Path out) throws IOException {
    Path m = out.resolve("r.flows4j");
    Files.copy(model, m);
    Files.copy(dir.resolve("m.flows4j.ckpt"), out.resolve("r.flows4j.ckpt"));
    Run r = run("speech train --corpus", corpus, "--out", m, "--resume --steps 5 --threads 1");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("trained 5 steps (1 in this run,");
    assertThat(r.err()).contains("resuming at step 4");
  }

  @Test
  @DisplayName("speak writes a 22050 Hz WAV whose length is the model's frames")
  void speakWritesAWav() {
    Path wav = dir.resolve("well.wav");
    Run r =
        run(
            "speak",
            new Whole("He sat down by a well."),
            "-o",
            wav,
            "--model",
            model,
            "--iterations 4");
    assertThat(r.status()).as(r.err()).isZero();
    Wav w = Audio.readWav(wav);
    assertThat(w.sampleRate()).isEqualTo(22050);
    Matcher m = Pattern.compile("(\\d+) frames").matcher(r.out());
    assertThat(m.find()).isTrue();
    int frames = Integer.parseInt(m.group(1));
    assertThat(w.samples()).hasSize((frames - 1) * 256);
    // 16 phones and 17 blanks: at least one frame each.
    assertThat(frames).isBetween(33, 2000);
    assertThat(r.out()).startsWith(wav + ": ").contains("real-time factor");
  }

  @Test
  @DisplayName("speak --phonemes and the batch mode write their WAVs")
  void speakPhonemesAndBatch() {
    Path wav = dir.resolve("p.wav");
    Run r =
        run(
            "speak --phonemes",
            new Whole("pau hh iy pau"),
            "-o",
            wav,
            "--model",
            model,
            "--iterations 2");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(Audio.readWav(wav).samples().length).isPositive();
    Path outDir = dir.resolve("batch");
    Run b =
        run(
            "speak --input",
            dir.resolve("lines.txt"),
            "--out-dir",
            outDir,
            "--model",
            model,
            "--iterations 2");
    assertThat(b.status()).as(b.err()).isZero();
    assertThat(outDir.resolve("a.wav")).exists();
    assertThat(outDir.resolve("b.wav")).exists();
    assertThat(b.out().lines()).hasSize(2);
  }

  @Test
  @DisplayName("speech align writes .lab files with the corpus's phones and scores them")
  void alignWritesLabFiles() {
    Path outDir = dir.resolve("labs");
    Run r =
        run(
            "speech align --model",
            model,
            "--corpus",
            corpus,
            "--ids kjv00101-kjv00103 --out-dir",
            outDir);
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out())
        .startsWith("aligned 3 utterances into " + outDir)
        .contains("boundaries within 2 frames of align/*.lab: ");
    for (String id : List.of("kjv00101", "kjv00102", "kjv00103")) {
      List<LabFile.Segment> got = LabFile.read(outDir.resolve(id + ".lab"));
      List<LabFile.Segment> ref = LabFile.read(corpus.resolve("align").resolve(id + ".lab"));
      assertThat(got)
          .extracting(LabFile.Segment::phone)
          .containsExactlyElementsOf(ref.stream().map(LabFile.Segment::phone).toList());
      assertThat(got.get(0).start()).isZero();
    }
  }

  @Test
  @DisplayName("speech eval prints NLL, boundaries and a JSON line; WER skipped with --no-wer")
  void evalPrintsItsFigures() {
    Run r = run("speech eval --model", model, "--corpus", corpus, "--no-wer");
    assertThat(r.status()).as(r.err()).isZero();
    List<String> lines = r.out().lines().toList();
    assertThat(lines.get(0))
        .matches("NLL -?[0-9.]+ nats/dim, duration loss [0-9.]+ \\(2 utterances, \\d+ frames\\)");
    assertThat(lines.get(1)).startsWith("boundaries within 2 frames of align/*.lab: ");
    assertThat(lines.get(2)).isEqualTo("WER: skipped (--no-wer)");
    assertThat(lines.get(3)).startsWith("{\"nll\": ").endsWith("\"wer_percent\": null}");
  }

  @Test
  @DisplayName("speech eval measures the WER with the kit's wer.sh when pocketsphinx is installed")
  void evalMeasuresWer() {
    Run r = run("speech eval --model", model, "--corpus", corpus, "--ids kjv00001-kjv00002");
    assertThat(r.status()).as(r.err()).isZero();
    String wer = r.out().lines().toList().get(2);
    if (wer.startsWith("WER: skipped")) {
      assertThat(wer).containsAnyOf("pocketsphinx is not installed", "wer.sh not found");
    } else {
      assertThat(wer).matches("WER [0-9.]+%.*utterances 2");
    }
  }

  @Test
  @DisplayName("speak without --model and without a shipped model says how to train one")
  void noShippedModel() {
    assumeFalse(ShippedModel.present(), "this build ships a model");
    Run r = run("speak", new Whole("He sat down."), "-o", dir.resolve("none.wav"));
    assertThat(r.status()).isEqualTo(2);
    assertThat(r.err())
        .isEqualTo(
            "error: no shipped speech model in this build ("
                + ShippedModel.SOURCE_PATH
                + " is missing); train one with './flows4j speech train --corpus speech-corpus"
                + " --out model.flows4j' and pass --model model.flows4j"
                + System.lineSeparator());
    assertThat(dir.resolve("none.wav")).doesNotExist();
  }

  @Test
  @DisplayName("speak without --model uses the shipped model: a WAV of plausible length")
  void shippedModelSpeaks() {
    assumeTrue(ShippedModel.present(), "this build ships no model");
    Path wav = dir.resolve("shipped.wav");
    Run r = run("speak", new Whole("He sat down by a well."), "-o", wav, "--seed", "1");
    assertThat(r.status()).as(r.err()).isZero();
    Wav w = Audio.readWav(wav);
    assertThat(w.sampleRate()).isEqualTo(22050);
    // Six words: the corpus's utterances of that length last about 1.5 to 2.5 s; a model that
    // predicts no sensible durations gives a fraction of that or several times it.
    assertThat(w.seconds()).isBetween(0.8, 4.0);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "speak xyzzyq -o OUT --model MODEL | 2 | text: unknown word 'xyzzyq' (not in the lexicon);"
            + " give its phones with --phonemes or a --lexicon FILE that lists it",
        "speak --phonemes pau_qq -o OUT --model MODEL | 2 | phonemes: unknown phone 'qq'; valid"
            + " phones: aa ae ah ao aw ax ay b ch d dh eh er ey f g hh ih iy jh k l m n ng ow oy p"
            + " r s sh t th uh uw v w y z zh pau",
        "speak hello -o OUT --model DIR/missing.flows4j | 1 | DIR/missing.flows4j: no such file",
        "speak hello -o OUT --model DIR/truncated.flows4j | 1 | DIR/truncated.flows4j: ",
        "speak hello -o OUT --model DIR/density.flows4j | 1 | DIR/density.flows4j is not a"
            + " Glow-TTS model (no flows4j.speech.glow_tts metadata)",
        "speak hello -o DIR/nodir/x.wav --model MODEL | 2 | -o DIR/nodir/x.wav: the folder"
            + " DIR/nodir does not exist",
        "speak hello -o OUT --noise-scale -1 --model MODEL | 2 | --noise-scale must be >= 0 and"
            + " finite, but was -1.0",
        "speak hello -o OUT --length-scale 0 --model MODEL | 2 | --length-scale must be > 0 and"
            + " finite, but was 0.0",
        "speak -o OUT --model MODEL | 2 | give exactly one of TEXT, --phonemes or --input (batch"
            + " mode)",
        "speak ... -o OUT --model MODEL | 2 | text: the input is empty (no words to speak)",
        "speak --input DIR/badline.txt --out-dir DIR/b2 --model MODEL | 2 | DIR/badline.txt line"
            + " 2: must be id|text or id|text|phonemes, but was 'nopipe'",
        "speak --input DIR/badword.txt --out-dir DIR/b3 --model MODEL | 2 | DIR/badword.txt line"
            + " 2: text: unknown word 'xyzzyq' (not in the lexicon); give its phones with"
            + " --phonemes or a --lexicon FILE that lists it",
        "speech train --corpus DIR/nocorpus --out DIR/t.flows4j --steps 1 | 2 | --corpus"
            + " DIR/nocorpus: no such folder; build the corpus with ../shared/speech/make_corpus.sh"
            + " -o DIR/nocorpus",
        "speech train --corpus DIR/badcorpus --out DIR/t.flows4j --steps 1 | 2 |"
            + " DIR/badcorpus/metadata.csv line 1: must be id|text|phonemes, but has 2 fields",
        "speech train --corpus DIR/nowav --out DIR/t.flows4j --steps 1 | 1 |"
            + " DIR/nowav/wavs/kjv00101.wav: ",
        "speech train --corpus CORPUS --out DIR/t.flows4j --time 0 | 2 | --time must be"
            + " positive, but was '0'",
        "speech train --corpus CORPUS --out DIR/t.flows4j --time 5x | 2 | --time must be a"
            + " duration such as 60m, 90s or 1h30m, but was '5x'",
        "speech train --corpus CORPUS --out DIR/t.flows4j --resume --steps 2 | 2 | --resume:"
            + " there is no checkpoint DIR/t.flows4j.ckpt; start without --resume",
        "speech train --corpus CORPUS --out MODEL --steps 2 | 2 | MODEL.ckpt exists: continue it"
            + " with --resume, or delete it to start afresh",
        "speech train --corpus CORPUS --out DIR/t.flows4j --encoder lstm --steps 1 | 2 |"
            + " --encoder must be conv or attention, but was 'lstm'",
        "speech train --corpus CORPUS --out MODEL --resume --encoder attention --steps 9 | 2 |"
            + " --encoder attention differs from the checkpoint's conv encoder; drop --encoder to"
            + " resume, or start afresh",
        "speech align --model MODEL --corpus CORPUS --ids kjv9-kjv00002 --out-dir DIR/al | 2 |"
            + " corpus id must be kjv and five digits (e.g. kjv00101), but was 'kjv9'",
      })
  void userErrorsAreOneLine(String command, int status, String message) throws IOException {
    Set<Path> before = listing();
    String[] args =
        Arrays.stream(command.trim().split(" +"))
            .map(
                a ->
                    a.replace("OUT", dir.resolve("out.wav").toString())
                        .replace("MODEL", model.toString())
                        .replace("CORPUS", corpus.toString())
                        .replace("DIR", dir.toString())
                        .replace("pau_qq", "pau qq")
                        .replace("...", ""))
            .toArray(String[]::new);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int actual = Main.run(args, new PrintWriter(out), new PrintWriter(err));
    String expected =
        "error: "
            + message.strip().replace("MODEL", model.toString()).replace("DIR", dir.toString());
    assertThat(err.toString()).startsWith(expected);
    assertThat(err.toString().strip()).doesNotContain("\n");
    assertThat(actual).isEqualTo(status);
    assertThat(listing()).as("files after the command").isEqualTo(before);
  }

  private static Set<Path> listing() throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.collect(Collectors.toSet());
    }
  }
}
