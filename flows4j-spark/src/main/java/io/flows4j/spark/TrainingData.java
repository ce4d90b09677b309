package io.flows4j.spark;

import io.flows4j.data.ContextEncoding;
import io.flows4j.data.Standardizer;
import io.flows4j.training.TrainingConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;

/**
 * The training data of a run, spread over the cluster: one cached {@link TrainingBlock} per
 * partition, and what the driver learnt from them in two jobs.
 *
 * <ol>
 *   <li>Read every partition into a {@link RawBlock} (cached), dropping and counting invalid rows,
 *       and collect the counts and the context statistics: the context encoding is fitted on all
 *       valid rows, as {@link io.flows4j.model.FittedModel#fitConditional} does.
 *   <li>Choose the validation rows ({@link TrainingConfig#validationRows} of the {@code N} valid
 *       rows, uniformly without replacement with a generator seeded by the configuration's seed),
 *       build the blocks (context encoded, validation rows set aside; cached) and collect the mean
 *       and spread of each data column over the training rows (in double, merged over partitions),
 *       from which the standardization and the input noise are made, as in single-machine training.
 * </ol>
 */
final class TrainingData {
  /** Mixed into the seed of the validation split, so that it and the minibatches differ. */
  static final long SPLIT_SEED_MIX = 0x9E3779B97F4A7C15L;

  final JavaRDD<TrainingBlock> blocks;
  final List<String> columns;
  final int dimension;
  final int width;
  final int[] trainRows;
  final int[] validationRows;
  final long trainTotal;
  final long validationTotal;
  final long invalidRows;
  final ContextEncoding encoding;
  final Standardizer standardizer;

  private TrainingData(
      JavaRDD<TrainingBlock> blocks,
      List<String> columns,
      int width,
      int[] trainRows,
      int[] validationRows,
      long invalidRows,
      ContextEncoding encoding,
      Standardizer standardizer) {
    this.blocks = blocks;
    this.columns = List.copyOf(columns);
    this.dimension = columns.size();
    this.width = width;
    this.trainRows = trainRows;
    this.validationRows = validationRows;
    this.trainTotal = Arrays.stream(trainRows).asLongStream().sum();
    this.validationTotal = Arrays.stream(validationRows).asLongStream().sum();
    this.invalidRows = invalidRows;
    this.encoding = encoding;
    this.standardizer = standardizer;
  }

  /** Partitions of the data. */
  int partitions() {
    return trainRows.length;
  }

  /** Training rows as an {@code int}, as the core's step and batch arithmetic takes them. */
  int trainRowsInt() {
    return (int) Math.min(trainTotal, Integer.MAX_VALUE);
  }

  /** Frees the cached blocks. */
  void release() {
    blocks.unpersist(false);
  }

  /**
   * Reads and caches the training data.
   *
   * @param rows the input rows
   * @param columns where the data and context are in a row
   * @param names the data columns' names in the model
   * @param config the validation split's settings and seed
   * @throws IllegalArgumentException if no valid row is left, or a categorical context column has
   *     too many labels
   */
  static TrainingData load(
      JavaRDD<Row> rows, RawBlock.Columns columns, List<String> names, TrainingConfig config) {
    JavaRDD<RawBlock> raw =
        rows.mapPartitionsWithIndex(reader(columns), true).persist(StorageLevel.MEMORY_ONLY());
    try {
      List<RawBlock.Summary> summaries = new ArrayList<>(raw.map(summarizer(columns)).collect());
      summaries.sort(Comparator.comparingInt(s -> s.partition));
      int partitions = summaries.size();
      int[] counts = new int[partitions];
      long n = 0;
      long invalid = 0;
      for (RawBlock.Summary s : summaries) {
        counts[s.partition] = s.rows;
        n += s.rows;
        invalid += s.invalid;
      }
      if (n == 0) {
        throw new IllegalArgumentException(
            String.format(
                Locale.ROOT,
                "FlowEstimator: no valid row to train on: all %,d rows have a null, NaN or infinite"
                    + " value, a vector of the wrong length or a null context",
                invalid));
      }
      ContextEncoding encoding =
          columns.contextColumns() == 0 ? null : encoding(summaries, columns);
      int[][] validation = validationRows(counts, n, config);
      int[] validationCounts = new int[partitions];
      int[] trainCounts = new int[partitions];
      for (int p = 0; p < partitions; p++) {
        validationCounts[p] = validation[p].length;
        trainCounts[p] = counts[p] - validation[p].length;
      }
      String encodingJson = encoding == null ? null : encoding.toJson().write();
      int width = names.size() + (encoding == null ? 0 : encoding.features());
      JavaRDD<TrainingBlock> blocks =
          raw.map(
                  builder(
                      names.size(),
                      encodingJson,
                      columns.contextNames().toArray(new String[0]),
                      validation))
              .persist(StorageLevel.MEMORY_ONLY());
      TrainingBlock.Moments m;
      try {
        m = blocks.map(momentsOf()).reduce(mergeMoments());
      } catch (RuntimeException e) {
        blocks.unpersist(false);
        throw e;
      }
      return new TrainingData(
          blocks,
          names,
          width,
          trainCounts,
          validationCounts,
          invalid,
          encoding,
          standardizer(names, m));
    } finally {
      raw.unpersist(false);
    }
  }

