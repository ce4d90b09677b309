package io.flows4j.cli;

import io.flows4j.anomaly.AnomalyScorer;
import io.flows4j.anomaly.Calibration;
import io.flows4j.data.CsvWriter;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j anomalies}: scores rows and flags those below the model's threshold. */
@Command(
    name = "anomalies",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Scores every row of a CSV file under a calibrated model and flags anomalies: writes the"
          + " input columns then log_prob (nats), bits_per_dim (-log_prob / (D ln 2)), percentile"
          + " (percentage of the calibration rows' log-densities at or below the row's) and"
          + " anomaly (true when log_prob is below the threshold).",
      "The threshold is the one stored by 'fit --contamination P' or 'calibrate'; --threshold or"
          + " --contamination override it for this run, --reference recalibrates on other typical"
          + " rows. A one-line summary goes to standard error.",
      "For a conditional model the file holds the context columns too; the scores are"
          + " log p(x | c) at each row's context, and the context columns are written after the"
          + " data columns."
    })
final class AnomaliesCommand implements Callable<Integer> {
  /** The columns written after the input's. */
  static final List<String> SCORE_COLUMNS =
      List.of("log_prob", "bits_per_dim", "percentile", "anomaly");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model file.")
  Path model;

  @Option(names = "--data", required = true, paramLabel = "X.csv", description = "Data to score.")
  Path data;

  @CommandLine.ArgGroup(exclusive = true, multiplicity = "0..1")
  ThresholdChoice override;

  static final class ThresholdChoice {
    @Option(
        names = "--threshold",
        paramLabel = "Q",
        description = "Flag rows with log p(x) < Q (nats) instead of the stored threshold.")
    Double threshold;

    @Option(
        names = "--contamination",
        paramLabel = "P",
        description =
            "Flag rows below the P-quantile of the stored calibration log-densities instead.")
    Double contamination;
  }

  @Option(
      names = "--out",
      required = true,
      paramLabel = "SCORES.csv",
      description = "Output CSV (gzipped if it ends in .gz).")
  Path out;

  @Option(
      names = "--reference",
      paramLabel = "REF.csv",
      description =
          "Typical rows the model was not trained on: percentiles (and the threshold of"
              + " --contamination, default the stored rate or 0.01) come from their log-densities"
              + " in this run instead of the stored calibration.")
  Path reference;

  @Override
  public Integer call() {
    CommandIo.requireWritable("--out", out);
    Double threshold = override == null ? null : override.threshold;
    Double contamination = override == null ? null : override.contamination;
    if (threshold != null && !Double.isFinite(threshold)) {
      throw new IllegalArgumentException(
          "--threshold must be a finite log-density, but was " + threshold);
    }
    if (contamination != null && !(contamination >= 0 && contamination < 1)) {
      throw new IllegalArgumentException(
          "--contamination must be in [0, 1), but was " + contamination);
    }
    FittedModel m = CommandIo.loadModel(model);
    if (m.calibration().isEmpty() && threshold == null && reference == null) {
      throw new IllegalArgumentException(
          model
              + " has no anomaly calibration; fit it with --contamination P (holds out calibration"
              + " rows), run 'flows4j calibrate --model "
              + model
              + " --data REF.csv --out M2' on typical rows it was not trained on, or give"
              + " --reference REF.csv or --threshold LOGP");
    }
    Calibration calibration = calibration(m, threshold, contamination);
    AnomalyScorer scorer =
        calibration != null
            ? AnomalyScorer.of(m, calibration)
            : AnomalyScorer.withThreshold(m, threshold);
    Dataset d;
    AnomalyScorer.Scores s;
    CsvWriter.Column[] context;
    if (m.isConditional()) {
      CommandIo.WithContext in = CommandIo.readWithContext(m, data);
      d = in.data();
      requireNoScoreColumns(d);
      s = scorer.score(d, in.context());
      context = CommandIo.contextColumns(m.contextEncoding().orElseThrow(), in.context());
    } else {
      d = CommandIo.readData(data, null);
      requireNoScoreColumns(d);
      s = scorer.score(CommandIo.modelColumns(m, d, data));
      context = new CsvWriter.Column[0];
    }
    List<CsvWriter.Column> columns = new ArrayList<>(Arrays.asList(context));
    columns.add(CsvWriter.column("log_prob", s.logProb()));
    columns.add(CsvWriter.column("bits_per_dim", s.bitsPerDim()));
    columns.add(
        calibration != null
            ? CsvWriter.column("percentile", s.percentile())
            : CsvWriter.column("percentile", emptyCells(d.rows())));
    columns.add(CsvWriter.column("anomaly", s.anomaly()));
    CsvWriter.write(out, d, columns.toArray(new CsvWriter.Column[0]));
    String rule;
    if (threshold != null) {
      rule = "given";
    } else if (calibration.rule() == Calibration.Rule.CONTAMINATION) {
      rule = String.format(Locale.ROOT, "contamination %s", calibration.contamination());
    } else {
      rule = "stored explicit threshold";
    }
    String percentiles =
        calibration == null
            ? "no reference rows, percentile left empty (give --reference REF.csv)"
            : reference != null
                ? String.format(
                    Locale.ROOT, "%,d reference rows from %s", calibration.rows(), reference)
                : String.format(Locale.ROOT, "%,d stored reference rows", calibration.rows());
    spec.commandLine()
        .getErr()
        .printf(
            Locale.ROOT,
            "anomalies: %,d rows, %,d anomalies (%.2f%%), threshold log p < %.4f (%s; %s); wrote"
                + " %s%n",
            d.rows(),
            s.anomalies(),
            d.rows() == 0 ? 0.0 : 100.0 * s.anomalies() / d.rows(),
            s.threshold(),
            rule,
            percentiles,
            out);
    return 0;
  }

  /**
   * The calibration of this run: from {@code --reference} when given, else the stored one, with
   * {@code --threshold} or {@code --contamination} applied; {@code null} when there is neither (a
   * bare {@code --threshold}).
   */
  private Calibration calibration(FittedModel m, Double threshold, Double contamination) {
    Calibration base;
    if (reference != null) {
      float[] lp = CommandIo.logProbs(m, reference);
      double p =
          contamination != null
              ? contamination
              : m.calibration()
                  .filter(c -> c.rule() == Calibration.Rule.CONTAMINATION)
                  .map(Calibration::contamination)
                  .orElse(Calibration.DEFAULT_CONTAMINATION);
      try {
        base = Calibration.ofContamination(lp, p);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--reference " + reference + ": " + e.getMessage(), e);
      }
    } else {
      base = m.calibration().orElse(null);
    }
    if (base == null) {
      return null;
    }
    if (threshold != null) {
      return base.withThreshold(threshold);
    }
    if (contamination != null && reference == null) {
      return base.withContamination(contamination);
    }
    return base;
  }

  private static String[] emptyCells(int rows) {
    String[] cells = new String[rows];
    Arrays.fill(cells, "");
    return cells;
  }

  private void requireNoScoreColumns(Dataset d) {
    for (String c : SCORE_COLUMNS) {
      if (d.columnNames().contains(c)) {
        throw new IllegalArgumentException(
            data + " already has a column " + c + "; drop it or score another file");
      }
    }
  }
}
