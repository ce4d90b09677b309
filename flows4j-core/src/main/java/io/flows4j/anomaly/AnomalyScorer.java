package io.flows4j.anomaly;

import io.flows4j.data.Dataset;
import io.flows4j.flows.Flow;
import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Checks;
import io.flows4j.training.TrainingConfig;
import io.flows4j.training.TrainingListener;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Scores rows by how unusual they are under a fitted model's exact density: per row the log-density
 * {@code log p(x)} (nats), bits per dimension {@code -log p(x) / (D ln 2)}, the percentile of
 * {@code log p(x)} in the calibration's reference set and the anomaly flag {@code log p(x) <
 * threshold} ({@link Calibration}).
 *
 * <pre>{@code
 * FittedModel model = AnomalyScorer.fit(flow, data, true, TrainingConfig.defaults(), 0.1, 0.01, null);
 * AnomalyScorer.Scores s = AnomalyScorer.of(model).score(newRows);
 * }</pre>
 *
 * <p>A flow's density ranks rows by how typical they are of the training data; in high dimensions
 * that is not the same as how far they are from it (Nalisnick et al. 2019, "Do deep generative
 * models know what they don't know?"), so a calibration on held-out rows of the training
 * distribution, rather than a fixed log-density, sets the threshold.
 */
public final class AnomalyScorer {
  /**
   * Mixed into the seed for the calibration hold-out, so that it is drawn independently of the
   * validation split and the minibatch stream that use the same seed.
   */
  static final long CALIBRATION_SEED_MIX = 0x2545F4914F6CDD1DL;

  /**
   * The fraction of the rows {@code fit --contamination} holds out for calibration when {@code
   * --calibration} is not given: 10%, as the validation split, which on 1,000 rows leaves 100
   * reference values (a percentile step of 1%).
   */
  public static final double DEFAULT_CALIBRATION_FRACTION = 0.1;

  private final FittedModel model;
  private final Calibration calibration;
  private final double threshold;

  private AnomalyScorer(FittedModel model, Calibration calibration, double threshold) {
    this.model = model;
    this.calibration = calibration;
    this.threshold = threshold;
  }

  /**
   * A scorer with the model's stored calibration.
   *
   * @throws IllegalArgumentException if the model has no calibration
   */
  public static AnomalyScorer of(FittedModel model) {
    Calibration c =
        model
            .calibration()
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "AnomalyScorer: the model has no calibration; calibrate it on rows it was"
                            + " not trained on (AnomalyScorer.calibrate) or give a threshold"));
    return new AnomalyScorer(model, c, c.threshold());
  }

  /**
   * A scorer with the given calibration (its reference set and threshold), ignoring the model's.
   */
  public static AnomalyScorer of(FittedModel model, Calibration calibration) {
    Checks.requireArgument(calibration != null, "AnomalyScorer: calibration must not be null");
    return new AnomalyScorer(model, calibration, calibration.threshold());
  }

  /**
   * A scorer with an explicit log-density threshold; percentiles come from the model's calibration
   * when it has one, else they are NaN.
   *
   * @throws IllegalArgumentException if the threshold is not finite
   */
  public static AnomalyScorer withThreshold(FittedModel model, double threshold) {
    Checks.requireArgument(
        Double.isFinite(threshold),
        "AnomalyScorer: threshold must be a finite log-density, but was %s",
        threshold);
    Calibration c = model.calibration().map(k -> k.withThreshold(threshold)).orElse(null);
    return new AnomalyScorer(model, c, threshold);
  }

  /** The model scored against. */
  public FittedModel model() {
    return model;
  }

  /** The calibration in use, if any (none only for {@link #withThreshold} without one). */
  public Optional<Calibration> calibration() {
    return Optional.ofNullable(calibration);
  }

  /** The log-density below which a row is an anomaly. */
  public double threshold() {
    return threshold;
  }

  /**
   * Scores every row of {@code data} under an unconditional model.
   *
   * @throws IllegalArgumentException if the model is conditional (use {@link #score(Dataset, Map)})
   * @throws io.flows4j.tensor.ShapeMismatchException if the data's columns do not match the model's
   */
  public Scores score(Dataset data) {
    return scoreLogProbs(model.logProb(data));
  }

  /**
   * Scores every row of {@code data} at its context under a conditional model: the log-density is
   * {@code log p(x | c)}, compared with the threshold and reference set calibrated on {@code log
   * p(x | c)} of reference rows at their own contexts.
   *
   * @param data the data columns
   * @param rawContext the raw context values by column name, one per row
   * @throws IllegalArgumentException if the model is not conditional, or a context column is
   *     missing or holds an unknown label
   * @throws io.flows4j.tensor.ShapeMismatchException if the data's columns do not match the model's
   */
  public Scores score(Dataset data, Map<String, String[]> rawContext) {
    return scoreLogProbs(model.logProb(data, rawContext));
  }

  private Scores scoreLogProbs(float[] lp) {
    int n = lp.length;
    double[] bpd = new double[n];
    double[] pct = new double[n];
    boolean[] flag = new boolean[n];
    double perDim = model.dimension() * Math.log(2);
    int count = 0;
    for (int i = 0; i < n; i++) {
      bpd[i] = -lp[i] / perDim;
      pct[i] = calibration == null ? Double.NaN : calibration.percentile(lp[i]);
      flag[i] = !(lp[i] >= threshold);
      if (flag[i]) {
        count++;
      }
    }
    return new Scores(lp, bpd, pct, flag, count, threshold);
  }

  /**
   * The scores of {@link #score}, one entry per row.
   *
   * @param logProb {@code log p(x)} in nats (NaN or {@code -Infinity} where the model overflowed)
   * @param bitsPerDim {@code -log p(x) / (D ln 2)}
   * @param percentile percentage of the reference set at or below {@code log p(x)}, NaN without a
   *     reference set
   * @param anomaly {@code log p(x) < threshold}, or {@code log p(x)} NaN
   * @param anomalies the number of anomalies
   * @param threshold the threshold used
   */
  @SuppressWarnings("ArrayRecordComponent") // columns of results, handed over, not shared
  public record Scores(
      float[] logProb,
      double[] bitsPerDim,
      double[] percentile,
      boolean[] anomaly,
      int anomalies,
      double threshold) {}

  /**
   * The model with a calibration computed on {@code reference} (rows it was not trained on) and the
   * threshold of contamination rate {@code p}.
   *
   * @throws IllegalArgumentException if the reference has no rows, a log-density is not finite or
   *     {@code p} is not in {@code [0, 1)}
   * @throws io.flows4j.tensor.ShapeMismatchException if the columns do not match the model's
   */
  public static FittedModel calibrate(FittedModel model, Dataset reference, double contamination) {
    return model.withCalibration(
        Calibration.ofContamination(model.logProb(reference), contamination));
  }

  /**
   * The conditional model with a calibration computed on {@code log p(x | c)} of reference rows at
   * their contexts (rows it was not trained on) and the threshold of contamination rate {@code p}.
   * One threshold serves every context: a row is an anomaly when it is unlikely at its own context,
   * compared with how likely typical rows are at theirs.
   *
   * @throws IllegalArgumentException if the model is not conditional, the reference has no rows, a
   *     log-density is not finite, a context is missing or unknown, or {@code p} is not in {@code
   *     [0, 1)}
   * @throws io.flows4j.tensor.ShapeMismatchException if the columns do not match the model's
   */
  public static FittedModel calibrate(
      FittedModel model,
      Dataset reference,
      Map<String, String[]> rawContext,
      double contamination) {
    return model.withCalibration(
        Calibration.ofContamination(model.logProb(reference, rawContext), contamination));
  }

  /**
   * The rows kept for training and those held out for calibration, as indexes in increasing order.
   *
   * @param train indexes of the rows left for training and validation
   * @param calibration indexes of the held-out calibration rows
   */
  @SuppressWarnings("ArrayRecordComponent") // index lists, handed over, not shared
  public record HoldOut(int[] train, int[] calibration) {
    /** The rows of {@code values} at the training indexes. */
    public Map<String, String[]> trainRows(Map<String, String[]> values) {
      return rowsOf(values, train);
    }

    /** The rows of {@code values} at the calibration indexes. */
    public Map<String, String[]> calibrationRows(Map<String, String[]> values) {
      return rowsOf(values, calibration);
    }

    private static Map<String, String[]> rowsOf(Map<String, String[]> values, int[] rows) {
      Map<String, String[]> out = new LinkedHashMap<>();
      for (Map.Entry<String, String[]> e : values.entrySet()) {
        String[] column = new String[rows.length];
        for (int i = 0; i < rows.length; i++) {
          column[i] = e.getValue()[rows[i]];
        }
        out.put(e.getKey(), column);
      }
      return out;
    }
  }

  /**
   * The rows {@link #holdOut} would hold out of {@code rows} rows, as indexes, so that data and its
   * context columns can be split alike.
   *
   * @throws IllegalArgumentException as {@link #holdOut}
   */
  public static HoldOut holdOutRows(int rows, double fraction, long seed) {
    int[] index = new int[rows];
    for (int i = 0; i < rows; i++) {
      index[i] = i;
    }
    Dataset.Split s =
        holdOut(Dataset.of(List.of("row"), new float[rows]).withLabels(index), fraction, seed);
    return new HoldOut(s.train().labels(), s.validation().labels());
  }

  /**
   * Splits off the calibration rows: a seeded random fraction of {@code data}, drawn before (and
   * independently of) the training/validation split, so that they are seen by neither.
   *
   * @return {@code train} = the rows left for training and validation, {@code validation} = the
   *     calibration rows
   * @throws IllegalArgumentException if {@code fraction} is not in {@code (0, 1)} or either part
   *     would be empty
   */
  public static Dataset.Split holdOut(Dataset data, double fraction, long seed) {
    Checks.requireArgument(
        fraction > 0 && fraction < 1,
        "AnomalyScorer.holdOut: the calibration fraction must be in (0, 1), but was %s",
        fraction);
    return data.split(fraction, seed ^ CALIBRATION_SEED_MIX);
  }

  /**
   * Fits {@code flow} as {@link FittedModel#fit} does on all but a held-out fraction of {@code
   * data} ({@link #holdOut}, seeded with the configuration's seed), then calibrates the model on
   * the held-out rows with contamination rate {@code p}.
   *
   * @param calibrationFraction the fraction of rows held out for calibration, in {@code (0, 1)}
   * @param contamination the contamination rate {@code p} in {@code [0, 1)}
   * @throws IllegalArgumentException if a fraction is out of range, or the calibration
   *     log-densities are not finite
   * @see FittedModel#fit
   */
  public static FittedModel fit(
      Flow flow,
      Dataset data,
      boolean standardize,
      TrainingConfig config,
      double calibrationFraction,
      double contamination,
      TrainingListener listener) {
    Checks.requireArgument(
        contamination >= 0 && contamination < 1,
        "AnomalyScorer.fit: contamination must be in [0, 1), but was %s",
        contamination);
    Dataset.Split s = holdOut(data, calibrationFraction, config.seed());
    FittedModel m = FittedModel.fit(flow, s.train(), null, standardize, config, listener);
    return calibrate(m, s.validation(), contamination);
  }
}
