package io.flows4j.cli;

import io.flows4j.speech.corpus.Boundaries;
import io.flows4j.speech.corpus.LabFile;
import io.flows4j.speech.corpus.Split;
import io.flows4j.speech.corpus.Utterance;
import io.flows4j.speech.model.GlowTts;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j speech align}: the model's MAS alignment of corpus utterances as .lab files. */
@Command(
    name = "align",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Aligns corpus utterances with the model (monotonic alignment search between the flow's"
          + " latent frames and the text encoder's means) and writes DIR/ID.lab in the kit's"
          + " format: 'start end phone' in seconds, the corpus's phones, each blank's frames split"
          + " between its two neighbouring phones.",
      "When the corpus has align/ID.lab files, the share of phone boundaries within 2 frames of"
          + " them is printed too."
    })
final class SpeechAlignCommand implements Callable<Integer> {
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
      description =
          "The utterances, an inclusive id range such as kjv00101-kjv00150 (default: all).")
  String ids;

  @Option(
      names = "--out-dir",
      required = true,
      paramLabel = "DIR",
      description = "Folder of the .lab files (created if missing).")
  Path outDir;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    Predicate<String> filter = ids == null ? id -> true : Split.range(ids);
    if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
      throw new IllegalArgumentException("--out-dir " + outDir + ": is a file, not a folder");
    }
    List<Utterance> us = SpeechIo.readCorpus(corpus, filter, 0);
    GlowTts m = SpeechIo.loadModel(model);
    Map<String, int[]> durations = SpeechIo.durations(m, us);
    try {
      Files.createDirectories(outDir);
    } catch (IOException e) {
      throw new UncheckedIOException("--out-dir " + outDir + ": cannot create the folder", e);
    }
    for (Utterance u : us) {
      LabFile.write(
          outDir.resolve(u.id() + ".lab"),
          Boundaries.toSegments(u.phones(), durations.get(u.id())));
    }
    stdout.printf(Locale.ROOT, "aligned %d utterances into %s%n", us.size(), outDir);
    BoundaryScore score = BoundaryScore.of(corpus, us, durations);
    if (score != null) {
      stdout.println(score.describe());
    }
    stdout.flush();
    return 0;
  }

  /**
   * How close the model's phone boundaries are to the corpus's {@code align/*.lab}.
   *
   * @param within2 boundaries within 2 frames of the reference
   * @param count boundaries compared
   * @param meanError mean absolute error, frames
   * @param utterances utterances with a reference
   */
  record BoundaryScore(long within2, long count, double meanError, int utterances) {
    /** The frames within which a boundary counts as right (the kit's measure). */
    static final double TOLERANCE = 2;

    double fraction() {
      return (double) within2 / count;
    }

    String describe() {
      return String.format(
          Locale.ROOT,
          "boundaries within 2 frames of align/*.lab: %.1f %% of %d (mean error %.2f frames, %d"
              + " utterances)",
          100 * fraction(),
          count,
          meanError,
          utterances);
    }

    /** The score over the utterances that have a reference, or null if none has one. */
    static BoundaryScore of(Path corpus, List<Utterance> us, Map<String, int[]> durations) {
      long within = 0;
      long count = 0;
      double err = 0;
      int n = 0;
      for (Utterance u : us) {
        Path lab = corpus.resolve("align").resolve(u.id() + ".lab");
        if (!Files.isRegularFile(lab) || u.phones().size() < 2) {
          continue;
        }
        double[] ref = Boundaries.fromLab(LabFile.read(lab));
        double[] got = Boundaries.fromDurations(durations.get(u.id()));
        if (ref.length != got.length) {
          throw new IllegalArgumentException(
              lab
                  + ": has "
                  + (ref.length + 1)
                  + " phones, but metadata.csv gives "
                  + u.id()
                  + " "
                  + u.phones().size());
        }
        for (int i = 0; i < ref.length; i++) {
          double e = Math.abs(ref[i] - got[i]);
          err += e;
          if (e <= TOLERANCE) {
            within++;
          }
        }
        count += ref.length;
        n++;
      }
      return count == 0 ? null : new BoundaryScore(within, count, err / count, n);
    }
  }
}
