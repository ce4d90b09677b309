package io.flows4j.spark;

import java.io.Serializable;

/**
 * What the partitions of one training job send back, summed over partitions by {@code
 * treeAggregate}: a vector of sums (gradient sums for a synchronous step; row-weighted parameters
 * and optimizer moments after local steps), its weight (rows), the NLL sum and its row count, the
 * buffers of the lowest partition that ran (see {@link ParameterLayout}), the first failure of a
 * local step, and the partitions' compute time.
 *
 * <p>The zero value has no vector: it takes the first partition's result, so that the zero shipped
 * with every task is a few bytes (see ../shared/SPARK.md: a large zero value costs 40 to 80 ms per
 * job).
 */
final class StepSum implements Serializable {
  private static final long serialVersionUID = 1L;

  /**
   * One partition's vector, in float: what a partition sends (half the bytes of doubles; its values
   * are sums of at most a minibatch of float gradients, which float holds to its rounding).
   */
  float[] partial;

  /** The sum of several partitions' vectors, in double; {@code null} until two are added. */
  double[] sum;

  /** The weight of {@link #sum}: rows of the gradient, or training rows of the partitions. */
  double weight;

  /** Sum of {@code -log p(x)} over {@link #nllRows} rows (nats). */
  double nll;

  /** Rows behind {@link #nll}. */
  long nllRows;

  /** The buffers after the step of partition {@link #bufferPartition}, or {@code null}. */
  float[] buffers;

  /** The partition whose buffers are kept: the lowest one that sent any. */
  int bufferPartition = Integer.MAX_VALUE;

  /** The first step (from 1) at which a local step was not finite, or 0. */
  int failedStep;

  /** What was not finite at {@link #failedStep}. */
  String failure;

  /** Partitions that did work. */
  int partitions;

  /** Sum over partitions of their compute time (ns). */
  long computeNanos;

  /** The longest compute time of one partition (ns). */
  long maxComputeNanos;

  /** This partition's float vector, allocated with {@code length} zeros if it has none yet. */
  float[] partialVector(int length) {
    if (partial == null) {
      partial = new float[length];
    }
    return partial;
  }

  /** The summed vector in double, or {@code null} if no partition sent one. */
  double[] total() {
    if (sum == null && partial != null) {
      toDouble(partial.length);
    }
    return sum;
  }

  /** Moves the float vector, if any, into the double one (allocated with {@code length}). */
  private double[] toDouble(int length) {
    if (sum == null) {
      sum = new double[length];
    }
    if (partial != null) {
      for (int i = 0; i < partial.length; i++) {
        sum[i] += partial[i];
      }
      partial = null;
    }
    return sum;
  }

  /** Keeps {@code b} as the buffers if {@code partition} is the lowest seen. */
  void offerBuffers(int partition, float[] b) {
    if (b != null && partition < bufferPartition) {
      buffers = b;
      bufferPartition = partition;
    }
  }

  /** Records a failure at {@code step} if it is the first seen. */
  void offerFailure(int step, String what) {
    if (failedStep == 0 || step < failedStep) {
      failedStep = step;
      failure = what;
    }
  }

  /** Adds {@code other} into this sum; returns this. */
  StepSum add(StepSum other) {
    if (other.partial != null) {
      if (sum == null && partial == null) {
        // Adopted, not copied: a partition's result keeps its float vector on the wire.
        partial = other.partial;
      } else {
        double[] s = toDouble(other.partial.length);
        float[] o = other.partial;
        for (int i = 0; i < s.length; i++) {
          s[i] += o[i];
        }
      }
    }
    if (other.sum != null) {
      double[] s = toDouble(other.sum.length);
      double[] o = other.sum;
      for (int i = 0; i < s.length; i++) {
        s[i] += o[i];
      }
    }
    weight += other.weight;
    nll += other.nll;
    nllRows += other.nllRows;
    offerBuffers(other.bufferPartition, other.buffers);
    if (other.failedStep > 0) {
      offerFailure(other.failedStep, other.failure);
    }
    partitions += other.partitions;
    computeNanos += other.computeNanos;
    maxComputeNanos = Math.max(maxComputeNanos, other.maxComputeNanos);
    return this;
  }

  /** {@code a + b}, reusing {@code a}: the sequence and combine function of the aggregate. */
  static StepSum merge(StepSum a, StepSum b) {
    return a.add(b);
  }
}
