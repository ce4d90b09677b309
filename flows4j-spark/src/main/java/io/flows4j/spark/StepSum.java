package io.flows4j.spark;

import java.io.Serializable;

/**
 * What the partitions of one training job send back, summed over partitions by {@code
 * treeAggregate}: a vector of sums (gradient sums for a synchronous step; row-weighted parameters
 * and optimizer moments after local steps), its weight (rows), the NLL sum and its row count, the
 * buffers of the lowest partition that ran (see {@link ParameterLayout}), the first failure of a
 * local step, and the partitions' compute time.
 *
 * <p>The zero value has no vector: it is allocated by the first partition's result, so that the
 * zero shipped with every task is a few bytes (see ../shared/SPARK.md: a large zero value costs 40
 * to 80 ms per job).
 */
final class StepSum implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The summed vector, {@code null} until a partition adds one. */
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

  /** The vector, allocated with {@code length} zeros if this sum has none yet. */
  double[] vector(int length) {
    if (sum == null) {
      sum = new double[length];
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
    if (other.sum != null) {
      double[] s = vector(other.sum.length);
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
