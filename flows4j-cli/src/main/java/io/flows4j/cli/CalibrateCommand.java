package io.flows4j.cli;

import io.flows4j.anomaly.Calibration;
import io.flows4j.model.FittedModel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flows4j calibrate}: stores an anomaly calibration in a fitted model. */
@Command(
    name = "calibrate",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Calibrates the anomaly threshold of a fitted model on reference rows it was not trained on"
          + " (typical data, held out from training): stores their log-densities (at most"
          + " 10,000 quantiles) and the threshold, the P-quantile of them, in a new model file.",
      "The 'anomalies' command then flags rows whose log-density is below the threshold.",
      "For a conditional model the reference file holds the context columns too; the"
          + " log-densities are log p(x | c) at each row's context."
    })
final class CalibrateCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "MODEL", description = "Model file.")
  Path model;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "REF.csv",
      description = "Reference rows: typical data the model was not trained on.")
  Path data;

  @Option(
      names = "--contamination",
      paramLabel = "P",
      description =
          "Fraction of typical rows to flag; the threshold is their P-quantile (default: "
              + Calibration.DEFAULT_CONTAMINATION
              + ").")
  double contamination = Calibration.DEFAULT_CONTAMINATION;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "MODEL2",
      description = "The calibrated model file (may be the same as --model).")
  Path out;

  @Override
  public Integer call() {
    if (!(contamination >= 0 && contamination < 1)) {
      throw new IllegalArgumentException(
          "--contamination must be in [0, 1), but was " + contamination);
    }
    CommandIo.requireWritable("--out", out);
    FittedModel m = CommandIo.loadModel(model);
    float[] lp = CommandIo.logProbs(m, data);
    for (int i = 0; i < lp.length; i++) {
      if (!Float.isFinite(lp[i])) {
        throw new IllegalArgumentException(
            data
                + ": row "
                + (i + 1)
                + " has log-density "
                + lp[i]
                + " under the model; reference rows must be typical data it can score");
      }
    }
    Calibration c = Calibration.ofContamination(lp, contamination);
    FittedModel calibrated = m.withCalibration(c);
    CommandIo.saveModel(calibrated, out);
    spec.commandLine()
        .getErr()
        .printf(
            Locale.ROOT,
            "calibrate: %,d reference rows, contamination %s, threshold log p = %.4f; wrote %s%n",
            lp.length,
            contamination,
            c.threshold(),
            out);
    return 0;
  }
}
