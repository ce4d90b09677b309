package io.flows4j.cli;

import io.flows4j.bench.JsonLine;
import io.flows4j.flows.Flow;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Threads;
import io.flows4j.training.TrainingConfig.OptimizerKind;
import io.flows4j.training.TrainingResult;
import io.flows4j.vi.Annealing;
import io.flows4j.vi.Target;
import io.flows4j.vi.Targets;
import io.flows4j.vi.VariationalConfig;
import io.flows4j.vi.VariationalDiagnostics;
import io.flows4j.vi.VariationalFlows;
import io.flows4j.vi.VariationalListener;
import io.flows4j.vi.VariationalTrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j vi}: fits a flow to a built-in unnormalized density by variational inference. */
@Command(
    name = "vi",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Fits a normalizing flow q to an unnormalized density p~ = exp(-U) by variational inference:"
          + " minimises the reverse KL E_q[log q(x) - beta log p~(x)] with samples of the flow"
          + " (Adam, constant learning rate), then measures the fit on --samples fresh samples.",
      "Targets: U1, U2, U3, U4 (Rezende and Mohamed 2015; their log Z is that of the box [-6,"
          + " 6]^2, and U2-U4 do not decay along z1, so their KL is to the box-restricted target),"
          + " banana, funnel, mixture (exact log Z).",
      "Progress goes to standard error; the last line on standard output is a JSON summary: kl"
          + " and kl_stderr (when log Z is known), elbo, ess, log_z, log_z_stderr, sec_per_step,"
          + " frac_outside_box. --out writes an ordinary model file (sample, logprob, info and plot"
          + " read it; plot shows the fit beside the target)."
    })
final class ViCommand implements Callable<Integer> {
  /** Metadata key of the target's name in a model file written by this command. */
  static final String TARGET_KEY = "flows4j.vi.target";

