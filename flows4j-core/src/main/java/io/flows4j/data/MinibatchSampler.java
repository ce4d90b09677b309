package io.flows4j.data;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.SplittableRandom;

/**
 * Draws seeded minibatches of rows from a {@link Dataset} into a buffer the caller owns and reuses,
 * so that a training step allocates nothing here.
 *
 * <p>Two schemes:
 *
 * <ul>
 *   <li>{@link #withReplacement}: every row of every batch is drawn uniformly and independently,
 *       {@code i ~ U{0, ..., N-1}} (the protocol of the benchmarks);
 *   <li>{@link #shuffledEpochs}: the rows are visited in a fresh random permutation every epoch,
 *       and batches are cut from the concatenation of these permutations, so every batch has the
 *       full size and every row appears exactly once per epoch (a batch may straddle two epochs).
 * </ul>
 *
 * Both use {@link SplittableRandom} seeded with the given seed: the same seed, dataset size and
 * batch size always give the same sequence of batches. A sampler is not thread-safe.
 */
public final class MinibatchSampler {
  private final float[] values;
  private final int[] labels;
  private final int rows;
  private final int columns;
  private final int batch;
  private final boolean replacement;
  private final SplittableRandom random;
  private final int[] indices;
  private final int[] order;
  private int cursor;
  private long epochs;
  private long steps;

  private MinibatchSampler(Dataset data, int batch, long seed, boolean replacement) {
    Checks.requirePositive(batch, "MinibatchSampler", "batch");
    Checks.requireArgument(data.rows() > 0, "MinibatchSampler: the dataset must have rows");
    this.values = data.values();
    this.labels = data.labelsOrNull();
    this.rows = data.rows();
    this.columns = data.columns();
    this.batch = batch;
    this.replacement = replacement;
    this.random = new SplittableRandom(seed);
    this.indices = new int[batch];
    this.order = replacement ? null : permutation(rows, random);
  }

  /**
   * A sampler that draws every row of a batch uniformly with replacement.
   *
   * @throws IllegalArgumentException if {@code batch <= 0} or the dataset has no rows
   */
  public static MinibatchSampler withReplacement(Dataset data, int batch, long seed) {
    return new MinibatchSampler(data, batch, seed, true);
  }

  /**
   * A sampler that cuts batches from a new random permutation of the rows every epoch.
   *
   * @throws IllegalArgumentException if {@code batch <= 0} or the dataset has no rows
   */
  public static MinibatchSampler shuffledEpochs(Dataset data, int batch, long seed) {
    return new MinibatchSampler(data, batch, seed, false);
  }

  /** The number of rows in each batch. */
  public int batchSize() {
    return batch;
  }

  /** The number of batches drawn so far. */
  public long steps() {
    return steps;
  }

  /** The number of complete passes over the rows so far (always 0 with replacement). */
  public long completedEpochs() {
    return epochs;
  }

  /**
   * Draws the next batch into {@code out}, of shape {@code [batch, D]} (or any shape with {@code
   * batch} rows of {@code D} values, such as {@code [batch, 1, H, W]} for images).
   *
   * @return {@code out}
   * @throws ShapeMismatchException if {@code out} does not hold {@code batch} rows of {@code D}
   */
  public Tensor next(Tensor out) {
    Checks.requireShape(
        out.rank() >= 2 && out.dim(0) == batch && out.shape().rowSize() == columns,
        "MinibatchSampler.next: the buffer must hold %d rows of %d values, but was %s",
        batch,
        columns,
        out.shape());
    drawIndices();
    float[] dst = out.data();
    int at = out.offset();
    for (int k = 0; k < batch; k++) {
      System.arraycopy(values, indices[k] * columns, dst, at, columns);
      at += columns;
    }
    steps++;
    return out;
  }

  /**
   * Draws the next batch into {@code out} (as {@link #next(Tensor)}) and the rows' labels into
   * {@code labelsOut}, of length {@code batch}.
   *
   * @return {@code out}
   * @throws IllegalStateException if the dataset has no labels
   * @throws ShapeMismatchException if a buffer has the wrong size
   */
  public Tensor next(Tensor out, int[] labelsOut) {
    if (labels == null) {
      throw new IllegalStateException("MinibatchSampler.next: the dataset has no labels");
    }
    Checks.requireShape(
        labelsOut.length == batch,
        "MinibatchSampler.next: the label buffer must hold %d labels, but holds %d",
        batch,
        labelsOut.length);
    next(out);
    for (int k = 0; k < batch; k++) {
      labelsOut[k] = labels[indices[k]];
    }
    return out;
  }

  /**
   * The dataset row behind row {@code k} of the last batch.
   *
   * @throws IndexOutOfBoundsException if {@code k} is not in {@code [0, batch)}
   */
  public int lastIndex(int k) {
    if (k < 0 || k >= batch) {
      throw new IndexOutOfBoundsException(
          "MinibatchSampler.lastIndex: k must be in [0, " + batch + "), but was " + k);
    }
    return indices[k];
  }

  private void drawIndices() {
    if (replacement) {
      for (int k = 0; k < batch; k++) {
        indices[k] = random.nextInt(rows);
      }
      return;
    }
    for (int k = 0; k < batch; k++) {
      indices[k] = order[cursor++];
      if (cursor == rows) {
        epochs++;
        shuffle(order, random);
        cursor = 0;
      }
    }
  }

  /** A uniformly random permutation of {@code 0..n-1} (Fisher-Yates). */
  static int[] permutation(int n, SplittableRandom random) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    shuffle(p, random);
    return p;
  }

  private static void shuffle(int[] p, SplittableRandom random) {
    for (int i = p.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
  }
}
