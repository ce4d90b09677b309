package io.flows4j.speech.corpus;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Length-bucketed minibatches: the utterances sorted by their number of frames are cut into
 * consecutive batches, so that a batch pads little, and the order of the batches is shuffled every
 * epoch (a seeded permutation). Every utterance is in exactly one batch per epoch; the last batch
 * may be smaller.
 */
public final class LengthBuckets {
  private final int[][] batches;

  /**
   * Buckets utterances of the given lengths.
   *
   * @param lengths the length (frames) of each utterance
   * @param batchSize utterances per batch, at least 1
   * @throws IllegalArgumentException if there is no utterance or the batch size is below 1
   */
  public LengthBuckets(int[] lengths, int batchSize) {
    Checks.requireArgument(lengths.length > 0, "LengthBuckets: there must be utterances");
    Checks.requireArgument(
        batchSize >= 1, "LengthBuckets: batch size must be >= 1, but was %d", batchSize);
    Integer[] order = new Integer[lengths.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    // Stable: equal lengths keep their corpus order, so the buckets do not depend on the sort.
    Arrays.sort(order, Comparator.comparingInt(i -> lengths[i]));
    int n = (lengths.length + batchSize - 1) / batchSize;
    batches = new int[n][];
    for (int b = 0; b < n; b++) {
      int from = b * batchSize;
      int to = Math.min(lengths.length, from + batchSize);
      batches[b] = new int[to - from];
      for (int k = from; k < to; k++) {
        batches[b][k - from] = order[k];
      }
    }
  }

  /** The number of batches in an epoch. */
  public int batchesPerEpoch() {
    return batches.length;
  }

  /** The batches of one epoch, as utterance indexes, in an order drawn from {@code rng}. */
  public List<int[]> epoch(Rng rng) {
    int[] perm = new int[batches.length];
    for (int i = 0; i < perm.length; i++) {
      perm[i] = i;
    }
    for (int i = perm.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    List<int[]> out = new ArrayList<>(batches.length);
    for (int p : perm) {
      out.add(batches[p].clone());
    }
    return out;
  }
}
