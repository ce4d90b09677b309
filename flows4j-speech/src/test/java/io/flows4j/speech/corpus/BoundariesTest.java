package io.flows4j.speech.corpus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoundariesTest {
  private static final double EXACT = 1e-12;

  @Test
  @DisplayName("the boundary after phone k is c_k + b_k / 2 - 0.5 frames")
  void fromDurations() {
    // blank p0 blank p1 blank p2 blank
    int[] d = {1, 5, 2, 7, 0, 3, 4};
    double[] b = Boundaries.fromDurations(d);
    assertThat(b).hasSize(2);
    assertThat(b[0]).isCloseTo(1 + 5 + 2 / 2.0 - 0.5, within(EXACT));
    assertThat(b[1]).isCloseTo(1 + 5 + 2 + 7 + 0 - 0.5, within(EXACT));
  }

  @Test
  @DisplayName("segments written as .lab read back, and give back their own boundaries")
  void labRoundTrip(@TempDir Path dir) {
    int[] d = {2, 10, 0, 6, 4, 8, 3};
    List<LabFile.Segment> s = Boundaries.toSegments(List.of("pau", "hh", "pau"), d);
    assertThat(s).extracting(LabFile.Segment::phone).containsExactly("pau", "hh", "pau");
    assertThat(s.get(0).start()).isZero();
    assertThat(s.get(2).end())
        .isCloseTo((2 + 10 + 0 + 6 + 4 + 8 + 3 - 1) * 256 / 22050.0, within(EXACT));
    Path f = dir.resolve("a.lab");
    LabFile.write(f, s);
    List<LabFile.Segment> back = LabFile.read(f);
    assertThat(back).hasSize(3);
    double[] ref = Boundaries.fromLab(back);
    double[] own = Boundaries.fromDurations(d);
    // Three decimals of a second are 0.09 frames at most.
    for (int k = 0; k < own.length; k++) {
      assertThat(ref[k]).isCloseTo(own[k], within(0.5e-3 * 22050 / 256));
    }
    assertThat(Boundaries.fractionWithin(own, ref, 2)).isEqualTo(1.0);
    assertThat(Boundaries.fractionWithin(new double[] {0, 100}, new double[] {1.5, 97}, 2))
        .isEqualTo(0.5);
  }
}
