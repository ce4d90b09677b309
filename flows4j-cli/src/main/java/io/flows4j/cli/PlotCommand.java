package io.flows4j.cli;

import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import io.flows4j.vi.Target;
import io.flows4j.vi.Targets;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j plot}: pictures of a model as PNG. */
@Command(
    name = "plot",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Draws a model as a PNG: 'density' (2-D models) is a heat map of p(x) with samples and data"
          + " overlaid (for a model written by 'vi', beside the target's density); 'curve' is the training curve (loss and validation NLL against the step);"
          + " 'pairs' shows pairwise marginals of samples against the data for the first few"
          + " columns.",
      "Default kind: density for 2-D models, pairs otherwise."
    })
final class PlotCommand implements Callable<Integer> {
  /** The figures. */
  enum Kind {
    density,
    curve,
    pairs
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model file.")
  Path model;

  @Option(
      names = "--data",
      paramLabel = "X.csv",
      description = "Data to overlay (density) or compare with (pairs).")
  Path data;

  @Option(names = "--out", required = true, paramLabel = "FILE.png", description = "PNG file.")
  Path out;

  @Option(
      names = "--kind",
      paramLabel = "KIND",
      description = "density, curve or pairs (default: density for 2-D models, else pairs).")
  Kind kind;

  @Option(
      names = "--points",
      paramLabel = "N",
      defaultValue = "500",
      description = "Points of data and of samples drawn (default: ${DEFAULT-VALUE}).")
  int points;

  @Option(
      names = "--grid",
      paramLabel = "N",
      defaultValue = "200",
      description = "Grid cells per axis of the density map (default: ${DEFAULT-VALUE}).")
  int grid;

  @Option(
      names = "--dims",
      paramLabel = "K",
      defaultValue = "4",
      description = "Columns shown by pairs (default: ${DEFAULT-VALUE}).")
  int dims;

  @Option(
      names = "--seed",
      paramLabel = "S",
      defaultValue = "0",
      description = "Seed of the samples (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() {
    Options.requireAtLeast("--points", points, 1);
    Options.requireAtLeast("--grid", grid, 2);
    Options.requireAtLeast("--dims", dims, 1);
    if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
      throw new IllegalArgumentException("--out must name a .png file, but was " + out);
    }
    CommandIo.requireWritable("--out", out);
    FittedModel m = CommandIo.loadModel(model);
    Dataset d =
        data == null ? null : CommandIo.modelColumns(m, CommandIo.readData(data, null), data);
    Kind k = kind != null ? kind : m.dimension() == 2 ? Kind.density : Kind.pairs;
    String name = model.getFileName().toString();
    BufferedImage img =
        switch (k) {
          case density -> {
            Target target = viTarget(m);
            Figures.Density f =
                target != null && d == null
                    ? Figures.variational(
                        m, target, points, grid, seed, "Fitted density of " + name)
                    : Figures.density(m, d, points, grid, seed, "Density of " + name);
            spec.commandLine()
                .getErr()
                .printf(
                    Locale.ROOT, "plot: probability mass on the plotted square: %.4f%n", f.mass());
            yield f.image();
          }
          case curve -> Figures.curve(m, "Training curve of " + name);
          case pairs ->
              Figures.pairs(
                  m,
                  d,
                  dims,
                  Math.max(points, 1000),
                  seed,
                  "Pairwise marginals of "
                      + name
                      + (m.dimension() > dims
                          ? " (first " + dims + " of " + m.dimension() + " columns)"
                          : "")
                      + (d == null ? ", samples only" : ""));
        };
    Plots.writePng(img, out);
    spec.commandLine().getErr().printf("plot: wrote %s%n", out);
    return 0;
  }

  /**
   * The target of a model written by {@code flows4j vi}, or {@code null} for other models (and for
   * a target this version does not know).
   */
  static Target viTarget(FittedModel m) {
    String name = m.metadata().get(ViCommand.TARGET_KEY);
    if (name == null || !Targets.NAMES.contains(name)) {
      return null;
    }
    return Targets.byName(name);
  }
}
