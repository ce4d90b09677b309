package io.flows4j.cli;

import io.flows4j.data.ContextEncoding;
import io.flows4j.data.CsvWriter;
import io.flows4j.model.FittedModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j sample}: draws samples from a model. */
@Command(
    name = "sample",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Draws samples from a model and writes them as CSV with the model's column names. The same"
          + " seed gives the same samples.",
      "A conditional model needs a context: --context \"label=3\" (name=value pairs separated by"
          + " commas) draws N samples at that context; --context-file C.csv draws N samples at"
          + " each row's context (rows k N .. (k+1) N - 1 of the output belong to row k). The"
          + " output then has the data columns followed by the context columns."
    })
final class SampleCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model file.")
  Path model;

  @Option(names = "-n", paramLabel = "N", description = "Number of samples (or --grid).")
  int n;

  @Option(
      names = "--grid",
      paramLabel = "RxC",
      description =
          "Image models: R x C samples drawn as one PNG grid (--out S.png), written atomically.")
  String grid;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "S.csv",
      description = "Output CSV (gzipped if it ends in .gz).")
  Path out;

  @Option(
      names = "--temperature",
      paramLabel = "T",
      defaultValue = "1",
      description =
          "Scale of the base distribution's spread: below 1 gives more typical samples (default:"
              + " ${DEFAULT-VALUE}).")
  double temperature;

  @Option(
      names = "--with-logprob",
      description =
          "Add a last column log_prob: the model's log-density of each sample, computed in the"
              + " same pass.")
  boolean withLogProb;

  @Option(
      names = "--context",
      paramLabel = "NAME=VALUE[,NAME=VALUE...]",
      description = "Context of a conditional model: N samples at this context.")
  String context;

  @Option(
      names = "--context-file",
      paramLabel = "C.csv",
      description =
          "Contexts of a conditional model, one per row (columns by name): N samples per row.")
  Path contextFile;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "0",
      description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() {
    if (grid != null) {
      return writeGrid();
    }
    if (n < 1) {
      throw new IllegalArgumentException("-n must be >= 1, but was " + n);
    }
    if (!(temperature > 0) || !Double.isFinite(temperature)) {
      throw new IllegalArgumentException("--temperature must be > 0, but was " + temperature);
    }
    CommandIo.requireWritable("--out", out);
    FittedModel m = CommandIo.loadModel(model);
    if (context != null && contextFile != null) {
      throw new IllegalArgumentException("give --context or --context-file, not both");
    }
    if (context != null || contextFile != null) {
      CommandIo.requireNoContext(m, context != null ? "--context" : "--context-file");
    }
    if (m.isConditional()) {
      ContextEncoding enc = m.contextEncoding().orElseThrow();
      if (context == null && contextFile == null) {
        throw new IllegalArgumentException(CommandIo.missingContext(enc));
      }
      Map<String, String[]> raw =
          context != null
              ? enc.parsePairs(context)
              : CommandIo.readWithContextColumns(m, contextFile);
      FittedModel.Samples s = m.sample(raw, n, seed, temperature);
      int k = raw.values().iterator().next().length;
      Map<String, String[]> repeated = new LinkedHashMap<>();
      for (Map.Entry<String, String[]> e : raw.entrySet()) {
        String[] r = new String[k * n];
        for (int i = 0; i < r.length; i++) {
          r[i] = e.getValue()[i / n];
        }
        repeated.put(e.getKey(), r);
      }
      CsvWriter.Column[] ctx = CommandIo.contextColumns(enc, repeated);
      if (withLogProb) {
        ctx = Arrays.copyOf(ctx, ctx.length + 1);
        ctx[ctx.length - 1] = CsvWriter.column("log_prob", s.logProb());
      }
      CsvWriter.write(out, s.values(), ctx);
      spec.commandLine()
          .getErr()
          .printf(Locale.ROOT, "sample: wrote %,d rows (%,d per context) to %s%n", k * n, n, out);
      return 0;
    }
    if (withLogProb) {
      FittedModel.Samples s = m.sampleWithLogProb(n, seed, temperature);
      CsvWriter.write(out, s.values(), CsvWriter.column("log_prob", s.logProb()));
    } else {
      CsvWriter.write(out, m.sample(n, seed, temperature));
    }
    spec.commandLine().getErr().printf(Locale.ROOT, "sample: wrote %,d rows to %s%n", n, out);
    return 0;
  }

  /** {@code --grid RxC}: an image model's samples as one PNG. */
  private int writeGrid() {
    String[] rc = grid.toLowerCase(Locale.ROOT).split("x", -1);
    int rows;
    int cols;
    try {
      rows = Integer.parseInt(rc[0].trim());
      cols = rc.length == 2 ? Integer.parseInt(rc[1].trim()) : -1;
    } catch (NumberFormatException e) {
      rows = -1;
      cols = -1;
    }
    if (rc.length != 2 || rows < 1 || cols < 1 || (long) rows * cols > 10_000) {
      throw new IllegalArgumentException(
          "--grid must be RxC with R, C >= 1 and R C <= 10000 (e.g. 8x8), but was " + grid);
    }
    if (!(temperature > 0) || !Double.isFinite(temperature)) {
      throw new IllegalArgumentException("--temperature must be > 0, but was " + temperature);
    }
    if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
      throw new IllegalArgumentException(
          "--grid writes a PNG; --out must end in .png, but was " + out);
    }
    if (withLogProb || contextFile != null) {
      throw new IllegalArgumentException(
          "--with-logprob and --context-file do not apply to --grid");
    }
    CommandIo.requireWritable("--out", out);
    FittedModel m = CommandIo.loadModel(model);
    int[] shape = ImageFit.requireImageModel(m, model, "--grid");
    int count = rows * cols;
    io.flows4j.tensor.Tensor x;
    if (m.isConditional()) {
      ContextEncoding enc = m.contextEncoding().orElseThrow();
      if (context == null) {
        throw new IllegalArgumentException(CommandIo.missingContext(enc));
      }
      x = m.sample(enc.parsePairs(context), count, seed, temperature).values().toTensor();
    } else {
      if (context != null) {
        CommandIo.requireNoContext(m, "--context");
      }
      x = m.sample(count, seed, temperature).toTensor();
    }
    io.flows4j.data.ImageGrid.write(out, x, shape[0], shape[1], shape[2], rows, cols);
    spec.commandLine()
        .getErr()
        .printf(
            Locale.ROOT,
            "sample: wrote a %dx%d grid of %s images to %s%n",
            rows,
            cols,
            shape[0] + "x" + shape[1] + "x" + shape[2],
            out);
    return 0;
  }
}
