package io.flows4j.cli;

import io.flows4j.data.Dataset;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Built-in 2-D densities generated from a seed, so that {@code flows4j demo} needs no files. The
 * shapes follow the toy sets common in the flow literature (FFJORD, Grathwohl et al. 2019; NSF,
 * Durkan et al. 2019); the generators here are our own and draw every point independently.
 */
enum ToyData {
  /** Two interleaved half circles with Gaussian noise of 0.2 (in the scaled units). */
  MOONS("moons") {
    @Override
    void point(SplittableRandom r, float[] out) {
      double t = Math.PI * r.nextDouble();
      double x;
      double y;
      if (r.nextBoolean()) {
        x = Math.cos(t);
        y = Math.sin(t);
      } else {
        x = 1 - Math.cos(t);
        y = 0.5 - Math.sin(t);
      }
      x += 0.1 * gaussian(r);
      y += 0.1 * gaussian(r);
      out[0] = (float) (2 * x - 1);
      out[1] = (float) (2 * y - 0.2);
    }
  },
  /** Eight isotropic Gaussians (sd 0.354) evenly spaced on a circle of radius 2.83. */
  EIGHT_GAUSSIANS("8gaussians") {
    @Override
    void point(SplittableRandom r, float[] out) {
      double angle = r.nextInt(8) * Math.PI / 4;
      out[0] = (float) ((4 * Math.cos(angle) + 0.5 * gaussian(r)) / Math.sqrt(2));
      out[1] = (float) ((4 * Math.sin(angle) + 0.5 * gaussian(r)) / Math.sqrt(2));
    }
  },
  /** Uniform on the 8 black squares (side 2) of a 4 x 4 checkerboard covering [-4, 4]^2. */
  CHECKERBOARD("checkerboard") {
    @Override
    void point(SplittableRandom r, float[] out) {
      int column = r.nextInt(4);
      // In each column, two of the four rows are black: those with row + column even.
      int row = 2 * r.nextInt(2) + (column % 2);
      out[0] = (float) (2 * (column + r.nextDouble()) - 4);
      out[1] = (float) (2 * (row + r.nextDouble()) - 4);
    }
  },
  /** Two interleaved spirals (Archimedean, 1.5 turns) with Gaussian noise of 0.1. */
  TWO_SPIRALS("2spirals") {
    @Override
    void point(SplittableRandom r, float[] out) {
      double t = Math.sqrt(r.nextDouble()) * 3 * Math.PI;
      double x = -Math.cos(t) * t + 0.5 * r.nextDouble();
      double y = Math.sin(t) * t + 0.5 * r.nextDouble();
      double sign = r.nextBoolean() ? 1 : -1;
      out[0] = (float) (sign * x / 3 + 0.1 * gaussian(r));
      out[1] = (float) (sign * y / 3 + 0.1 * gaussian(r));
    }
  },
  /** Four concentric rings of radius 3, 2.25, 1.5 and 0.75 with Gaussian noise of 0.08. */
  RINGS("rings") {
    @Override
    void point(SplittableRandom r, float[] out) {
      double radius = 0.75 * (1 + r.nextInt(4));
      double angle = 2 * Math.PI * r.nextDouble();
      out[0] = (float) (radius * Math.cos(angle) + 0.08 * gaussian(r));
      out[1] = (float) (radius * Math.sin(angle) + 0.08 * gaussian(r));
    }
  };

  /** The column names of every toy set. */
  static final List<String> COLUMNS = List.of("x0", "x1");

  private final String displayName;

  ToyData(String displayName) {
    this.displayName = displayName;
  }

  /** The name used on the command line, e.g. {@code 8gaussians}. */
  String displayName() {
    return displayName;
  }

  @Override
  public String toString() {
    return displayName;
  }

  /** Writes one point into {@code out[0..1]}. */
  abstract void point(SplittableRandom r, float[] out);

  /**
   * Draws {@code n} independent points, the same for the same seed.
   *
   * @throws IllegalArgumentException if {@code n < 1}
   */
  Dataset generate(int n, long seed) {
    if (n < 1) {
      throw new IllegalArgumentException(
          "ToyData.generate: n must be >= 1, but was " + n + " (" + displayName + ")");
    }
    SplittableRandom r = new SplittableRandom(seed);
    float[] values = new float[2 * n];
    float[] p = new float[2];
    for (int i = 0; i < n; i++) {
      point(r, p);
      values[2 * i] = p[0];
      values[2 * i + 1] = p[1];
    }
    return Dataset.of(COLUMNS, values);
  }

  /**
   * The toy set with the given name, ignoring case.
   *
   * @throws IllegalArgumentException naming the known sets if there is none of that name
   */
  static ToyData byName(String name) {
    for (ToyData t : values()) {
      if (t.displayName.equalsIgnoreCase(name.trim())) {
        return t;
      }
    }
    throw new IllegalArgumentException(
        "--dataset must be one of " + names() + ", but was '" + name + "'");
  }

  /** The names of all sets, comma-separated. */
  static String names() {
    StringBuilder sb = new StringBuilder();
    for (ToyData t : values()) {
      sb.append(sb.length() == 0 ? "" : ", ").append(t.displayName);
    }
    return sb.toString().toLowerCase(Locale.ROOT);
  }

  /** A standard normal deviate by the Marsaglia polar method. */
  static double gaussian(SplittableRandom r) {
    while (true) {
      double u = 2 * r.nextDouble() - 1;
      double v = 2 * r.nextDouble() - 1;
      double s = u * u + v * v;
      if (s > 0 && s < 1) {
        return u * Math.sqrt(-2 * Math.log(s) / s);
      }
    }
  }
}
