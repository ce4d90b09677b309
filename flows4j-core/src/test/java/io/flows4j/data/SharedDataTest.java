package io.flows4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Reads the shipped data sets when they are present beside the repository ({@code ../shared/data});
 * skipped when they are not.
 */
@Tag("shared-data")
class SharedDataTest {
  private static Path require(String relative) {
    Optional<Path> p = SharedData.find(relative);
    assumeTrue(p.isPresent(), "shared/data/" + relative + " not found beside the repository");
    return p.get();
  }

  @Test
  void readsMoonsTrain() {
    Dataset d = CsvReader.create().read(require("2d/moons-train.csv.gz"));
    assertThat(d.rows()).isEqualTo(50_000);
    assertThat(d.columnNames()).containsExactly("x0", "x1");
    assertThat(d.row(0)).containsExactly(-2.5281f, 1.31765f);
    // The README gives the training std of moons as (1.744, 1.008).
    Standardizer s = Standardizer.fit(d);
    assertThat(s.std()[0]).isBetween(1.7435, 1.7445);
    assertThat(s.std()[1]).isBetween(1.0075, 1.0085);
  }

  @Test
  void readsFmnistPca32Train() {
    Dataset d = CsvReader.create().read(require("fmnist-pca32/train.csv.gz"));
    assertThat(d.rows()).isEqualTo(60_000);
    assertThat(d.columns()).isEqualTo(32);
    assertThat(d.columnNames().get(31)).isEqualTo("x31");
    // Standardized with the train statistics when made: means about 0, stds about 1.
    Standardizer s = Standardizer.fit(d);
    assertThat(Arrays.stream(s.mean()).map(Math::abs).max().orElseThrow()).isLessThan(1e-4);
    assertThat(Arrays.stream(s.std()).map(x -> Math.abs(x - 1)).max().orElseThrow())
        .isLessThan(1e-4);
  }

  @Test
  void readsFashionMnistTestLabels() {
    int[] labels = IdxReader.readLabels(require("fashion-mnist/t10k-labels-idx1-ubyte.gz"));
    assertThat(labels).hasSize(10_000);
    assertThat(Arrays.stream(labels).min().orElseThrow()).isZero();
    assertThat(Arrays.stream(labels).max().orElseThrow()).isEqualTo(9);
    int[] counts = new int[10];
    for (int y : labels) {
      counts[y]++;
    }
    // Fashion-MNIST's test set is balanced: 1,000 images per class.
    assertThat(counts).containsOnly(1000);
  }
}
