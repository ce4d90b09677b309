package io.flows4j.cli;

import io.flows4j.speech.audio.Audio;
import io.flows4j.speech.audio.Vocoder;
import io.flows4j.speech.corpus.Boundaries;
import io.flows4j.speech.corpus.Split;
import io.flows4j.speech.corpus.Utterance;
import io.flows4j.speech.model.GlowTts;
import io.flows4j.speech.train.SpeechTrainer;
import io.flows4j.tensor.Threads;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j speech eval}: test NLL, boundary accuracy and WER of a speech model. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Evaluates a speech model on corpus utterances (default: the test sentences"
          + " kjv00001-kjv00100): the negative log-likelihood per mel dimension and the duration"
          + " loss (no dropout); the share of phone boundaries of its alignment within 2 frames of"
          + " the corpus's align/*.lab; and, when pocketsphinx is installed, the word error rate of"
          + " the recogniser on the synthesized sentences (the corpus's phonemes, fast Griffin-Lim"
          + " 32 iterations, scored by ../shared/speech/wer.sh).",
      "The last line on standard output is a JSON summary."
    })
final class SpeechEvalCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--model",
      paramLabel = "MODEL",
      description = "A model written by 'speech train' (default: the shipped model).")
  Path model;

  @Option(names = "--corpus", required = true, paramLabel = "DIR", description = "The corpus.")
  Path corpus;

  @Option(
      names = "--ids",
      paramLabel = "A-B",
      defaultValue = "kjv00001-kjv00100",
      description = "The utterances (default: ${DEFAULT-VALUE}, the test sentences).")
  String ids;

  @Option(names = "--no-wer", description = "Skip the word error rate (synthesis + recogniser).")
  boolean noWer;

  @Option(
      names = "--wer-script",
      paramLabel = "FILE",
      description = "The kit's wer.sh (default: shared/speech/wer.sh beside the repository).")
  Path werScript;

  @Option(
      names = "--keep-wavs",
      paramLabel = "DIR",
      description = "Keep the synthesized WAVs of the WER run in DIR.")
  Path keepWavs;

  @Option(
      names = "--noise-scale",
      paramLabel = "T",
      defaultValue = "0.333",
      description = "Latent noise of the synthesis (default: ${DEFAULT-VALUE}).")
  double noiseScale;

  @Override
  public Integer call() throws IOException, InterruptedException {
    PrintWriter stdout = spec.commandLine().getOut();
    if (!(noiseScale >= 0) || Double.isInfinite(noiseScale)) {
      throw new IllegalArgumentException(
          "--noise-scale must be >= 0 and finite, but was " + noiseScale);
    }
    List<Utterance> us = SpeechIo.readCorpus(corpus, Split.range(ids), 0);
    GlowTts m = SpeechIo.loadModel(model);
    SpeechTrainer.Evaluation e = SpeechTrainer.evaluate(m, us, SpeechIo.SCORE_BATCH);
    stdout.printf(
        Locale.ROOT,
        "NLL %.4f nats/dim, duration loss %.4f (%d utterances, %d frames)%n",
        e.nll(),
        e.duration(),
        us.size(),
        e.frames());
    Map<String, int[]> durations = SpeechIo.durations(m, us);
    SpeechAlignCommand.BoundaryScore score =
        SpeechAlignCommand.BoundaryScore.of(corpus, us, durations);
    stdout.println(
        score == null ? "boundaries: skipped (the corpus has no align/*.lab)" : score.describe());
    stdout.flush();
    Double wer = null;
    if (noWer) {
      stdout.println("WER: skipped (--no-wer)");
    } else {
      Optional<String> missing = werUnavailable();
      if (missing.isPresent()) {
        stdout.println("WER: skipped (" + missing.get() + ")");
      } else {
        String line = wer(m, us);
        stdout.println(line);
        wer = parseWer(line);
      }
    }
    stdout.printf(
        Locale.ROOT,
        "{\"nll\": %.6f, \"duration_loss\": %.6f, \"utterances\": %d, \"boundaries_within_2\":"
            + " %s, \"boundary_mean_error\": %s, \"wer_percent\": %s}%n",
        e.nll(),
        e.duration(),
        us.size(),
        score == null ? "null" : String.format(Locale.ROOT, "%.4f", score.fraction()),
        score == null ? "null" : String.format(Locale.ROOT, "%.4f", score.meanError()),
        wer == null ? "null" : String.format(Locale.ROOT, "%.2f", wer));
    stdout.flush();
    return 0;
  }

  /** Why the WER cannot be measured here, or nothing when it can. */
  private Optional<String> werUnavailable() {
    if (werScript == null) {
      Optional<Path> found = DataRoot.findShared("shared/speech/wer.sh");
      if (found.isEmpty()) {
        return Optional.of("shared/speech/wer.sh not found; give it with --wer-script");
      }
      werScript = found.get();
    } else if (!Files.isRegularFile(werScript)) {
      throw new IllegalArgumentException("--wer-script " + werScript + ": no such file");
    }
    if (!onPath("pocketsphinx_batch")) {
      return Optional.of("pocketsphinx is not installed; ../shared/speech/install.sh installs it");
    }
    return Optional.empty();
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  /** Synthesizes every utterance from its phonemes and runs wer.sh on them; its output line. */
  private String wer(GlowTts m, List<Utterance> us) throws IOException, InterruptedException {
    Path dir = keepWavs != null ? keepWavs : Files.createTempDirectory("flows4j-wer-");
    Files.createDirectories(dir);
    try {
      for (Utterance u : us) {
        SpeechIo.Speech s =
            SpeechIo.speak(m, u.tokens(), noiseScale, 1.0, Vocoder.DEFAULT_ITERATIONS, 0);
        Audio.writeWav(dir.resolve(u.id() + ".wav"), s.samples(), Boundaries.SAMPLE_RATE);
      }
      // wer.sh scores the first N ids of the metadata with a WAV: only these are in the folder.
      List<String> cmd = new ArrayList<>();
      cmd.add("bash");
      cmd.add(werScript.toString());
      cmd.add("-n");
      cmd.add(Integer.toString(us.size()));
      cmd.add("-j");
      cmd.add(Integer.toString(Math.max(1, Threads.count())));
      cmd.add(dir.toString());
      cmd.add(corpus.resolve("metadata.csv").toString());
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int status = p.waitFor();
      String line =
          output.lines().filter(l -> l.startsWith("WER")).reduce((a, b) -> b).orElse(null);
      if (status != 0 || line == null) {
        String last = output.strip().lines().reduce((a, b) -> b).orElse("no output");
        throw new UncheckedIOException(
            new IOException(werScript + " failed (exit status " + status + "): " + last));
      }
      return line.strip();
    } finally {
      if (keepWavs == null) {
        try (Stream<Path> files = Files.walk(dir)) {
          for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(f);
          }
        }
      }
    }
  }

  /** The percentage of a {@code WER 18.74% (...)} line. */
  static Double parseWer(String line) {
    java.util.regex.Matcher mt = java.util.regex.Pattern.compile("WER\\s+([0-9.]+)%").matcher(line);
    return mt.find() ? Double.valueOf(mt.group(1)) : null;
  }
}
