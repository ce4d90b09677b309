package io.flows4j.cli;

import io.flows4j.autodiff.Tape;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.TrainingResult;
import io.flows4j.vi.Target;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/** The figures of a fitted model, shared by {@code plot} and {@code demo}. */
final class Figures {
  /** Colour of the training-loss curve. */
  static final Color TRAIN = new Color(70, 120, 190);

  private Figures() {}

  /** A density heat map and the probability mass it shows. */
  record Density(BufferedImage image, double mass) {}

  /**
   * The density of a 2-D model on a {@code grid x grid} square covering the data (or samples when
   * there is no data), with up to {@code points} data points and as many samples overlaid.
   *
   * @param data data to overlay and to choose the range from, or {@code null}
   * @throws IllegalArgumentException if the model is not 2-D
   */
  static Density density(
      FittedModel m, Dataset data, int points, int grid, long seed, String title) {
    if (m.dimension() != 2) {
      throw new IllegalArgumentException(
          "plot --kind density: needs a model of 2 columns, but this one has "
              + m.dimension()
              + " ("
              + String.join(", ", m.columnNames())
              + "); use --kind pairs");
    }
    Dataset samples = m.sample(Math.max(points, 2000), seed, 1.0);
    Dataset ref = data != null ? data : samples;
    double[] range = Plots.squareRange(columnOf(ref, 0), columnOf(ref, 1));
    Plots.Grid g = DensityGrid.evaluate(m::logProb, range, grid);
    List<Plots.Points> overlays = new ArrayList<>();
    if (data != null) {
      overlays.add(
          Plots.points(
              "data (" + Math.min(points, data.rows()) + ")",
              CommandIo.rows(data, points),
              points,
              Plots.alpha(Plots.DATA, 130)));
    }
    overlays.add(
        Plots.points(
            "samples of the flow (" + points + ")",
            CommandIo.rows(samples, points),
            points,
            Plots.alpha(Plots.SAMPLES, 170)));
    BufferedImage img =
        Plots.density(title, m.columnNames().get(0), m.columnNames().get(1), g, overlays);
    return new Density(img, DensityGrid.mass(g));
  }

  /** Half-width of the square every VI density plot covers at least (the energies' usual view). */
  static final double VI_MIN_HALF_WIDTH = 4;

  /**
   * A 2-D model fitted by variational inference beside its target: on the left the model's density
   * with samples overlaid, on the right the target density {@code exp(-U(x) - log Z)} (normalized
   * on the grid when {@code log Z} is unknown), both on the same square, which covers the samples
   * and at least {@code [-4, 4]^2}.
   *
   * @throws IllegalArgumentException if the model or target is not 2-D
   */
  static Density variational(
      FittedModel m, Target target, int points, int grid, long seed, String title) {
    if (m.dimension() != 2 || target.dimension() != 2) {
      throw new IllegalArgumentException(
          "plot --kind density: needs a model of 2 columns, but this one has "
              + m.dimension()
              + "; use --kind pairs");
    }
    Dataset samples = m.sample(Math.max(points, 2000), seed, 1.0);
    double[] r = Plots.squareRange(columnOf(samples, 0), columnOf(samples, 1));
    double half =
        Math.max(
            VI_MIN_HALF_WIDTH,
            Math.max(
                Math.max(Math.abs(r[0]), Math.abs(r[1])),
                Math.max(Math.abs(r[2]), Math.abs(r[3]))));
    double[] range = {-half, half, -half, half};
    Plots.Grid fitted = DensityGrid.evaluate(m::logProb, range, grid);
    double logZ = target.logNormalizer().orElse(0);
    Plots.Grid exact =
        DensityGrid.evaluate(
            x -> {
              try (Tape tape = Tape.noGrad()) {
                Tensor lp = target.logDensity(tape.input(x)).value();
                for (int i = 0; i < lp.size(); i++) {
                  lp.setFlat(i, (float) (lp.getFlat(i) - logZ));
                }
                return lp;
              }
            },
            range,
            grid);
    if (target.logNormalizer().isEmpty()) {
      double mass = DensityGrid.mass(exact);
      double[] d = exact.density();
      for (int i = 0; i < d.length; i++) {
        d[i] /= mass;
      }
    }
    String x = m.columnNames().get(0);
    String y = m.columnNames().get(1);
    BufferedImage left =
        Plots.density(
            title,
            x,
            y,
            fitted,
            List.of(
                Plots.points(
                    "samples of the flow (" + points + ")",
                    CommandIo.rows(samples, points),
                    points,
                    Plots.alpha(Plots.SAMPLES, 170))));
    BufferedImage right = Plots.density("Target " + target.name(), x, y, exact, List.of());
    return new Density(Plots.sideBySide(left, right), DensityGrid.mass(fitted));
  }

  /**
   * The learning curve: the mean training loss of every evaluation interval and the validation NLL
   * after it, against the step.
   *
   * @throws IllegalArgumentException if the model holds no training history
   */
  static BufferedImage curve(FittedModel m, String title) {
    TrainingResult r =
        m.trainingResult()
            .filter(t -> !t.history().isEmpty())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "plot --kind curve: the model holds no training history"));
    List<TrainingResult.HistoryEntry> h = r.history();
    double[] steps = new double[h.size()];
    double[] train = new double[h.size()];
    List<Double> vs = new ArrayList<>();
    List<Double> vn = new ArrayList<>();
    for (int i = 0; i < h.size(); i++) {
      steps[i] = h.get(i).step();
      train[i] = h.get(i).trainLoss();
      if (Double.isFinite(h.get(i).validationNll())) {
        vs.add((double) h.get(i).step());
        vn.add(h.get(i).validationNll());
      }
    }
    List<Plots.Line> lines = new ArrayList<>();
    lines.add(
        new Plots.Line("training loss (mean over each interval)", steps, train, TRAIN, false));
    if (!vs.isEmpty()) {
      lines.add(
          new Plots.Line(
              "validation NLL",
              vs.stream().mapToDouble(Double::doubleValue).toArray(),
              vn.stream().mapToDouble(Double::doubleValue).toArray(),
              Plots.SAMPLES,
              vs.size() <= 60));
    }
    return Plots.curves(title, "step", "negative log-likelihood (nats per row)", lines);
  }

  /**
   * Pairwise marginals of the first {@code dims} columns: samples of the model against the data
   * (samples only without data), the data's columns in the model's order.
   */
  static BufferedImage pairs(
      FittedModel m, Dataset data, int dims, int points, long seed, String title) {
    int k = Math.min(dims, m.dimension());
    Dataset samples = m.sample(points, seed, 1.0);
    float[][] s = CommandIo.rows(samples, points);
    float[][] d = data == null ? s : CommandIo.rows(data, points);
    return Plots.pairs(title, m.columnNames(), d, s, k);
  }

  private static double[] columnOf(Dataset d, int j) {
    float[] c = d.column(j);
    double[] out = new double[c.length];
    for (int i = 0; i < c.length; i++) {
      out[i] = c[i];
    }
    return out;
  }
}
