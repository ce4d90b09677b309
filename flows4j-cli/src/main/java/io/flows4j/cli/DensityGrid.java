package io.flows4j.cli;

import io.flows4j.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * Evaluates a 2-D density on a regular grid, for heat maps and to check that it integrates to 1.
 */
final class DensityGrid {
  /** Grid points per chunk handed to the model. */
  static final int CHUNK = 4096;

  private DensityGrid() {}

  /**
   * The density {@code exp(log p)} at the centres of an {@code n x n} grid over {@code range =
   * {xMin, xMax, yMin, yMax}}.
   *
   * @param logProb maps points of shape {@code [batch, 2]} to log-densities of shape {@code
   *     [batch]}
   */
  static Plots.Grid evaluate(UnaryOperator<Tensor> logProb, double[] range, int n) {
    Plots.Grid grid =
        new Plots.Grid(range[0], range[1], range[2], range[3], n, n, new double[n * n]);
    double[] density = grid.density();
    int total = n * n;
    for (int from = 0; from < total; from += CHUNK) {
      int to = Math.min(from + CHUNK, total);
      Tensor pts = Tensor.zeros(to - from, 2);
      for (int k = from; k < to; k++) {
        pts.setFlat(2 * (k - from), (float) grid.x(k % n));
        pts.setFlat(2 * (k - from) + 1, (float) grid.y(k / n));
      }
      Tensor lp = logProb.apply(pts);
      for (int k = from; k < to; k++) {
        density[k] = Math.exp(lp.getFlat(k - from));
      }
    }
    return grid;
  }

  /** The probability mass on the grid: the sum of density times cell area (1 if it covers all). */
  static double mass(Plots.Grid grid) {
    double s = 0;
    for (double d : grid.density()) {
      if (Double.isFinite(d)) {
        s += d;
      }
    }
    return s * grid.cellArea();
  }
}
