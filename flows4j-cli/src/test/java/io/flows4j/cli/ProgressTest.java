package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void linesModePrintsOneCompactLineEveryFewSeconds() {
    StringWriter sw = new StringWriter();
    AtomicLong clock = new AtomicLong(0);
    try (Progress p =
        Progress.start("fit", 1000, new PrintWriter(sw), Progress.Mode.LINES, clock::get)) {
      clock.set(SECOND);
      p.update(100, "loss 3.000");
      assertThat(sw.toString()).as("nothing before the interval").isEmpty();
      clock.set(5 * SECOND);
      p.update(500, "loss 2.500, val 2.600");
      clock.set(6 * SECOND);
      p.update(600, "loss 2.400");
    }
    assertThat(sw.toString())
        .isEqualTo(
            "fit: 500/1000 (50%), loss 2.500, val 2.600, 100.0/s, ETA 0:05"
                + System.lineSeparator());
  }

  @Test
  void noneModePrintsNothing() {
    StringWriter sw = new StringWriter();
    AtomicLong clock = new AtomicLong(0);
    try (Progress p =
        Progress.start("fit", 10, new PrintWriter(sw), Progress.Mode.NONE, clock::get)) {
      clock.set(100 * SECOND);
      p.update(10, "loss 1");
    }
    assertThat(sw.toString()).isEmpty();
  }

  @Test
  void barModeRedrawsInPlaceAndEndsTheLine() {
    StringWriter sw = new StringWriter();
    try (Progress p =
        Progress.start("fit", 10, new PrintWriter(sw), Progress.Mode.BAR, System::nanoTime)) {
      p.update(10, "loss 1.234");
    }
    String s = sw.toString();
    assertThat(s).startsWith("\r").contains("fit").contains("10/10").contains("loss 1.234");
    assertThat(s).endsWith(System.lineSeparator());
    assertThat(s.strip()).doesNotContain("\n");
  }

  @Test
  void durationsAreMinutesAndSecondsOrHours() {
    assertThat(Progress.duration(0)).isEqualTo("0:00");
    assertThat(Progress.duration(309.4)).isEqualTo("5:09");
    assertThat(Progress.duration(3909)).isEqualTo("1:05:09");
    assertThat(Progress.duration(-3)).isEqualTo("0:00");
  }
}