  /** Seed offset of the evaluation samples, so that they are not the last training batch's. */
  static final long EVAL_SEED_MIX = 0x5DEECE66DL;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--target",
      required = true,
      paramLabel = "NAME",
      description = "U1, U2, U3, U4, banana, funnel or mixture.")
  String target;

  @Option(
      names = "--flow",
      paramLabel = "KIND",
      defaultValue = "realnvp",
      description =
          "planar, radial, sylvester, residual, realnvp, maf or nsf (default: ${DEFAULT-VALUE}).")
  String flow;

  @Option(
      names = "--layers",
      paramLabel = "K",
      description = "Flow layers (default: 32 for planar and radial, 8 otherwise; 5 for maf).")
  Integer layers;

  @Option(
      names = "--hidden",
      paramLabel = "H,H",
      defaultValue = "64,64",
      description = "Hidden widths of each conditioner network (default: ${DEFAULT-VALUE}).")
  String hidden;

  @Option(
      names = "--steps",
      paramLabel = "N",
      description = "Optimizer steps (default: " + VariationalConfig.DEFAULT_STEPS + ").")
  Integer steps;

  @Option(
      names = "--batch",
      paramLabel = "B",
      description = "Samples per step (default: " + VariationalConfig.DEFAULT_BATCH_SIZE + ").")
  Integer batch;

  @Option(
      names = "--lr",
      paramLabel = "LR",
      description = "Learning rate of Adam, constant (default: 1e-3).")
  Double lr;

  @Option(
      names = "--weight-decay",
      paramLabel = "WD",
      description = "Adam's L2 weight decay, as torch.optim.Adam's (default: 0; W2 uses 1e-3).")
  Double weightDecay;

  @Option(
      names = "--clip",
      paramLabel = "G",
      description = "Largest gradient norm before an update (default: 0, no clipping).")
  Double clip;

  @Option(
      names = "--anneal",
      paramLabel = "STEPS",
      description =
          "Anneal the inverse temperature as beta = min(1, 0.01 + t / STEPS) (default: 0, beta ="
              + " 1 throughout).")
  Integer anneal;

  @Option(
      names = "--samples",
      paramLabel = "N",
      defaultValue = "100000",
      description = "Samples of the final diagnostics (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(names = "--seed", paramLabel = "S", description = "Seed (default: 0).")
  Long seed;

  @Option(names = "--out", paramLabel = "MODEL", description = "Model file to write.")
  Path out;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Target t = Targets.byName(target);
    String kind = flow.trim().toLowerCase(Locale.ROOT);
    int[] widths = FlowChoice.parseHidden(hidden);
    int k = layers != null ? layers : defaultLayers(kind);
    Options.requireAtLeast("--layers", k, 1);
    Options.requireAtLeast("--samples", samples, 2);
    VariationalConfig config = config();
    if (out != null) {
      CommandIo.requireWritable("--out", out);
    }
    Flow q = VariationalFlows.flow(kind, t.dimension(), k, widths, config.seed());
    err.printf(
        Locale.ROOT,
        "vi: %s, %d layers, %,d parameters; target %s: %s%n",
        kind,
        k,
        q.parameterCount(),
        t.name(),
        t.description());
    err.flush();

    TrainingResult r;
    try (ProgressListener listener = new ProgressListener(err, t)) {
      r = VariationalTrainer.train(q, t, config, listener);
    }
    VariationalDiagnostics.Report d =
        VariationalDiagnostics.evaluate(
            q,
            t,
            samples,
            config.seed() ^ EVAL_SEED_MIX,
            VariationalDiagnostics.DEFAULT_BOX_HALF_WIDTH);
    JsonLine line = new JsonLine();
    if (out != null) {
      line.put("model", out.toString());
    }
    line.put("target", t.name())
        .put("flow", kind)
        .put("layers", k)
        .put("dim", t.dimension())
        .put("params", q.parameterCount())
        .put("steps", r.stepsRun())
        .put("batch", config.batchSize())
        .put("lr", config.learningRate())
        .put("anneal", config.annealing().steps())
        .put("threads", Threads.count())
        .put("seed", config.seed())
        .put("train_sec", r.trainSeconds())
        .put("sec_per_step", r.secPerStepMedian());
    if (t.logNormalizer().isPresent()) {
      line.put("kl", d.kl()).put("kl_stderr", d.klStderr()).put("log_z_true", d.trueLogZ());
    }
    line.put("elbo", d.elbo())
        .put("elbo_stderr", d.elboStderr())
        .put("ess", d.ess())
        .put("ess_fraction", d.essFraction())
        .put("log_z", d.logZ())
        .put("log_z_stderr", d.logZStderr())
        .put("frac_outside_box", d.fractionOutsideBox())
        .put("samples", d.samples());
    if (out != null) {
      FittedModel model =
          new FittedModel(q, columns(t.dimension()), null, r, metadata(t, kind, k, config, d));
      CommandIo.saveModel(model, out);
    }
    err.printf(
        Locale.ROOT,
        "vi: %d steps in %.1f s (%.2f ms/step)%s%n",
        r.stepsRun(),
        r.trainSeconds(),
        r.secPerStepMedian() * 1e3,
        out == null ? "" : "; wrote " + out);
    err.flush();
    stdout.println(line);
    stdout.flush();
    return 0;
  }

  /** Layers when {@code --layers} is not given. */
  static int defaultLayers(String kind) {
    return switch (kind) {
      case "planar", "radial" -> 32;
      case "maf" -> 5;
      default -> 8;
    };
  }

  /** The column names of a VI model over {@code d} dimensions: {@code x0, x1, ...}. */
  static List<String> columns(int d) {
    List<String> names = new ArrayList<>(d);
    for (int j = 0; j < d; j++) {
      names.add("x" + j);
    }
    return names;
  }

  private VariationalConfig config() {
    VariationalConfig.Builder b = VariationalConfig.builder();
    if (steps != null) {
      Options.requireAtLeast("--steps", steps, 1);
      b.steps(steps);
    }
    if (batch != null) {
      Options.requireAtLeast("--batch", batch, 1);
      b.batchSize(batch);
    }
    if (lr != null) {
      if (!(lr > 0) || !Double.isFinite(lr)) {
        throw new IllegalArgumentException("--lr must be > 0, but was " + lr);
      }
      b.learningRate(lr);
    }
    if (weightDecay != null) {
      if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
        throw new IllegalArgumentException("--weight-decay must be >= 0, but was " + weightDecay);
      }
      b.optimizer(OptimizerKind.ADAM, weightDecay);
    }
    if (clip != null) {
      if (!(clip >= 0) || !Double.isFinite(clip)) {
        throw new IllegalArgumentException("--clip must be >= 0, but was " + clip);
      }
      b.maxGradNorm(clip);
    }
    if (anneal != null) {
      Options.requireAtLeast("--anneal", anneal, 0);
      b.annealing(anneal == 0 ? Annealing.none() : Annealing.linear(Annealing.W2_START, anneal));
    }
    if (seed != null) {
      b.seed(seed);
    }
    return b.build();
  }

  private Map<String, String> metadata(
      Target t, String kind, int k, VariationalConfig c, VariationalDiagnostics.Report d) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("flows4j.preset", kind);
    m.put("flows4j.layers", Integer.toString(k));
    m.put("flows4j.hidden", hidden);
    m.put(TARGET_KEY, t.name());
    m.put("flows4j.vi.anneal_steps", Integer.toString(c.annealing().steps()));
    m.put("flows4j.vi.learning_rate", Double.toString(c.learningRate()));
    m.put("flows4j.vi.weight_decay", Double.toString(c.weightDecay()));
    m.put("flows4j.vi.seed", Long.toString(c.seed()));
    m.put("flows4j.vi.elbo", Double.toString(d.elbo()));
    if (t.logNormalizer().isPresent()) {
      m.put("flows4j.vi.kl", Double.toString(d.kl()));
    }
    return m;
  }

  /** Shows the trainer's progress: step, the smoothed KL estimate (or -ELBO), beta, rate, ETA. */
  static final class ProgressListener implements VariationalListener, AutoCloseable {
    private final PrintWriter err;
    private final Target target;
    private io.flows4j.cli.Progress progress;

    ProgressListener(PrintWriter err, Target target) {
      this.err = err;
      this.target = target;
    }

    @Override
    public void onStart(int totalSteps) {
      progress = io.flows4j.cli.Progress.start("vi", totalSteps, err);
    }

    @Override
    public void onStep(VariationalListener.Progress p) {
      if (progress == null) {
        return;
      }
      String figure =
          target.logNormalizer().isPresent()
              ? String.format(
                  Locale.ROOT,
                  " kl~%.3f",
                  p.smoothedNegativeElbo() + target.logNormalizer().getAsDouble())
              : String.format(Locale.ROOT, " -elbo %.3f", p.smoothedNegativeElbo());
      String beta = p.beta() < 1 ? String.format(Locale.ROOT, ", beta %.2f", p.beta()) : "";
      progress.update(p.step(), figure + beta);
    }

    @Override
    public void close() {
      if (progress != null) {
        progress.close();
      }
    }
  }
}
