package io.flows4j.cli;

import io.flows4j.speech.corpus.Split;
import io.flows4j.speech.corpus.Utterance;
import io.flows4j.speech.model.GlowTts;
import io.flows4j.speech.model.GlowTtsConfig;
import io.flows4j.speech.train.Checkpoint;
import io.flows4j.speech.train.SpeechTrainer;
import io.flows4j.speech.train.SpeechTrainingConfig;
import io.flows4j.tensor.Threads;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j speech train}: trains the Glow-TTS model on the kit's corpus. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Trains the Glow-TTS model (tiny preset) on the training split of the kit's corpus: every"
          + " id except the test sentences kjv00001-kjv00100, which are never read. The 20"
          + " training utterances with the highest ids (kjv00981-kjv01000 in the kit's corpus) are"
          + " held out for the validation loss.",
      "Recipe: batches of 16 from length buckets, Adam (lr 1e-3, betas 0.9/0.98, eps 1e-9) with a"
          + " linear warm-up over 200 steps, gradient values clipped at 5. Every 200 steps and at"
          + " the end, MODEL.ckpt (weights + Adam state) and MODEL are written atomically;"
          + " --resume continues from MODEL.ckpt exactly. Progress goes to standard error; its"
          + " lines give the process CPU time since training began (cpu N s: every thread of the"
          + " JVM, compiler and garbage collector included), so that runs can be compared per"
          + " CPU-second."
    })
