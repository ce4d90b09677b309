/**
 * Anomaly and novelty detection with fitted flows: how unusual a row is under a model's exact
 * density.
 *
 * <ul>
 *   <li>{@link io.flows4j.anomaly.Calibration}: a sorted reference set of log-densities of rows the
 *       model never trained on, and the log-density threshold below which a row is flagged (set
 *       from a contamination rate or given explicitly); stored in the model file.
 *   <li>{@link io.flows4j.anomaly.AnomalyScorer}: per-row log-density, bits per dimension,
 *       percentile against the reference set and the anomaly flag; fitting with a held-out
 *       calibration set and calibrating a fitted model.
 *   <li>{@link io.flows4j.anomaly.Auroc}: the exact area under the ROC curve of a score, for
 *       measuring a detector.
 * </ul>
 */
package io.flows4j.anomaly;
