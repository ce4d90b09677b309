package io.flows4j.data;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;

/**
 * Uniform dequantization of 8-bit data and bits per dimension (Theis, van den Oord and Bethge 2016,
 * "A note on the evaluation of generative models", section 3.1; Dinh et al. 2017, "Density
 * estimation using Real NVP", section 4.1).
 *
 * <p>A continuous density fitted to integer pixel values {@code p in {0..255}^D} can put unbounded
 * density on them; adding noise {@code u ~ U[0, 1)^D} spreads each value over its unit cell. Two
 * equivalent scales are in use: {@code y = p + u} in {@code [0, 256)} (pixel units; what the image
 * models here are fitted to, with their first layer dividing by 256), and {@code x = (p + u) / 256}
 * in {@code [0, 1)} (the scale of BENCHMARKS.md's W4), related by {@code log p_Y(y) = log p_X(x) -
 * D ln 256}.
 *
 * <p><b>Bits per dimension.</b> The probability that a density {@code p_X} on {@code [0, 1)^D}
 * gives the 8-bit image {@code p} is the mass of its cell, {@code P(p) = int_{[0,1)^D} p_X((p + u)
 * / 256) 256^-D du}. By Jensen's inequality ({@code log} is concave), {@code log P(p) >= E_u[log
 * p_X((p + u) / 256)] - D ln 256}, so
 *
 * <pre>
 *   -log2 P(p) / D  &lt;=  E_u[-log p_X(x)] / (D ln 2) + 8  =  E_u[-log p_Y(y)] / (D ln 2)
 * </pre>
 *
 * and the reported bits per dimension, {@code NLL_x / (D ln 2) + 8} for the mean {@code NLL_x} over
 * dequantized images, is an upper bound (in expectation over the noise) on the code length of the
 * 8-bit data; it is exact for a density that is constant on every cell.
 *
 * <p><b>Noise.</b> Training draws fresh noise for every minibatch ({@link #addUniform}). Evaluation
 * uses {@link #addFixed}: noise that is a fixed function of the image's pixel values, so that
 * evaluating the same images twice (or in chunks of another size) gives the same figure.
 */
public final class Dequantization {
  /** The number of levels of 8-bit data. */
  public static final int LEVELS = 256;

  private static final double LN2 = Math.log(2);

  private Dequantization() {}

  /**
   * Adds {@code u ~ U[0, 1)} to the first {@code columns} values of every row of {@code rows}, in
   * place (pixel units: {@code y = p + u}).
   *
   * @param rows of shape {@code [batch, C]}, {@code C >= columns}
   * @param columns the leading data columns (the rest, a context, are left alone)
   * @throws IllegalArgumentException if {@code columns} is out of range
   */
  public static void addUniform(Tensor rows, int columns, Rng rng) {
    int c = requireColumns("Dequantization.addUniform", rows, columns);
    float[] a = rows.data();
    int n = rows.shape().dim(0);
    for (int i = 0; i < n; i++) {
      int at = rows.offset() + i * c;
      for (int j = 0; j < columns; j++) {
        a[at + j] = noisy(a[at + j], rng.nextUniform());
      }
    }
  }

  /**
   * Adds noise in {@code [0, 1)} that depends only on the row's first {@code columns} values and
   * the position, in place: the same image always gets the same noise (a hash of its pixels seeds a
   * stream per row), so evaluations repeat exactly.
   *
   * @param rows of shape {@code [batch, C]}, {@code C >= columns}
   * @param columns the leading data columns
   * @throws IllegalArgumentException if {@code columns} is out of range
   */
  public static void addFixed(Tensor rows, int columns) {
    int c = requireColumns("Dequantization.addFixed", rows, columns);
    float[] a = rows.data();
    int n = rows.shape().dim(0);
    for (int i = 0; i < n; i++) {
      int at = rows.offset() + i * c;
      long h = 0x243F6A8885A308D3L;
      for (int j = 0; j < columns; j++) {
        h = (h ^ Float.floatToIntBits(a[at + j])) * 0x9E3779B97F4A7C15L;
      }
      Rng rng = new Rng(h ^ (h >>> 29));
      for (int j = 0; j < columns; j++) {
        a[at + j] = noisy(a[at + j], rng.nextUniform());
      }
    }
  }

  /**
   * {@code p + u} rounded to float, kept below {@code p + 1} (float rounding of {@code p + u} for
   * {@code u} just below 1 could otherwise reach the next level).
   */
  private static float noisy(float p, double u) {
    float y = (float) (p + u);
    return y < p + 1 ? y : Math.nextDown(p + 1);
  }

  /**
   * Bits per dimension from the mean NLL of {@code x = (p + u) / 256} in {@code [0, 1)^D}: {@code
   * nll / (D ln 2) + 8} (see the class comment).
   *
   * @throws IllegalArgumentException if {@code dimensions < 1}
   */
  public static double bitsPerDim(double meanNllNats, int dimensions) {
    Checks.requirePositive(dimensions, "Dequantization.bitsPerDim", "dimensions");
    return meanNllNats / (dimensions * LN2) + 8;
  }

  /**
   * Bits per dimension from the mean NLL of {@code y = p + u} in pixel units, {@code [0, 256)^D}:
   * {@code nll / (D ln 2)}, the same figure as {@link #bitsPerDim} of the rescaled data.
   *
   * @throws IllegalArgumentException if {@code dimensions < 1}
   */
  public static double bitsPerDimOfPixels(double meanNllNats, int dimensions) {
    Checks.requirePositive(dimensions, "Dequantization.bitsPerDimOfPixels", "dimensions");
    return meanNllNats / (dimensions * LN2);
  }

  private static int requireColumns(String op, Tensor rows, int columns) {
    Checks.requireArgument(
        rows.rank() == 2,
        "%s: rows must have shape [batch, columns], but was %s",
        op,
        rows.shape());
    int c = rows.shape().dim(1);
    Checks.requireArgument(
        columns >= 1 && columns <= c, "%s: columns must be in [1, %d], but was %d", op, c, columns);
    return c;
  }
}
