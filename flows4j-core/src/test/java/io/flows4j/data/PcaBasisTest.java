package io.flows4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.ShapeMismatchException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PcaBasisTest {
  /** Float storage of the basis and of the scores: agreement to a few float roundings. */
  private static final double FLOAT_TOL = 1e-5;

  /**
   * {@code k} orthonormal rows of {@code p} values (Gram-Schmidt on seeded Gaussians, in double).
   */
  private static float[] orthonormal(int k, int p, long seed) {
    Rng rng = new Rng(seed);
    double[][] rows = new double[k][p];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < p; j++) {
        rows[i][j] = rng.nextGaussian();
      }
      for (int m = 0; m < i; m++) {
        double dot = 0;
        for (int j = 0; j < p; j++) {
          dot += rows[i][j] * rows[m][j];
        }
        for (int j = 0; j < p; j++) {
          rows[i][j] -= dot * rows[m][j];
        }
      }
      double norm = 0;
      for (double v : rows[i]) {
        norm += v * v;
      }
      for (int j = 0; j < p; j++) {
        rows[i][j] /= Math.sqrt(norm);
      }
    }
    float[] out = new float[k * p];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < p; j++) {
        out[i * p + j] = (float) rows[i][j];
      }
    }
    return out;
  }

  private static PcaBasis small() {
    return new PcaBasis(
        orthonormal(3, 7, 5),
        new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f},
        new float[] {0.5f, -0.25f, 0},
        new float[] {4, 2, 0.5f});
  }

  @Test
  @DisplayName("reconstruct follows the formula and project inverts it on the span (seed 5)")
  void roundTrip() {
    PcaBasis b = small();
    float[] basis = orthonormal(3, 7, 5);
    float[] z = {1.5f, -0.7f, 2};
    float[] v = b.reconstruct(z);
    float[] std = {4, 2, 0.5f};
    float[] scoreMean = {0.5f, -0.25f, 0};
    for (int p = 0; p < 7; p++) {
      double expected = 0.1 * (p + 1);
      for (int k = 0; k < 3; k++) {
        expected += (z[k] * std[k] + scoreMean[k]) * basis[k * 7 + p];
      }
      assertThat((double) v[p]).isCloseTo(expected, within(FLOAT_TOL));
    }
    float[] back = b.project(v);
    for (int k = 0; k < 3; k++) {
      assertThat((double) back[k]).isCloseTo(z[k], within(FLOAT_TOL));
    }
  }

  @Test
  @DisplayName("read takes the fmnist-pca32 file layout and checks the shapes agree")
  void readsTheFolderLayout(@TempDir Path dir) {
    float[] basis = orthonormal(3, 7, 5);
    float[][] rows = new float[3][7];
    for (int k = 0; k < 3; k++) {
      System.arraycopy(basis, k * 7, rows[k], 0, 7);
    }
    CsvWriter.write(dir.resolve("pca-basis.csv.gz"), Dataset.of(rows));
    CsvWriter.write(
        dir.resolve("pixel-mean.csv.gz"),
        Dataset.of(new float[][] {{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f}}));
    CsvWriter.write(
        dir.resolve("score-mean.csv.gz"), Dataset.of(new float[][] {{0.5f, -0.25f, 0}}));
    CsvWriter.write(dir.resolve("score-std.csv.gz"), Dataset.of(new float[][] {{4, 2, 0.5f}}));
    PcaBasis read = PcaBasis.read(dir);
    assertThat(read.components()).isEqualTo(3);
    assertThat(read.features()).isEqualTo(7);
    float[] z = {0.3f, 0.1f, -1};
    assertThat(read.reconstruct(z)).containsExactly(small().reconstruct(z));
    assertThatThrownBy(() -> read.reconstruct(new float[4]))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage("PcaBasis.reconstruct: a score row must have 3 values, but had 4");

    CsvWriter.write(dir.resolve("score-std.csv.gz"), Dataset.of(new float[][] {{4, 2}}));
    assertThatThrownBy(() -> PcaBasis.read(dir))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessageContaining("the basis is [3, 7], but the score files have 2 values");
    assertThatThrownBy(() -> PcaBasis.read(dir.resolve("none")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("pca-basis.csv.gz: no such file (a PCA folder needs it)");
  }

  @Test
  @DisplayName("fmnist-pca32: a test row maps back near its Fashion-MNIST image")
  void fmnistRowMapsBackToItsImage() {
    Optional<Path> pca = SharedData.find("fmnist-pca32/pca-basis.csv.gz").map(Path::getParent);
    Optional<Path> idx = SharedData.find("fashion-mnist/t10k-images-idx3-ubyte.gz");
    assumeTrue(pca.isPresent() && idx.isPresent(), "shared/data not found beside the repository");
    PcaBasis b = PcaBasis.read(pca.get());
    assertThat(b.components()).isEqualTo(32);
    assertThat(b.features()).isEqualTo(784);
    Dataset test = CsvReader.create().read(pca.get().resolve("test.csv.gz")).slice(0, 20);
    io.flows4j.tensor.Tensor images = IdxReader.readImages(idx.get());
    for (int i = 0; i < 20; i++) {
      float[] v = b.reconstruct(test.row(i));
      // 32 components keep 82.6% of the variance: the reconstruction is close to the image, and
      // much closer than the mean image is.
      double err = 0;
      double errMean = 0;
      float[] mean = b.reconstruct(b.project(new float[784]));
      for (int p = 0; p < 784; p++) {
        double pixel = images.get(i, 0, p / 28, p % 28) / 255.0;
        err += (v[p] - pixel) * (v[p] - pixel);
        errMean += (mean[p] - pixel) * (mean[p] - pixel);
      }
      assertThat(err).as("image %d", i).isLessThan(0.5 * errMean);
      // Projecting the reconstruction gives the scores back (the basis rows are orthonormal).
      float[] back = b.project(v);
      for (int k = 0; k < 32; k++) {
        assertThat((double) back[k]).isCloseTo(test.get(i, k), within(1e-3));
      }
    }
  }
}
