package io.flows4j.data;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per-column standardization {@code z_j = (x_j - mean_j) / std_j}, with the population mean and
 * standard deviation of a training set computed in double precision.
 *
 * <p><b>Densities.</b> The map {@code T(x) = (x - mean) / std} has a diagonal Jacobian with entries
 * {@code 1 / std_j}, so
 *
 * <pre>
 *   log |det dT/dx| = -sum_j log std_j        ({@link #logAbsDet()})
 * </pre>
 *
 * and a density {@code q} fitted to standardized data gives the exact density of the raw data by
 * the change of variables {@code log p(x) = log q(T(x)) + logAbsDet()}: add {@link #logAbsDet()} to
 * every log-probability computed on standardized data to report it in the data's own units.
 *
 * <p><b>Constant columns.</b> A column whose values are all equal has standard deviation 0 and
 * cannot be scaled; it gets {@code std = 1} (it is only centred, and adds 0 to the log-det) and is
 * listed in {@link #constantColumns()} so that callers can report it. Note that such a column has
 * no density at all: a model of it is degenerate whatever the scaling.
 *
 * @param columns the column names, one per column
 * @param mean the mean of each column
 * @param std the population standard deviation of each column ({@code sqrt(mean((x - mean)^2))}), 1
 *     for constant columns; every entry finite and {@code > 0}
 * @param constantColumns the names of the columns that were constant when fitted
 */
// The arrays never escape: the constructor and accessors copy them; equals and hashCode compare
// their contents.
@SuppressWarnings("ArrayRecordComponent")
public record Standardizer(
    List<String> columns, double[] mean, double[] std, List<String> constantColumns) {

  /**
   * Validates and copies the components.
   *
   * @throws IllegalArgumentException if the sizes differ, a mean is not finite, a standard
   *     deviation is not finite and positive, or a constant column is not one of the columns
   */
  public Standardizer {
    columns = Dataset.checkNames("Standardizer", columns);
    mean = mean.clone();
    std = std.clone();
    constantColumns = List.copyOf(constantColumns);
    Checks.requireArgument(
        mean.length == columns.size() && std.length == columns.size(),
        "Standardizer: mean and std must have one entry per column (%d), but had %d and %d",
        columns.size(),
        mean.length,
        std.length);
    for (int j = 0; j < mean.length; j++) {
      Checks.requireArgument(
          Double.isFinite(mean[j]),
          "Standardizer: mean of column %s must be finite, but was %s",
          columns.get(j),
          mean[j]);
      Checks.requireArgument(
          Double.isFinite(std[j]) && std[j] > 0,
          "Standardizer: std of column %s must be finite and > 0, but was %s",
          columns.get(j),
          std[j]);
    }
    for (String c : constantColumns) {
      Checks.requireArgument(
          columns.contains(c), "Standardizer: constant column %s is not a column", c);
    }
  }

  /**
   * Fits the mean and population standard deviation of every column (two passes in double).
   *
   * @throws IllegalArgumentException if the dataset has no rows
   */
  public static Standardizer fit(Dataset data) {
    int n = data.rows();
    int d = data.columns();
    Checks.requireArgument(n > 0, "Standardizer.fit: the dataset must have rows");
    float[] v = data.values();
    double[] mean = new double[d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        mean[j] += v[i * d + j];
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    // Two passes: the sum of squared deviations does not cancel as E[x^2] - E[x]^2 would.
    double[] var = new double[d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        double dev = v[i * d + j] - mean[j];
        var[j] += dev * dev;
      }
    }
    double[] std = new double[d];
    List<String> constant = new ArrayList<>();
    for (int j = 0; j < d; j++) {
      std[j] = Math.sqrt(var[j] / n);
      if (std[j] == 0) {
        std[j] = 1;
        constant.add(data.columnNames().get(j));
      }
    }
    return new Standardizer(data.columnNames(), mean, std, constant);
  }

  /** A copy of the means. */
  @Override
  public double[] mean() {
    return mean.clone();
  }

  /** A copy of the standard deviations (1 for constant columns). */
  @Override
  public double[] std() {
    return std.clone();
  }

  /** The number of columns {@code D}. */
  public int dimension() {
    return mean.length;
  }

  /**
   * The log-determinant of the Jacobian of {@code x -> (x - mean) / std}: {@code -sum_j log std_j},
   * computed in double. Add it to the log-density of standardized data to get the log-density of
   * raw data.
   */
  public double logAbsDet() {
    double s = 0;
    for (double sd : std) {
      s -= Math.log(sd);
    }
    return s;
  }

  /**
   * The standardized dataset {@code (x - mean) / std}, with the same names and labels.
   *
   * @throws ShapeMismatchException if the dataset does not have {@code D} columns
   * @throws DataFormatException if a standardized value overflows float32
   */
  public Dataset apply(Dataset data) {
    requireColumns("apply", data.columns());
    float[] out = data.values().clone();
    standardize(out, 0, out.length);
    Dataset.requireFinite("Standardizer.apply", out, data.columnNames());
    return new Dataset(out, data.rows(), data.columnNames(), data.labelsOrNull());
  }

  /**
   * The raw dataset {@code z * std + mean} for standardized data {@code z}.
   *
   * @throws ShapeMismatchException if the dataset does not have {@code D} columns
   * @throws DataFormatException if a value overflows float32
   */
  public Dataset invert(Dataset data) {
    requireColumns("invert", data.columns());
    float[] out = data.values().clone();
    unstandardize(out, 0, out.length);
    Dataset.requireFinite("Standardizer.invert", out, data.columnNames());
    return new Dataset(out, data.rows(), data.columnNames(), data.labelsOrNull());
  }

  /**
   * A new tensor {@code (x - mean) / std} for {@code x} of shape {@code [batch, D]}.
   *
   * @throws ShapeMismatchException if {@code x} is not {@code [batch, D]}
   */
  public Tensor apply(Tensor x) {
    return applyInPlace(x.copy());
  }

  /**
   * Standardizes {@code x}, of shape {@code [batch, D]}, in place.
   *
   * @return {@code x}
   * @throws ShapeMismatchException if {@code x} is not {@code [batch, D]}
   */
  public Tensor applyInPlace(Tensor x) {
    requireShape("applyInPlace", x);
    standardize(x.data(), x.offset(), x.offset() + x.size());
    return x;
  }

  /**
   * A new tensor {@code z * std + mean} for {@code z} of shape {@code [batch, D]}.
   *
   * @throws ShapeMismatchException if {@code z} is not {@code [batch, D]}
   */
  public Tensor invert(Tensor z) {
    return invertInPlace(z.copy());
  }

  /**
   * Maps standardized {@code z}, of shape {@code [batch, D]}, back to data units in place.
   *
   * @return {@code z}
   * @throws ShapeMismatchException if {@code z} is not {@code [batch, D]}
   */
  public Tensor invertInPlace(Tensor z) {
    requireShape("invertInPlace", z);
    unstandardize(z.data(), z.offset(), z.offset() + z.size());
    return z;
  }

  private void standardize(float[] v, int from, int to) {
    int d = mean.length;
    for (int k = from, j = 0; k < to; k++) {
      v[k] = (float) ((v[k] - mean[j]) / std[j]);
      if (++j == d) {
        j = 0;
      }
    }
  }

  private void unstandardize(float[] v, int from, int to) {
    int d = mean.length;
    for (int k = from, j = 0; k < to; k++) {
      v[k] = (float) (v[k] * std[j] + mean[j]);
      if (++j == d) {
        j = 0;
      }
    }
  }

  private void requireColumns(String op, int d) {
    Checks.requireShape(
        d == mean.length,
        "Standardizer.%s: the data has %d columns, but the standardizer was fitted on %d (%s)",
        op,
        d,
        mean.length,
        Names.describe(columns));
  }

  private void requireShape(String op, Tensor x) {
    Checks.requireShape(
        x.rank() == 2 && x.dim(1) == mean.length,
        "Standardizer.%s: input must have shape [batch, %d], but was %s",
        op,
        mean.length,
        x.shape());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Standardizer s
        && columns.equals(s.columns)
        && Arrays.equals(mean, s.mean)
        && Arrays.equals(std, s.std)
        && constantColumns.equals(s.constantColumns);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * (31 * columns.hashCode() + Arrays.hashCode(mean)) + Arrays.hashCode(std))
        + constantColumns.hashCode();
  }

  @Override
  public String toString() {
    return "Standardizer[columns="
        + columns
        + ", mean="
        + Arrays.toString(mean)
        + ", std="
        + Arrays.toString(std)
        + ", constantColumns="
        + constantColumns
        + "]";
  }
}
