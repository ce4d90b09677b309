package io.flows4j.spark;

import io.flows4j.autodiff.Losses;
import io.flows4j.autodiff.Parameter;
import io.flows4j.autodiff.Tape;
import io.flows4j.autodiff.Var;
import io.flows4j.data.Dataset;
import io.flows4j.model.FittedModel;
import io.flows4j.nn.Module;
import io.flows4j.optim.GradientClipping;
import io.flows4j.optim.Optimizer;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import io.flows4j.training.BatchDensity;
import io.flows4j.training.NonFiniteTrainingException;
import io.flows4j.training.Trainer;
import io.flows4j.training.TrainingConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The work of one partition in one training job, on an executor: the gradient of its share of a
 * minibatch, a few local optimizer steps, or the NLL of its validation rows. Each borrows a copy of
 * the model from the JVM's {@link ModelCache} (one per task running at the same time, reused by
 * later tasks), copies the step's parameters into it and gives it back.
 *
 * <p><b>Minibatches.</b> Partition {@code p} draws {@code b_p} rows per step ({@link
 * StepPlan#share}); which rows is a function of the seed, the step and the partition alone, so a
 * step computes the same on a retried task and a resumed run continues the same streams. With
 * replacement: {@code b_p} uniform rows from a generator seeded by {@code (seed, step, p)}.
 * Shuffled epochs: step {@code t} takes positions {@code [t b_p, (t+1) b_p)} of the partition's
 * endless sequence of permutations, permutation {@code e} seeded by {@code (seed, e, p)} (the
 * current one is kept per partition in the JVM, so it is drawn once per epoch, not per step).
 */
final class PartitionWork {
  private PartitionWork() {}

  /** The last permutation drawn for each (seed, partition, rows), with its epoch. */
  private static final Map<String, Epoch> EPOCHS = new ConcurrentHashMap<>();

  /** A permutation of a partition's rows and the epoch it belongs to. */
  private static final class Epoch {
    final long index;
    final int[] order;

    Epoch(long index, int[] order) {
      this.index = index;
      this.order = order;
    }
  }

  /** A 64-bit mix of three values (SplitMix64's finaliser applied twice, with distinct salts). */
  static long mix(long a, long b, long c) {
    long z = a;
    z = finalise(z ^ finalise(b + 0x9E3779B97F4A7C15L));
    z = finalise(z ^ finalise(c + 0xBF58476D1CE4E5B9L));
    return z;
  }

  private static long finalise(long z0) {
    long z = z0;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * Fills {@code out} ({@code [b, width]}) with partition {@code block}'s rows of step {@code step}
   * and adds the input noise.
   */
  static void minibatch(StepPlan plan, TrainingBlock block, int step, Tensor out) {
    int b = out.dim(0);
    int w = block.width;
    int n = block.trainRows;
    float[] dst = out.data();
    int at = out.offset();
    if (plan.shares == null) {
      System.arraycopy(block.train, 0, dst, at, b * w);
    } else if (plan.withReplacement) {
      SplittableRandom r =
          new SplittableRandom(mix(plan.seed ^ StepPlan.BATCH_SEED_MIX, step, block.partition));
      for (int k = 0; k < b; k++) {
        System.arraycopy(block.train, r.nextInt(n) * w, dst, at + k * w, w);
      }
    } else {
      long pos = (long) step * b;
      for (int k = 0; k < b; k++, pos++) {
        int[] order = permutation(plan.seed, block.partition, n, pos / n);
        System.arraycopy(block.train, order[(int) (pos % n)] * w, dst, at + k * w, w);
      }
    }
    if (plan.noiseStd != null) {
      Rng noise = new Rng(mix(plan.seed ^ StepPlan.NOISE_SEED_MIX, step, block.partition));
      for (int k = 0; k < b; k++) {
        for (int j = 0; j < w; j++) {
          dst[at + k * w + j] += (float) (plan.noiseStd[j] * noise.nextGaussian());
        }
      }
    }
  }

  /** Permutation {@code epoch} of {@code n} rows of partition {@code p} (Fisher-Yates). */
  private static int[] permutation(long seed, int p, int n, long epoch) {
    String key = seed + "/" + p + "/" + n;
    Epoch e = EPOCHS.get(key);
    if (e != null && e.index == epoch) {
      return e.order;
    }
    SplittableRandom r = new SplittableRandom(mix(seed ^ StepPlan.BATCH_SEED_MIX, epoch, ~p));
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    EPOCHS.put(key, new Epoch(epoch, order));
    return order;
  }

  /**
   * Adds the gradient of the summed NLL of the rows {@code x} ({@code [n, width]}) to {@code acc}:
   * {@code acc.partial += sum_i grad(-log p(x_i))} over the parameters of {@code bound} (computed
   * as {@code n} times the tape's gradient of the mean NLL), {@code acc.nll += sum_i -log p(x_i)}
   * (in double), and {@code n} to the weight and the row count. The model must be in training mode.
   */
  static void addGradient(
      BatchDensity density, ParameterLayout.Bound bound, Tensor x, StepSum acc) {
    for (Parameter p : bound.parameters()) {
      p.zeroGrad();
    }
    int n = x.dim(0);
    double nll = 0;
    try (Tape tape = Tape.record()) {
      Var lp = density.logProb(tape.input(x));
      Tensor v = lp.value();
      for (int i = 0; i < n; i++) {
        nll -= v.getFlat(i);
      }
      tape.backward(Losses.meanNegative(lp));
    }
    bound.addGradients(acc.partialVector(bound.parameterFloats()), n);
    acc.nll += nll;
    acc.nllRows += n;
    acc.weight += n;
  }

  /** The gradient sum of partition {@code block}'s rows of step {@code step} at {@code state}. */
  static StepSum gradient(StepPlan plan, TrainingBlock block, float[] state, int step) {
    StepSum out = new StepSum();
    int b = plan.share(block);
    if (b == 0) {
      return out;
    }
    long t0 = System.nanoTime();
    try (ModelCache.Lease lease = ModelCache.borrow(plan.model.value())) {
      FittedModel m = lease.model();
      Module module = m.module();
      ParameterLayout.Bound bound = plan.layout.bind(module);
      bound.load(state);
      module.train();
      try {
        Tensor x = Tensor.zeros(b, block.width);
        minibatch(plan, block, step, x);
        addGradient(plan.density(m), bound, x, out);
        if (plan.layout.bufferFloats() > 0) {
          out.offerBuffers(block.partition, bound.buffers());
        }
      } finally {
        module.eval();
      }
    }
    done(out, t0);
    return out;
  }

  /**
   * Partition {@code block}'s NLL sum over its validation rows at {@code state}, in evaluation
   * mode, in chunks ({@link Trainer#meanNll}).
   */
  static StepSum validation(StepPlan plan, TrainingBlock block, float[] state) {
    StepSum out = new StepSum();
    if (block.validationRows == 0) {
      return out;
    }
    long t0 = System.nanoTime();
    try (ModelCache.Lease lease = ModelCache.borrow(plan.model.value())) {
      FittedModel m = lease.model();
      plan.layout.bind(m.module()).load(state);
      Dataset rows = Dataset.of(Dataset.defaultColumnNames(block.width), block.validation);
      double mean = Trainer.meanNll(plan.density(m), rows);
      out.nll = mean * block.validationRows;
      out.nllRows = block.validationRows;
      out.weight = block.validationRows;
    }
    done(out, t0);
    return out;
  }

  /**
   * Runs steps {@code first .. first + k - 1} on partition {@code block}'s own shares, from the
   * broadcast parameters and optimizer state, each a full step of the core's optimizer (gradient of
   * the mean NLL of the share, clipping, Adam with the schedule at the global step). Returns the
   * parameters and moments after the last step multiplied by the partition's training rows (the
   * weight of the average), the NLL of every drawn row, and the first step whose loss or gradient
   * was not finite, if any (the partition stops there).
   */
  static StepSum localSteps(
      StepPlan plan, TrainingBlock block, float[] state, float[] moments, int first, int k) {
    StepSum out = new StepSum();
    int b = plan.share(block);
    if (b == 0) {
      return out;
    }
    long t0 = System.nanoTime();
    TrainingConfig config = plan.config();
    try (ModelCache.Lease lease = ModelCache.borrow(plan.model.value())) {
      FittedModel m = lease.model();
      Module module = m.module();
      ParameterLayout.Bound bound = plan.layout.bind(module);
      bound.load(state);
      LinkedHashMap<String, Parameter> named = module.namedParameters();
      Optimizer optimizer = Trainer.optimizer(named, config, plan.totalSteps);
      ParameterLayout.loadMoments(optimizer, first, moments);
      BatchDensity density = plan.density(m);
      module.train();
      try {
        Tensor x = Tensor.zeros(b, block.width);
        StepSum scratch = new StepSum();
        for (int s = first; s < first + k; s++) {
          minibatch(plan, block, s, x);
          if (scratch.partial != null) {
            Arrays.fill(scratch.partial, 0f);
          }
          scratch.nll = 0;
          addGradient(density, bound, x, scratch);
          float loss = (float) (scratch.nll / b);
          double norm =
              config.maxGradNorm() > 0
                  ? GradientClipping.clipGradNorm(bound.parameters(), config.maxGradNorm())
                  : GradientClipping.totalNorm(bound.parameters());
          if (!Float.isFinite(loss) || !Double.isFinite(norm)) {
            out.offerFailure(s + 1, NonFiniteTrainingException.describeStep(loss, named));
            break;
          }
          optimizer.step();
          out.nll += scratch.nll;
          out.nllRows += b;
        }
        float weight = block.trainRows;
        float[] sum = out.partialVector(plan.layout.parameterFloats() + moments.length);
        bound.addParameters(sum, weight);
        float[] after = ParameterLayout.moments(optimizer);
        int p = plan.layout.parameterFloats();
        for (int i = 0; i < after.length; i++) {
          sum[p + i] = weight * after[i];
        }
        out.weight = weight;
        if (plan.layout.bufferFloats() > 0) {
          out.offerBuffers(block.partition, bound.buffers());
        }
      } finally {
        module.eval();
      }
    }
    done(out, t0);
    return out;
  }

  private static void done(StepSum out, long t0) {
    long nanos = System.nanoTime() - t0;
    out.partitions = 1;
    out.computeNanos = nanos;
    out.maxComputeNanos = nanos;
  }
}
