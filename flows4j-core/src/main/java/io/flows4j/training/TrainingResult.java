package io.flows4j.training;

import io.flows4j.io.Json;
import io.flows4j.io.JsonException;
import io.flows4j.tensor.Checks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a training run did: its length, the best validation point, timings and the learning curve.
 * Model files store it. Log-likelihoods are in nats per row; a value that does not exist (no
 * validation set, a non-finite evaluation) is {@code NaN} here and {@code null} in JSON.
 *
 * @param stepsRun optimizer steps taken
 * @param totalSteps steps planned
 * @param batchSize rows per minibatch actually used (the configured size, capped at the rows)
 * @param trainRows rows trained on
 * @param validationRows rows evaluated for validation (0 for none)
 * @param bestStep the step of the best validation NLL, 0 without validation
 * @param bestValidationNll the best mean validation negative log-likelihood
 * @param finalTrainLoss mean minibatch loss over the last evaluation interval
 * @param trainSeconds wall time of the whole run, evaluations included
 * @param secPerStepMedian median wall time of one step (batch, forward, backward, update)
 * @param stopReason why training ended
 * @param restoredBest whether the parameters were reset to those of {@code bestStep}
 * @param inputNoise the input noise used, relative to each column's spread (see {@link
 *     TrainingConfig#inputNoise()})
 * @param history one entry per evaluation interval
 */
public record TrainingResult(
    int stepsRun,
    int totalSteps,
    int batchSize,
    int trainRows,
    int validationRows,
    int bestStep,
    double bestValidationNll,
    double finalTrainLoss,
    double trainSeconds,
    double secPerStepMedian,
    StopReason stopReason,
    boolean restoredBest,
    double inputNoise,
    List<HistoryEntry> history) {

  /** Why a run ended. */
  public enum StopReason {
    /** Every planned step ran. */
    COMPLETED,
    /** The validation NLL did not improve for {@code patienceSteps} steps. */
    EARLY_STOPPED,
    /** The training thread was interrupted; the run ended after the step under way. */
    INTERRUPTED,
    /** A loss or gradient was NaN or infinite (see {@link NonFiniteTrainingException}). */
    NON_FINITE;

    String jsonName() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /**
   * One point of the learning curve.
   *
   * @param step the step at the end of the interval
   * @param trainLoss mean minibatch loss over the interval
   * @param validationNll mean validation NLL after the step, {@code NaN} when not evaluated
   * @param learningRate the learning rate of the interval's last step
   */
  public record HistoryEntry(
      int step, double trainLoss, double validationNll, double learningRate) {}

  /** Validates the counts and copies the history. */
  public TrainingResult {
    Checks.requireArgument(
        stepsRun >= 0 && totalSteps >= 0 && batchSize >= 0 && trainRows >= 0,
        "TrainingResult: counts must be >= 0");
    Checks.requireArgument(stopReason != null, "TrainingResult: stop reason must not be null");
    history = List.copyOf(history);
  }

  /** The number of passes over the training rows: {@code stepsRun * batchSize / trainRows}. */
  public double epochsRun() {
    return trainRows == 0 ? 0 : (double) stepsRun * batchSize / trainRows;
  }

  /** This result as a JSON object (stored in model files). */
  public Json.Obj toJson() {
    Map<String, Json> m = new LinkedHashMap<>();
    m.put("steps_run", Json.of(stepsRun));
    m.put("total_steps", Json.of(totalSteps));
    m.put("batch_size", Json.of(batchSize));
    m.put("train_rows", Json.of(trainRows));
    m.put("validation_rows", Json.of(validationRows));
    m.put("epochs_run", number(epochsRun()));
    m.put("best_step", Json.of(bestStep));
    m.put("best_validation_nll", number(bestValidationNll));
    m.put("final_train_loss", number(finalTrainLoss));
    m.put("train_sec", number(trainSeconds));
    m.put("sec_per_step_median", number(secPerStepMedian));
    m.put("stop_reason", Json.of(stopReason.jsonName()));
    m.put("restored_best", Json.of(restoredBest));
    m.put("input_noise", Json.of(inputNoise));
    List<Json> h = new ArrayList<>(history.size());
    for (HistoryEntry e : history) {
      h.add(
          Json.array(
              List.of(
                  Json.of(e.step()),
                  number(e.trainLoss()),
                  number(e.validationNll()),
                  number(e.learningRate()))));
    }
    m.put("history_columns", Json.array(columns()));
    m.put("history", Json.array(h));
    return Json.object(m);
  }

  private static List<Json> columns() {
    return List.of(
        Json.of("step"), Json.of("train_loss"), Json.of("validation_nll"), Json.of("lr"));
  }

  /**
   * Reads a result written by {@link #toJson()}.
   *
   * @throws JsonException if a member is missing or has the wrong type
   * @throws IllegalArgumentException if a value is out of range
   */
  public static TrainingResult fromJson(Json.Obj o) {
    String reasonName = o.getString("stop_reason");
    StopReason reason = null;
    for (StopReason r : StopReason.values()) {
      if (r.jsonName().equals(reasonName)) {
        reason = r;
      }
    }
    Checks.requireArgument(reason != null, "TrainingResult: unknown stop reason '%s'", reasonName);
    Json.Arr rows = o.getArray("history");
    List<HistoryEntry> h = new ArrayList<>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      if (!(rows.get(i) instanceof Json.Arr r) || r.size() != 4) {
        throw new JsonException("json: history entry " + i + " must be an array of 4 numbers");
      }
      h.add(
          new HistoryEntry(
              integer(r.get(0), i), value(r.get(1), i), value(r.get(2), i), value(r.get(3), i)));
    }
    return new TrainingResult(
        o.getInt("steps_run"),
        o.getInt("total_steps"),
        o.getInt("batch_size"),
        o.getInt("train_rows"),
        o.getInt("validation_rows"),
        o.getInt("best_step"),
        value(o.get("best_validation_nll"), -1),
        value(o.get("final_train_loss"), -1),
        value(o.get("train_sec"), -1),
        value(o.get("sec_per_step_median"), -1),
        reason,
        o.getBoolean("restored_best"),
        o.getDouble("input_noise"),
        h);
  }

  /** A number, or JSON {@code null} for NaN and infinities (JSON has no such numbers). */
  static Json number(double v) {
    return Double.isFinite(v) ? Json.of(v) : Json.Null.INSTANCE;
  }

  private static double value(Json v, int entry) {
    if (v instanceof Json.Null) {
      return Double.NaN;
    }
    if (v instanceof Json.Num n) {
      return n.doubleValue();
    }
    throw new JsonException(
        "json: "
            + (entry >= 0 ? "history entry " + entry + ": " : "")
            + "value must be a number or null, but was "
            + v.typeName());
  }

  private static int integer(Json v, int entry) {
    if (v instanceof Json.Num n) {
      return n.intValue();
    }
    throw new JsonException(
        "json: history entry " + entry + ": step must be a number, but was " + v.typeName());
  }
}
