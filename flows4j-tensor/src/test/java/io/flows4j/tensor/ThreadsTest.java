package io.flows4j.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ThreadsTest {
  /** Longest wait for a worker to pick up a range on a busy machine. */
  static final long WAIT_SECONDS = 30;

  private int saved;

  @BeforeEach
  void save() {
    saved = Threads.count();
  }

  @AfterEach
  void restore() {
    Threads.setCount(saved);
  }

  @ParameterizedTest(name = "threads={0} n={1} minPerTask={2}")
  @CsvSource({
    "1, 0, 1",
    "1, 10, 1",
    "2, 1, 1",
    "2, 2, 1",
    "2, 7, 1",
    "2, 100, 3",
    "2, 1000, 50",
    "3, 7, 1",
    "3, 1000, 1",
    "4, 10, 1",
    "4, 5, 100"
  })
  void parallelRangeCoversEveryIndexExactlyOnce(int threads, int n, int minPerTask) {
    Threads.setCount(threads);
    AtomicIntegerArray hits = new AtomicIntegerArray(n);
    List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
    Threads.parallelRange(
        n,
        minPerTask,
        (from, to) -> {
          ranges.add(new int[] {from, to});
          for (int i = from; i < to; i++) {
            hits.incrementAndGet(i);
          }
        });
    for (int i = 0; i < n; i++) {
      assertThat(hits.get(i)).as("index %d", i).isEqualTo(1);
    }
    assertThat(ranges).hasSize(Threads.tasksFor(n, minPerTask));
    assertThat(ranges).allSatisfy(r -> assertThat(r[1] - r[0]).isPositive());
  }

  @ParameterizedTest(name = "threads={0} n={1} tasks={2}")
  @CsvSource({"2, 10, 2", "2, 10, 5", "3, 100, 7", "2, 3, 3", "1, 9, 4", "2, 0, 3"})
  void runSplitMakesExactlyTheGivenContiguousRanges(int threads, int n, int tasks) {
    Threads.setCount(threads);
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    Threads.runSplit(n, tasks, (from, to) -> seen.add(from + ".." + to));
    List<String> expected = new ArrayList<>();
    for (int t = 0; t < tasks; t++) {
      expected.add((long) n * t / tasks + ".." + (long) n * (t + 1) / tasks);
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void usesAWorkerThreadWhenThereAreSeveral() {
    Threads.setCount(2);
    List<String> names = Collections.synchronizedList(new ArrayList<>());
    // Whoever claims a range first waits for the other range to be claimed: the caller cannot
    // take both, so a worker must run one.
    Threads.runSplit(
        2,
        2,
        (from, to) -> {
          names.add(Thread.currentThread().getName());
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
          while (names.size() < 2 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
          }
        });
    assertThat(names).hasSize(2).anyMatch(n -> n.startsWith("flows4j-compute-"));
  }

  @Test
  void exceptionsInAWorkerRangePropagateAfterAllRangesFinish() {
    Threads.setCount(2);
    AtomicIntegerArray done = new AtomicIntegerArray(4);
    IllegalStateException boom = new IllegalStateException("range 3 failed");
    assertThatThrownBy(
            () ->
                Threads.runSplit(
                    4,
                    4,
                    (from, to) -> {
                      if (from == 3) {
                        throw boom;
                      }
                      done.set(from, 1);
                    }))
        .isSameAs(boom);
    assertThat(done.get(0) + done.get(1) + done.get(2)).isEqualTo(3);
  }

  @Test
  void errorsPropagateToo() {
    Threads.setCount(3);
    AssertionError error = new AssertionError("bad");
    assertThatThrownBy(
            () ->
                Threads.runSplit(
                    6,
                    3,
                    (from, to) -> {
                      throw error;
                    }))
        .isSameAs(error);
  }

  @Test
  void nestedSectionsRunOnTheirCaller() {
    Threads.setCount(2);
    AtomicIntegerArray hits = new AtomicIntegerArray(100);
    Threads.runSplit(
        10,
        2,
        (from, to) -> {
          for (int i = from; i < to; i++) {
            int base = i * 10;
            Threads.runSplit(
                10,
                2,
                (f, t) -> {
                  for (int j = f; j < t; j++) {
                    hits.incrementAndGet(base + j);
                  }
                });
          }
        });
    for (int i = 0; i < 100; i++) {
      assertThat(hits.get(i)).as("index %d", i).isEqualTo(1);
    }
  }

  @Test
  void sectionsFromTwoCallersAtOnceBothComplete() throws InterruptedException {
    Threads.setCount(2);
    AtomicIntegerArray hits = new AtomicIntegerArray(2000);
    Thread other =
        new Thread(
            () -> {
              for (int r = 0; r < 200; r++) {
                Threads.runSplit(1000, 2, (f, t) -> count(hits, 1000, f, t));
              }
            });
    other.start();
    for (int r = 0; r < 200; r++) {
      Threads.runSplit(1000, 2, (f, t) -> count(hits, 0, f, t));
    }
    other.join();
    for (int i = 0; i < 2000; i++) {
      assertThat(hits.get(i)).as("index %d", i).isEqualTo(200);
    }
  }

  private static void count(AtomicIntegerArray hits, int base, int from, int to) {
    for (int i = from; i < to; i++) {
      hits.incrementAndGet(base + i);
    }
  }

  @Test
  void refusesAThreadCountBelowOne() {
    assertThatThrownBy(() -> Threads.setCount(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("threads: the thread count must be >= 1, but was 0");
    assertThatThrownBy(() -> Threads.setCount(-3))
        .hasMessage("threads: the thread count must be >= 1, but was -3");
  }

  @Test
  void refusesBadSplits() {
    assertThatThrownBy(() -> Threads.runSplit(-1, 2, (f, t) -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("runSplit: n must be >= 0, but was -1");
    assertThatThrownBy(() -> Threads.runSplit(5, 0, (f, t) -> {}))
        .hasMessage("runSplit: tasks must be >= 1, but was 0");
  }

  @Test
  void setCountChangesCountAndTasksFor() {
    Threads.setCount(3);
    assertThat(Threads.count()).isEqualTo(3);
    assertThat(Threads.tasksFor(100, 10)).isEqualTo(3);
    assertThat(Threads.tasksFor(20, 10)).isEqualTo(2);
    assertThat(Threads.tasksFor(0, 10)).isZero();
    Threads.setCount(1);
    assertThat(Threads.tasksFor(100, 1)).isEqualTo(1);
  }
}
