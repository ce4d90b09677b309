package io.flows4j.cli;

import io.flows4j.anomaly.AnomalyScorer;
import io.flows4j.anomaly.Calibration;
import io.flows4j.data.CsvWriter;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import java.nio.file.Path;
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
          + " --contamination override it for this run. A one-line summary goes to standard"
          + " error."
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
    if (m.calibration().isEmpty() && threshold == null) {
      throw new IllegalArgumentException(
          model
              + " has no anomaly calibration; fit it with --contamination P (holds out calibration"
              + " rows), run 'flows4j calibrate --model "
              + model
              + " --data REF.csv --out M2' on typical rows it was not trained on, or give"
              + " --threshold LOGP");
    }
    Dataset d = CommandIo.readData(data, null);
    for (String c : SCORE_COLUMNS) {
      if (d.columnNames().contains(c)) {
        throw new IllegalArgumentException(
            data + " already has a column " + c + "; drop it or score another file");
      }
    }
    AnomalyScorer scorer;
    if (threshold != null) {
      scorer = AnomalyScorer.withThreshold(m, threshold);
    } else if (contamination != null) {
      Calibration c = m.calibration().orElseThrow().withContamination(contamination);
      scorer = AnomalyScorer.of(m, c);
    } else {
      scorer = AnomalyScorer.of(m);
    }
    AnomalyScorer.Scores s = scorer.score(CommandIo.modelColumns(m, d, data));
    CsvWriter.write(
        out,
        d,
        CsvWriter.column("log_prob", s.logProb()),
        CsvWriter.column("bits_per_dim", s.bitsPerDim()),
        CsvWriter.column("percentile", s.percentile()),
        CsvWriter.column("anomaly", s.anomaly()));
    String rule =
        threshold != null
            ? "given"
            : String.format(
                Locale.ROOT,
                "contamination %s",
                contamination != null
                    ? contamination
                    : m.calibration().orElseThrow().rule() == Calibration.Rule.CONTAMINATION
                        ? m.calibration().orElseThrow().contamination()
                        : "none, stored explicit threshold");
    spec.commandLine()
        .getErr()
        .printf(
            Locale.ROOT,
            "anomalies: %,d rows, %,d anomalies (%.2f%%), threshold log p < %.4f (%s); wrote %s%n",
            d.rows(),
            s.anomalies(),
            d.rows() == 0 ? 0.0 : 100.0 * s.anomalies() / d.rows(),
            s.threshold(),
            rule,
            out);
    return 0;
  }
}