final class SpeechTrainCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--corpus",
      required = true,
      paramLabel = "DIR",
      description = "The corpus folder (../shared/speech/make_corpus.sh -o DIR).")
  Path corpus;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "MODEL",
      description = "The model file; its checkpoint is MODEL.ckpt.")
  Path out;

  @Option(
      names = "--time",
      paramLabel = "DURATION",
      description =
          "Wall-clock budget of this run, e.g. 60m, 90s, 1h30m (default: 60m unless --steps is"
              + " given).")
  String time;

  @Option(
      names = "--steps",
      paramLabel = "N",
      description = "Stop when N steps are done in total (a resumed run counts the earlier ones).")
  Long steps;

  @Option(
      names = "--resume",
      description = "Continue from MODEL.ckpt with its settings, seed and optimizer state.")
  boolean resume;

  @Option(names = "--seed", paramLabel = "S", description = "Seed (default: 0).")
  Long seed;

  @Option(
      names = "--encoder",
      paramLabel = "KIND",
      description =
          "Text encoder: conv (6 residual convolution blocks of kernel 3; the default) or"
              + " attention (the kit's reference: 3 Transformer layers, 2 heads, relative positions"
              + " within 4 tokens, feed-forward 96-384-96). With --resume it must be the"
              + " checkpoint's.")
  String encoder;

  @Option(
      names = "--batch",
      paramLabel = "B",
      description =
          "Utterances per step (default: " + SpeechTrainingConfig.DEFAULT_BATCH_SIZE + ").")
  Integer batch;

  @Option(
      names = "--validation",
      paramLabel = "N",
      description =
          "Training utterances held out for the validation loss, the highest ids (default: "
              + SpeechTrainingConfig.DEFAULT_VALIDATION_UTTERANCES
              + ").")
  Integer validation;

  @Option(
      names = "--checkpoint-every",
      paramLabel = "N",
      description =
          "Steps between checkpoints and validations (default: "
              + SpeechTrainingConfig.DEFAULT_INTERVAL
              + ").")
  Integer checkpointEvery;

  @Override
  public Integer call() throws IOException {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SpeechTrainer.Budget budget = budget();
    GlowTtsConfig.EncoderKind kind = encoderKind();
    CommandIo.requireWritable("--out", out);
    Path ckpt = Checkpoint.pathFor(out);
    SpeechTrainer trainer;
    if (resume) {
      for (Object o : new Object[] {seed, batch, validation, checkpointEvery}) {
        if (o != null) {
          throw new IllegalArgumentException(
              "--resume continues with the checkpoint's settings; drop --seed, --batch,"
                  + " --validation and --checkpoint-every");
        }
      }
      Checkpoint c;
      try {
        c = Checkpoint.read(ckpt);
      } catch (NoSuchFileException e) {
        throw new IllegalArgumentException(
            "--resume: there is no checkpoint " + ckpt + "; start without --resume", e);
      } catch (IOException e) {
        throw new UncheckedIOException(e.getMessage(), e);
      }
      if (budget.targetSteps() > 0 && budget.targetSteps() <= c.step()) {
        throw new IllegalArgumentException(
            "--steps "
                + budget.targetSteps()
                + " is already reached: the checkpoint is at step "
                + c.step());
      }
      GlowTtsConfig.EncoderKind saved = c.model().config().encoderKind();
      if (kind != null && kind != saved) {
        throw new IllegalArgumentException(
            "--encoder "
                + kind.id()
                + " differs from the checkpoint's "
                + saved.id()
                + " encoder; drop --encoder to resume, or start afresh");
      }
      trainer = SpeechTrainer.resume(c);
    } else {
      if (Files.exists(ckpt)) {
        throw new IllegalArgumentException(
            ckpt + " exists: continue it with --resume, or delete it to start afresh");
      }
      SpeechTrainingConfig cfg = SpeechTrainingConfig.defaults(seed == null ? 0 : seed);
      if (batch != null) {
        requirePositive("--batch", batch);
        cfg = cfg.withBatchSize(batch);
      }
      int v = validation == null ? cfg.validationUtterances() : validation;
      if (v < 0) {
        throw new IllegalArgumentException("--validation must be >= 0, but was " + v);
      }
      int every = checkpointEvery == null ? cfg.checkpointInterval() : checkpointEvery;
      requirePositive("--checkpoint-every", every);
      cfg = cfg.withIntervals(v, every, every);
      GlowTtsConfig model =
          GlowTtsConfig.tiny(kind == null ? GlowTtsConfig.EncoderKind.CONV : kind);
      trainer = SpeechTrainer.start(new GlowTts(model, cfg.seed()), cfg);
    }
    SpeechTrainingConfig cfg = trainer.config();
    // The test sentences are not even read.
    List<Utterance> all = SpeechIo.readCorpus(corpus, id -> !Split.isTest(id), cfg.seed());
    SpeechTrainer.Data data = SpeechTrainer.split(all, cfg.validationUtterances());
    err.printf(
        Locale.ROOT,
        "speech train: %s, %s encoder, %,d parameters; %d training and %d validation utterances"
            + " of %s; batch %d, %d threads%s%n",
        resume ? "resuming at step " + trainer.step() : "tiny preset",
        trainer.model().config().encoderKind().id(),
        trainer.model().parameterCount(),
        data.train().size(),
        data.validation().size(),
        corpus,
        cfg.batchSize(),
        Threads.count(),
        describe(budget));
    err.flush();
    SpeechTrainer.Result r =
        trainer.train(data, out, budget, new Lines(err, Lines::processCpuNanos));
    stdout.printf(
        Locale.ROOT,
        "trained %d steps (%d in this run, %.1f s, %.3f steps/s)%s; model written to %s,"
            + " checkpoint to %s%n",
        r.step(),
        r.stepsThisRun(),
        r.seconds(),
        r.stepsThisRun() / Math.max(r.seconds(), 1e-9),
        r.validation() == null
            ? ""
            : String.format(
                Locale.ROOT,
                "; validation NLL %.4f nats/dim, duration loss %.4f",
                r.validation().nll(),
                r.validation().duration()),
        out,
        ckpt);
    stdout.flush();
    return 0;
  }

  /** The kind given with {@code --encoder}, or null when it was not given. */
  private GlowTtsConfig.EncoderKind encoderKind() {
    if (encoder == null) {
      return null;
    }
    for (GlowTtsConfig.EncoderKind k : GlowTtsConfig.EncoderKind.values()) {
      if (k.id().equals(encoder)) {
        return k;
      }
    }
    throw new IllegalArgumentException(
        "--encoder must be conv or attention, but was '" + encoder + "'");
  }

  private SpeechTrainer.Budget budget() {
    if (steps != null && steps < 1) {
      throw new IllegalArgumentException("--steps must be >= 1, but was " + steps);
    }
    Duration d = null;
    if (time != null) {
      d = Duration.ofMillis(Math.round(SpeechIo.parseSeconds("--time", time) * 1000));
    } else if (steps == null) {
      d = Duration.ofMinutes(60);
    }
    return new SpeechTrainer.Budget(steps == null ? 0 : steps, d);
  }

  private static String describe(SpeechTrainer.Budget b) {
    StringBuilder sb = new StringBuilder();
    if (b.targetSteps() > 0) {
      sb.append("; until step ").append(b.targetSteps());
    }
    if (b.time() != null) {
      sb.append(b.targetSteps() > 0 ? " or " : "; for ")
          .append(Progress.duration(b.time().toMillis() / 1000.0));
    }
    return sb.toString();
  }

  private static void requirePositive(String option, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(option + " must be >= 1, but was " + v);
    }
  }

  /**
   * Progress lines on standard error: every few seconds, and at validations and checkpoints. Step
   * and validation lines end with the CPU time used since the first step began ({@code cpu N s}).
   */
  static final class Lines implements SpeechTrainer.Listener {
    private final PrintWriter err;
    private final LongSupplier cpuNanos;
    private long cpuStart;
    private long lastLine = System.nanoTime();
    private boolean printed;

    /**
     * Lines to {@code err}, with CPU times from {@code cpuNanos} (a clock in nanoseconds).
     *
     * @param cpuNanos e.g. {@link #processCpuNanos}
     */
    Lines(PrintWriter err, LongSupplier cpuNanos) {
      this.err = err;
      this.cpuNanos = cpuNanos;
      this.cpuStart = cpuNanos.getAsLong();
    }

    /**
     * The CPU time of this process in nanoseconds, every thread included (the JVM's compiler and
     * garbage collector too), from {@code com.sun.management.OperatingSystemMXBean}; -1 where the
     * JVM does not offer it.
     */
    static long processCpuNanos() {
      if (ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.OperatingSystemMXBean os) {
        return os.getProcessCpuTime();
      }
      return -1;
    }

    /** {@code ", cpu 123 s"}, or nothing when the clock is unavailable. */
    private String cpu() {
      long now = cpuNanos.getAsLong();
      if (now < 0 || cpuStart < 0) {
        return "";
      }
      return String.format(Locale.ROOT, ", cpu %d s", Math.round((now - cpuStart) / 1e9));
    }

    @Override
    public void onStart(long startStep, int trainUtterances, int validationUtterances) {
      cpuStart = cpuNanos.getAsLong();
    }

    @Override
    public void onStep(SpeechTrainer.Progress p) {
      long now = System.nanoTime();
      if (printed && (now - lastLine) * 1e-9 < Progress.LINE_INTERVAL_SECONDS) {
        return;
      }
      printed = true;
      lastLine = now;
      err.println(line(p) + cpu());
      err.flush();
    }

    /** {@code speech train: step 120/3400 (epoch 2), loss 1.234 (nll .., dur ..), ...}. */
    static String line(SpeechTrainer.Progress p) {
      StringBuilder sb = new StringBuilder("speech train: step ").append(p.step());
      if (p.targetSteps() > 0) {
        sb.append('/').append(p.targetSteps());
      }
      sb.append(
          String.format(
              Locale.ROOT,
              " (epoch %d), loss %.4f (nll %.4f, dur %.4f; smoothed %.4f), lr %.2e, %.2f steps/s",
              p.epoch() + 1,
              p.loss(),
              p.nll(),
              p.duration(),
              p.smoothedLoss(),
              p.learningRate(),
              p.stepsPerSecond()));
      if (p.validation() != null) {
        sb.append(String.format(Locale.ROOT, ", val nll %.4f", p.validation().nll()));
      }
      if (!Double.isNaN(p.etaSeconds())) {
        sb.append(", ETA ").append(Progress.duration(p.etaSeconds()));
      }
      return sb.toString();
    }

    @Override
    public void onValidation(long step, SpeechTrainer.Evaluation e) {
      err.printf(
          Locale.ROOT,
          "speech train: step %d: validation NLL %.4f nats/dim, duration loss %.4f%s%n",
          step,
          e.nll(),
          e.duration(),
          cpu());
      err.flush();
    }

    @Override
    public void onCheckpoint(long step, Path checkpoint) {
      err.printf(Locale.ROOT, "speech train: step %d: checkpoint %s written%n", step, checkpoint);
      err.flush();
    }
  }
}
