package io.flows4j.anomaly;

import io.flows4j.tensor.Checks;
import java.util.Arrays;

/**
 * The area under the ROC curve of a score that should be higher for positives than for negatives,
 * computed exactly from ranks (the Mann-Whitney U statistic):
 *
 * <pre>{@code
 * AUROC = (1 / (P N)) sum_{i positive} sum_{j negative} ([s_i > s_j] + 0.5 [s_i = s_j])
 * }</pre>
 *
 * <p>It is the probability that a random positive scores above a random negative, ties counted
 * half: 1 for a perfect detector, 0.5 for a useless one. Computed in {@code O(n log n)} by sorting
 * the scores and giving every group of tied scores the mean of its ranks.
 */
public final class Auroc {
  private Auroc() {}

  /**
   * The AUROC of {@code scores} for the labels {@code positive}.
   *
   * @param scores one score per item, higher meaning more likely positive; must not be NaN
   * @param positive one label per item
   * @return the AUROC in {@code [0, 1]}
   * @throws IllegalArgumentException if the arrays differ in length, a score is NaN, or there is no
   *     positive or no negative item
   */
  public static double of(double[] scores, boolean[] positive) {
    int n = scores.length;
    Checks.requireArgument(
        positive.length == n,
        "Auroc.of: labels must be one per score (%d), but were %d",
        n,
        positive.length);
    Integer[] order = new Integer[n];
    long p = 0;
    for (int i = 0; i < n; i++) {
      Checks.requireArgument(!Double.isNaN(scores[i]), "Auroc.of: score %d must not be NaN", i);
      order[i] = i;
      if (positive[i]) {
        p++;
      }
    }
    long negatives = n - p;
    Checks.requireArgument(
        p > 0 && negatives > 0,
        "Auroc.of: there must be positives and negatives, but there were %d and %d",
        p,
        negatives);
    Arrays.sort(order, (a, b) -> Double.compare(scores[a], scores[b]));
    // Sum of the (1-based, tie-averaged) ranks of the positives.
    double rankSum = 0;
    for (int i = 0; i < n; ) {
      int j = i;
      while (j + 1 < n && scores[order[j + 1]] == scores[order[i]]) {
        j++;
      }
      double meanRank = (i + 1 + j + 1) / 2.0;
      for (int k = i; k <= j; k++) {
        if (positive[order[k]]) {
          rankSum += meanRank;
        }
      }
      i = j + 1;
    }
    double u = rankSum - p * (p + 1) / 2.0;
    return u / ((double) p * negatives);
  }
}
