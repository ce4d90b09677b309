package io.flows4j.cli;

import io.flows4j.speech.audio.Audio;
import io.flows4j.speech.audio.Vocoder;
import io.flows4j.speech.corpus.Boundaries;
import io.flows4j.speech.model.GlowTts;
import io.flows4j.speech.text.TextFrontEnd;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code flows4j speak}: text or phonemes to a WAV file through the Glow-TTS model. */
@Command(
    name = "speak",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Speaks English text (or phonemes) with the Glow-TTS model: the text front end gives the"
          + " phones, the model a log-mel spectrogram, NNLS and fast Griffin-Lim the waveform,"
          + " written as a 22050 Hz 16-bit mono WAV (atomically: no half-written file).",
      "Batch mode: --input FILE --out-dir DIR reads lines 'id|text' (a third field, as in a"
          + " corpus's metadata.csv, gives the phonemes and is used instead of the text) and"
          + " writes DIR/id.wav; every line is checked before anything is synthesized."
    })
final class SpeakCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "0..1", paramLabel = "TEXT", description = "The text to speak.")
  String text;

  @Option(
      names = {"-o", "--out"},
      paramLabel = "FILE.wav",
      description = "The WAV file to write.")
  Path out;

  @Option(
      names = "--phonemes",
      paramLabel = "PHONES",
      description =
          "Speak these phones (space-separated, festival's set, e.g. \"pau hh iy pau\") instead"
              + " of a text.")
  String phonemes;

  @Option(
      names = "--input",
      paramLabel = "FILE",
      description = "Batch mode: lines id|text (or id|text|phonemes).")
  Path input;

  @Option(names = "--out-dir", paramLabel = "DIR", description = "Batch mode: the WAVs' folder.")
  Path outDir;

  @Option(
      names = "--model",
      paramLabel = "MODEL",
      description = "A model written by 'speech train' (default: the shipped model).")
  Path model;

  @Option(
      names = "--lexicon",
      paramLabel = "FILE",
      description = "A pronunciation lexicon replacing the shipped one (lines: word phones...).")
  Path lexicon;

  @Option(
      names = "--noise-scale",
      paramLabel = "T",
      defaultValue = "0.333",
      description = "Standard deviation of the latent noise (default: ${DEFAULT-VALUE}).")
  double noiseScale;

  @Option(
      names = "--length-scale",
      paramLabel = "L",
      defaultValue = "1.0",
      description = "Factor on every duration; above 1 is slower (default: ${DEFAULT-VALUE}).")
  double lengthScale;

  @Option(
      names = "--iterations",
      paramLabel = "K",
      defaultValue = "" + Vocoder.DEFAULT_ITERATIONS,
      description = "Griffin-Lim iterations (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "0",
      description = "Seed of the latent noise and the initial phase (default: 0).")
  long seed;

  /** One utterance to speak. */
  private record Item(String id, int[] tokens, Path file) {}

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    checkOptions();
    List<Item> items = new ArrayList<>();
    TextFrontEnd frontEnd = null;
    if (input != null) {
      frontEnd = phonemesOnlyInput() ? null : frontEnd();
      // Every line is checked before the folder is made or anything is written.
      items.addAll(readInput(frontEnd));
      prepareOutDir();
    } else {
      CommandIo.requireWritable("-o", out);
      int[] tokens =
          phonemes != null ? TextFrontEnd.tokensOfPhonemes(phonemes) : frontEnd().tokens(text);
      items.add(new Item(null, tokens, out));
    }
    GlowTts m = SpeechIo.loadModel(model);
    for (Item item : items) {
      SpeechIo.Speech s =
          SpeechIo.speak(m, item.tokens(), noiseScale, lengthScale, iterations, seed);
      Audio.writeWav(item.file(), s.samples(), Boundaries.SAMPLE_RATE);
      double audio = (double) s.samples().length / Boundaries.SAMPLE_RATE;
      stdout.printf(
          Locale.ROOT,
          "%s: %.2f s of audio, %d frames (model %.2f s, vocoder %.2f s; real-time factor"
              + " %.2f)%n",
          item.file(),
          audio,
          s.frames(),
          s.timing().flow(),
          s.timing().vocoder(),
          (s.timing().flow() + s.timing().vocoder()) / Math.max(audio, 1e-9));
    }
    stdout.flush();
    return 0;
  }

  private void checkOptions() {
    int sources = (text != null ? 1 : 0) + (phonemes != null ? 1 : 0) + (input != null ? 1 : 0);
    if (sources != 1) {
      throw new IllegalArgumentException(
          "give exactly one of TEXT, --phonemes or --input (batch mode)");
    }
    if (input != null && (out != null || outDir == null)) {
      throw new IllegalArgumentException("--input writes one WAV per line: give --out-dir, not -o");
    }
    if (outDir != null && Files.exists(outDir) && !Files.isDirectory(outDir)) {
      throw new IllegalArgumentException("--out-dir " + outDir + ": is a file, not a folder");
    }
    if (input == null && (out == null || outDir != null)) {
      throw new IllegalArgumentException("give the WAV file with -o (--out-dir goes with --input)");
    }
    if (!(noiseScale >= 0) || Double.isInfinite(noiseScale)) {
      throw new IllegalArgumentException(
          "--noise-scale must be >= 0 and finite, but was " + noiseScale);
    }
    if (!(lengthScale > 0) || Double.isInfinite(lengthScale)) {
      throw new IllegalArgumentException(
          "--length-scale must be > 0 and finite, but was " + lengthScale);
    }
    if (iterations < 0) {
      throw new IllegalArgumentException("--iterations must be >= 0, but was " + iterations);
    }
  }

  private TextFrontEnd frontEnd() {
    if (lexicon == null) {
      return TextFrontEnd.withShippedLexicon();
    }
    if (!Files.isRegularFile(lexicon)) {
      throw new IllegalArgumentException("--lexicon " + lexicon + ": no such file");
    }
    return TextFrontEnd.withLexicon(lexicon);
  }

  private void prepareOutDir() {
    try {
      Files.createDirectories(outDir);
    } catch (IOException e) {
      throw new UncheckedIOException("--out-dir " + outDir + ": cannot create the folder", e);
    }
  }

  private List<String> inputLines() {
    try {
      return Files.readAllLines(input, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException(input + ": no such file", e);
    } catch (IOException e) {
      throw new UncheckedIOException(input + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  /** Whether every line gives its phonemes (then no lexicon is needed). */
  private boolean phonemesOnlyInput() {
    for (String line : inputLines()) {
      if (!line.isBlank() && line.split("\\|", -1).length != 3) {
        return false;
      }
    }
    return true;
  }

  private List<Item> readInput(TextFrontEnd fe) {
    List<String> lines = inputLines();
    List<Item> items = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.isBlank()) {
        continue;
      }
      String where = input + " line " + (i + 1);
      String[] f = line.split("\\|", -1);
      if (f.length < 2 || f.length > 3) {
        throw new IllegalArgumentException(
            where + ": must be id|text or id|text|phonemes, but was '" + line + "'");
      }
      String id = f[0].strip();
      if (!id.matches("[A-Za-z0-9_.-]+") || id.startsWith(".")) {
        throw new IllegalArgumentException(
            where
                + ": the id must be letters, digits, '_', '-' or '.' (it names the WAV file), but"
                + " was '"
                + f[0]
                + "'");
      }
      int[] tokens;
      try {
        tokens = f.length == 3 ? TextFrontEnd.tokensOfPhonemes(f[2]) : fe.tokens(f[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      items.add(new Item(id, tokens, outDir.resolve(id + ".wav")));
    }
    if (items.isEmpty()) {
      throw new IllegalArgumentException(input + ": no lines to speak (the file is empty)");
    }
    return items;
  }
}
