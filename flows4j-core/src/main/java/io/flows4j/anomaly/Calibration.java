package io.flows4j.anomaly;

import io.flows4j.io.Json;
import io.flows4j.io.JsonException;
import io.flows4j.tensor.Checks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a model needs to call a row unusual: a reference set of log-densities of rows the model
 * never trained on (sorted), and the log-density threshold below which a row is an anomaly.
 *
 * <p><b>Reference set.</b> The log-densities {@code log p(x)} of the calibration rows, sorted
 * ascending. At most {@value #MAX_REFERENCE} values are kept: from {@code n} larger than that, the
 * order statistics of ranks {@code round(i (n - 1) / (m - 1))}, {@code i = 0..m-1}, {@code m =}
 * {@value #MAX_REFERENCE} (evenly spaced quantiles, the minimum and maximum included), so every
 * percentile is within {@code 100 / (m - 1)} of what the full set gives. {@link #rows()} is the
 * number of calibration rows before this reduction.
 *
 * <p><b>Percentile</b> of a log-density {@code l}: {@code 100 #{r in reference : r <= l} / m}, the
 * percentage of the reference at or below it (ties count as at or below, so a value equal to the
 * reference minimum has percentile {@code 100 / m}, not 0; below the minimum it is 0, at or above
 * the maximum 100). A row with a low percentile is rarer than most calibration rows.
 *
 * <p><b>Threshold.</b> A row is an anomaly when {@code log p(x) < threshold} (strictly). With a
 * contamination rate {@code p} ({@link Rule#CONTAMINATION}) the threshold is the order statistic
 * {@code reference[floor(p m)]}, so at most a fraction {@code p} of the reference lies strictly
 * below it and, for fresh rows from the calibration distribution, the expected flagged fraction is
 * {@code (floor(p m) + 1) / (m + 1)}, about {@code p}; {@code p = 0} flags nothing below the
 * reference minimum. With {@link Rule#EXPLICIT} the threshold is a log-density given by the user.
 *
 * @param reference the sorted reference log-densities; 1 to {@value #MAX_REFERENCE} finite values
 * @param rows the number of calibration rows the reference was taken from, {@code >= m}
 * @param threshold the log-density threshold; finite
 * @param rule how the threshold was set
 * @param contamination the rate {@code p} in {@code [0, 1)} for {@link Rule#CONTAMINATION}; NaN for
 *     {@link Rule#EXPLICIT}
 */
@SuppressWarnings("ArrayRecordComponent") // copied in and out; never shared
public record Calibration(
    float[] reference, int rows, double threshold, Rule rule, double contamination) {

  /** The largest reference set kept (and stored in a model file). */
  public static final int MAX_REFERENCE = 10_000;

  /** The contamination rate when none is given: 1% of typical rows are flagged. */
  public static final double DEFAULT_CONTAMINATION = 0.01;

  /** The version of the JSON form ({@link #toJson}). */
  public static final int JSON_VERSION = 1;

  /** How the threshold was set. */
  public enum Rule {
    /** The {@code p}-quantile of the reference set for a contamination rate {@code p}. */
    CONTAMINATION,
    /** A log-density given explicitly. */
    EXPLICIT;

    String id() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * Checks the calibration.
   *
   * @throws IllegalArgumentException if the reference is empty, larger than {@value
   *     #MAX_REFERENCE}, not sorted or not finite; if {@code rows} is smaller than the reference;
   *     if the threshold is not finite; if the contamination is outside {@code [0, 1)} for {@link
   *     Rule#CONTAMINATION} (or not NaN for {@link Rule#EXPLICIT}); or if a contamination threshold
   *     is not the reference's quantile
   */
  public Calibration {
    Checks.requireArgument(reference != null && rule != null, "Calibration: null argument");
    reference = reference.clone();
    int m = reference.length;
    Checks.requireArgument(
        m >= 1 && m <= MAX_REFERENCE,
        "Calibration: the reference set must hold 1 to %d values, but held %d",
        MAX_REFERENCE,
        m);
    for (int i = 0; i < m; i++) {
      Checks.requireArgument(
          Float.isFinite(reference[i]),
          "Calibration: reference value %d must be finite, but was %s",
          i,
          reference[i]);
      Checks.requireArgument(
          i == 0 || reference[i - 1] <= reference[i],
          "Calibration: the reference set must be sorted ascending, but value %d (%s) is below"
              + " value %d (%s)",
          i,
          reference[i],
          i - 1,
          i == 0 ? 0 : reference[i - 1]);
    }
    Checks.requireArgument(
        rows >= m, "Calibration: rows must be >= the reference size %d, but was %d", m, rows);
    Checks.requireArgument(
        Double.isFinite(threshold), "Calibration: threshold must be finite, but was %s", threshold);
    if (rule == Rule.CONTAMINATION) {
      checkContamination("Calibration", contamination);
      double q = quantile(reference, contamination);
      Checks.requireArgument(
          threshold == q,
          "Calibration: the threshold of contamination %s must be the reference quantile %s, but"
              + " was %s",
          contamination,
          q,
          threshold);
    } else {
      Checks.requireArgument(
          Double.isNaN(contamination),
          "Calibration: contamination must be NaN for an explicit threshold, but was %s",
          contamination);
    }
  }

  /**
   * A calibration from the log-densities of calibration rows with the threshold of contamination
   * rate {@code p}.
   *
   * @param logProbs {@code log p(x)} of each calibration row (any order; copied)
   * @param contamination the rate {@code p} in {@code [0, 1)}
   * @throws IllegalArgumentException if {@code logProbs} is empty or holds a non-finite value (the
   *     model overflowed on a calibration row), or {@code p} is out of range
   */
  public static Calibration ofContamination(float[] logProbs, double contamination) {
    checkContamination("Calibration.ofContamination", contamination);
    float[] ref = reference("Calibration.ofContamination", logProbs);
    return new Calibration(
        ref, logProbs.length, quantile(ref, contamination), Rule.CONTAMINATION, contamination);
  }

  /**
   * A calibration from the log-densities of calibration rows with an explicit threshold.
   *
   * @throws IllegalArgumentException if {@code logProbs} is empty or not finite, or the threshold
   *     is not finite
   */
  public static Calibration ofThreshold(float[] logProbs, double threshold) {
    float[] ref = reference("Calibration.ofThreshold", logProbs);
    return new Calibration(ref, logProbs.length, threshold, Rule.EXPLICIT, Double.NaN);
  }

  /**
   * This reference set with the threshold of contamination rate {@code p}.
   *
   * @throws IllegalArgumentException if {@code p} is not in {@code [0, 1)}
   */
  public Calibration withContamination(double contamination) {
    checkContamination("Calibration.withContamination", contamination);
    return new Calibration(
        reference, rows, quantile(reference, contamination), Rule.CONTAMINATION, contamination);
  }

  /**
   * This reference set with an explicit threshold.
   *
   * @throws IllegalArgumentException if the threshold is not finite
   */
  public Calibration withThreshold(double threshold) {
    return new Calibration(reference, rows, threshold, Rule.EXPLICIT, Double.NaN);
  }

  /** The sorted reference log-densities (a copy). */
  @Override
  public float[] reference() {
    return reference.clone();
  }

  /** The number of reference values kept, {@code m}. */
  public int size() {
    return reference.length;
  }

  /**
   * The percentage of the reference at or below {@code logProb} (see the class comment); 0 for NaN
   * or negative infinity.
   */
  public double percentile(double logProb) {
    if (Double.isNaN(logProb)) {
      return 0;
    }
    return 100.0 * countAtOrBelow(reference, logProb) / reference.length;
  }

  /** Whether {@code logProb} is below the threshold; true for NaN (a density the model lost). */
  public boolean isAnomaly(double logProb) {
    return !(logProb >= threshold);
  }

  /**
   * The threshold of contamination rate {@code p}: the order statistic {@code sorted[floor(p m)]}.
   *
   * @param sorted values sorted ascending, at least one
   * @param contamination {@code p} in {@code [0, 1)}
   * @throws IllegalArgumentException if {@code sorted} is empty or {@code p} is out of range
   */
  public static double quantile(float[] sorted, double contamination) {
    checkContamination("Calibration.quantile", contamination);
    Checks.requireArgument(sorted.length > 0, "Calibration.quantile: no values");
    int k = (int) Math.floor(contamination * sorted.length);
    return sorted[Math.min(k, sorted.length - 1)];
  }

  /** The number of values of {@code sorted} that are {@code <= x}. */
  static int countAtOrBelow(float[] sorted, double x) {
    int lo = 0;
    int hi = sorted.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * The sorted reference of at most {@value #MAX_REFERENCE} values from {@code logProbs}: all of
   * them, or evenly spaced order statistics (see the class comment).
   */
  static float[] reference(String op, float[] logProbs) {
    Checks.requireArgument(
        logProbs.length > 0, "%s: the calibration set must have rows, but had none", op);
    float[] sorted = logProbs.clone();
    for (int i = 0; i < sorted.length; i++) {
      Checks.requireArgument(
          Float.isFinite(sorted[i]),
          "%s: the log-density of calibration row %d must be finite, but was %s (the model"
              + " overflowed there; calibrate on rows like the training data)",
          op,
          i,
          sorted[i]);
    }
    Arrays.sort(sorted);
    int n = sorted.length;
    if (n <= MAX_REFERENCE) {
      return sorted;
    }
    int m = MAX_REFERENCE;
    float[] out = new float[m];
    for (int i = 0; i < m; i++) {
      out[i] = sorted[(int) Math.round((double) i * (n - 1) / (m - 1))];
    }
    return out;
  }

  private static void checkContamination(String op, double p) {
    Checks.requireArgument(
        p >= 0 && p < 1, "%s: contamination must be in [0, 1), but was %s", op, p);
  }

  /**
   * The JSON form stored in a model file:
   *
   * <pre>{@code
   * {"version": 1, "rows": 6000, "threshold": -52.1, "rule": "contamination",
   *  "contamination": 0.01, "reference": [-80.3, -77.9, ...]}
   * }</pre>
   *
   * ({@code "contamination": null} for an explicit threshold); reference values are written in
   * float32's shortest decimal form, so they read back exactly.
   */
  public Json.Obj toJson() {
    Map<String, Json> m = new LinkedHashMap<>();
    m.put("version", Json.of(JSON_VERSION));
    m.put("rows", Json.of(rows));
    m.put("threshold", Json.of(threshold));
    m.put("rule", Json.of(rule.id()));
    m.put(
        "contamination", rule == Rule.CONTAMINATION ? Json.of(contamination) : Json.Null.INSTANCE);
    List<Json> ref = new ArrayList<>(reference.length);
    for (float v : reference) {
      ref.add(new Json.Num(Float.toString(v)));
    }
    m.put("reference", Json.array(ref));
    return Json.object(m);
  }

  /**
   * Reads the form written by {@link #toJson} and checks it as the constructor does.
   *
   * @throws IllegalArgumentException (a {@link JsonException} for a missing or mistyped member) if
   *     the form is not a valid calibration; the message says what is wrong
   */
  public static Calibration fromJson(Json.Obj o) {
    int version = o.getInt("version");
    Checks.requireArgument(
        version >= 1 && version <= JSON_VERSION,
        "calibration: version must be 1 to %d, but was %d",
        JSON_VERSION,
        version);
    String ruleText = o.getString("rule");
    Rule rule = null;
    for (Rule r : Rule.values()) {
      if (r.id().equals(ruleText)) {
        rule = r;
      }
    }
    Checks.requireArgument(
        rule != null,
        "calibration: rule must be 'contamination' or 'explicit', but was '%s'",
        ruleText);
    double contamination =
        o.get("contamination") instanceof Json.Num n ? n.doubleValue() : Double.NaN;
    Json.Arr arr = o.getArray("reference");
    float[] ref = new float[arr.size()];
    for (int i = 0; i < ref.length; i++) {
      if (!(arr.get(i) instanceof Json.Num n)) {
        throw new JsonException(
            "json: calibration.reference element "
                + i
                + " must be a number, but was "
                + arr.get(i).typeName());
      }
      ref[i] = Float.parseFloat(n.text());
    }
    try {
      return new Calibration(ref, o.getInt("rows"), o.getDouble("threshold"), rule, contamination);
    } catch (IllegalArgumentException e) {
      String msg = e.getMessage();
      throw new IllegalArgumentException(
          msg.startsWith("Calibration: ") ? "calibration: " + msg.substring(13) : msg, e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Calibration c
        && Arrays.equals(reference, c.reference)
        && rows == c.rows
        && Double.compare(threshold, c.threshold) == 0
        && rule == c.rule
        && Double.compare(contamination, c.contamination) == 0;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(reference) * 31 + Double.hashCode(threshold);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "Calibration[%d reference values from %d rows, threshold %s (%s%s)]",
        reference.length,
        rows,
        threshold,
        rule.id(),
        rule == Rule.CONTAMINATION ? " " + contamination : "");
  }
}
