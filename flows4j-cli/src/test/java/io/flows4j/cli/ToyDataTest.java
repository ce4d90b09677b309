package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.data.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ToyDataTest {
  private static final int N = 20_000;

  /** Five standard errors of a proportion 1/8 estimated from N points. */
  private static final double FRACTION_TOLERANCE = 5 * Math.sqrt(0.125 * 0.875 / N);

  @ParameterizedTest(name = "{0}, seeds 3 and 4")
  @EnumSource(ToyData.class)
  void theSameSeedGivesTheSamePointsAndAnotherSeedOthers(ToyData toy) {
    Dataset a = toy.generate(500, 3);
    Dataset b = toy.generate(500, 3);
    Dataset c = toy.generate(500, 4);
    assertThat(a.columnNames()).containsExactly("x0", "x1");
    assertThat(a.rows()).isEqualTo(500);
    for (int i = 0; i < 500; i++) {
      assertThat(a.row(i)).containsExactly(b.row(i));
    }
    assertThat(a.row(0)).isNotEqualTo(c.row(0));
  }

  @Test
  void eightGaussiansPutAnEighthOfThePointsNearEachCentreSeed1() {
    Dataset d = ToyData.EIGHT_GAUSSIANS.generate(N, 1);
    int[] counts = new int[8];
    double sd = 0.5 / Math.sqrt(2);
    for (int i = 0; i < N; i++) {
      double best = Double.POSITIVE_INFINITY;
      int k = -1;
      for (int c = 0; c < 8; c++) {
        double cx = 4 * Math.cos(c * Math.PI / 4) / Math.sqrt(2);
        double cy = 4 * Math.sin(c * Math.PI / 4) / Math.sqrt(2);
        double dist = Math.hypot(d.get(i, 0) - cx, d.get(i, 1) - cy);
        if (dist < best) {
          best = dist;
          k = c;
        }
      }
      assertThat(best).as("distance to the nearest centre").isLessThan(6 * sd);
      counts[k]++;
    }
    for (int c : counts) {
      assertThat((double) c / N).isCloseTo(0.125, within(FRACTION_TOLERANCE));
    }
  }

  @Test
  void checkerboardPointsLieOnBlackSquaresSeed2() {
    Dataset d = ToyData.CHECKERBOARD.generate(N, 2);
    int[] perSquare = new int[16];
    for (int i = 0; i < N; i++) {
      float x = d.get(i, 0);
      float y = d.get(i, 1);
      assertThat(x).isBetween(-4f, 4f);
      assertThat(y).isBetween(-4f, 4f);
      int col = (int) Math.floor((x + 4) / 2);
      int row = (int) Math.floor((y + 4) / 2);
      assertThat((row + col) % 2).as("square (%d, %d) is black", col, row).isZero();
      perSquare[4 * row + col]++;
    }
    for (int s = 0; s < 16; s++) {
      if ((s / 4 + s % 4) % 2 == 0) {
        assertThat((double) perSquare[s] / N).isCloseTo(0.125, within(FRACTION_TOLERANCE));
      }
    }
  }

  @Test
  void ringsHaveFourRadiiSeed5() {
    Dataset d = ToyData.RINGS.generate(N, 5);
    for (int i = 0; i < N; i++) {
      double r = Math.hypot(d.get(i, 0), d.get(i, 1));
      double nearest = 0.75 * Math.max(1, Math.min(4, Math.round(r / 0.75)));
      assertThat(r - nearest).isCloseTo(0, within(6 * 0.08 * Math.sqrt(2)));
    }
  }

  @Test
  void moonsHaveTheMeanOfTheScaledHalfCirclesSeed6() {
    // The upper moon's mean is (0, 2/pi), the lower one's (1, 0.5 - 2/pi); together (0.5, 0.25),
    // which the scaling 2x + (-1, -0.2) maps to (0, 0.3).
    Dataset d = ToyData.MOONS.generate(N, 6);
    double mx = 0;
    double my = 0;
    for (int i = 0; i < N; i++) {
      mx += d.get(i, 0);
      my += d.get(i, 1);
    }
    assertThat(mx / N).isCloseTo(0, within(0.03));
    assertThat(my / N).isCloseTo(0.3, within(0.03));
  }

  @Test
  void namesAreMatchedIgnoringCaseAndUnknownOnesListed() {
    assertThat(ToyData.byName("8Gaussians")).isEqualTo(ToyData.EIGHT_GAUSSIANS);
    assertThat(ToyData.byName("moons")).isEqualTo(ToyData.MOONS);
    assertThatThrownBy(() -> ToyData.byName("swissroll"))
        .hasMessage(
            "--dataset must be one of moons, 8gaussians, checkerboard, 2spirals, rings, but was"
                + " 'swissroll'");
    assertThatThrownBy(() -> ToyData.MOONS.generate(0, 1))
        .hasMessage("ToyData.generate: n must be >= 1, but was 0 (moons)");
  }
}