  private static org.apache.spark.api.java.function.Function2<
          Integer, Iterator<Row>, Iterator<RawBlock>>
      reader(RawBlock.Columns columns) {
    return (p, it) -> List.of(RawBlock.read(p, it, columns)).iterator();
  }

  private static Function<RawBlock, RawBlock.Summary> summarizer(RawBlock.Columns columns) {
    return b -> b.summary(columns);
  }

  private static Function<RawBlock, TrainingBlock> builder(
      int dimension, String encodingJson, String[] contextNames, int[][] validation) {
    return b -> TrainingBlock.of(b, dimension, encodingJson, contextNames, validation[b.partition]);
  }

  private static Function<TrainingBlock, TrainingBlock.Moments> momentsOf() {
    return TrainingBlock::dataMoments;
  }

  private static Function2<TrainingBlock.Moments, TrainingBlock.Moments, TrainingBlock.Moments>
      mergeMoments() {
    return TrainingBlock.Moments::merge;
  }

  /**
   * The context encoding of all valid rows: labels in order of first appearance (partition by
   * partition), numeric columns standardized by their population mean and spread (1 if constant).
   */
  private static ContextEncoding encoding(
      List<RawBlock.Summary> summaries, RawBlock.Columns columns) {
    List<ContextEncoding.Column> out = new ArrayList<>();
    for (int j = 0; j < columns.contextColumns(); j++) {
      String name = columns.contextNames().get(j);
      if (columns.categorical(j)) {
        LinkedHashSet<String> labels = new LinkedHashSet<>();
        for (RawBlock.Summary s : summaries) {
          labels.addAll(s.labels.get(j));
          if (labels.size() > RawBlock.MAX_LABELS) {
            throw RawBlock.tooManyLabels(name);
          }
        }
        out.add(new ContextEncoding.Column(name, new ArrayList<>(labels), 0, 1));
      } else {
        TrainingBlock.Moments m = new TrainingBlock.Moments(0, new double[1], new double[1]);
        for (RawBlock.Summary s : summaries) {
          m =
              TrainingBlock.Moments.merge(
                  m,
                  new TrainingBlock.Moments(
                      s.rows, new double[] {s.mean[j]}, new double[] {s.m2[j]}));
        }
        double std = m.std(0);
        out.add(new ContextEncoding.Column(name, List.of(), m.mean[0], std > 0 ? std : 1));
      }
    }
    return new ContextEncoding(out);
  }

  /**
   * The validation rows of each partition (sorted local indexes): {@link
   * TrainingConfig#validationRows} of the {@code n} rows, chosen uniformly without replacement by
   * Floyd's algorithm (Bentley and Floyd, "A sample of brilliance", CACM 1987), which needs memory
   * for the chosen rows only (at most {@link TrainingConfig#MAX_VALIDATION_ROWS}).
   */
  static int[][] validationRows(int[] counts, long n, TrainingConfig config) {
    int v = config.validationRows((int) Math.min(n, Integer.MAX_VALUE));
    SplittableRandom random = new SplittableRandom(config.seed() ^ SPLIT_SEED_MIX);
    Set<Long> chosen = new HashSet<>();
    for (long j = n - v; j < n; j++) {
      long t = random.nextLong(j + 1);
      if (!chosen.add(t)) {
        chosen.add(j);
      }
    }
    long[] sorted = chosen.stream().mapToLong(Long::longValue).sorted().toArray();
    int[][] out = new int[counts.length][];
    long start = 0;
    int k = 0;
    for (int p = 0; p < counts.length; p++) {
      int from = k;
      while (k < sorted.length && sorted[k] < start + counts[p]) {
        k++;
      }
      out[p] = new int[k - from];
      for (int i = from; i < k; i++) {
        out[p][i - from] = (int) (sorted[i] - start);
      }
      start += counts[p];
    }
    return out;
  }

  /** The standardization of the data columns (a constant column gets spread 1, as the core's). */
  private static Standardizer standardizer(List<String> names, TrainingBlock.Moments m) {
    int d = names.size();
    double[] mean = new double[d];
    double[] std = new double[d];
    List<String> constant = new ArrayList<>();
    for (int j = 0; j < d; j++) {
      mean[j] = m.count == 0 ? 0 : m.mean[j];
      std[j] = m.std(j);
      if (!(std[j] > 0)) {
        std[j] = 1;
        constant.add(names.get(j));
      }
    }
    return new Standardizer(names, mean, std, constant);
  }
}
