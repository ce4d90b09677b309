package io.flows4j.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MinibatchSamplerTest {
  /** Row i holds (i, -i), so a batch says which rows it drew. */
  private static Dataset rows(int n) {
    float[] v = new float[2 * n];
    for (int i = 0; i < n; i++) {
      v[2 * i] = i;
      v[2 * i + 1] = -i;
    }
    return Dataset.of(List.of("i", "minus_i"), v).withLabels(IntStream.range(0, n).toArray());
  }

  private static int[] drawn(MinibatchSampler s, Tensor buffer) {
    s.next(buffer);
    int[] r = new int[buffer.dim(0)];
    for (int k = 0; k < r.length; k++) {
      r[k] = (int) buffer.get(k, 0);
      assertThat(buffer.get(k, 1)).isEqualTo(-buffer.get(k, 0));
      assertThat(s.lastIndex(k)).isEqualTo(r[k]);
    }
    return r;
  }

  @Test
  @DisplayName("with replacement: same seed 3 gives the same batches, seed 4 others")
  void withReplacementIsSeeded() {
    Dataset d = rows(100);
    Tensor buf = Tensor.zeros(64, 2);
    MinibatchSampler a = MinibatchSampler.withReplacement(d, 64, 3);
    MinibatchSampler b = MinibatchSampler.withReplacement(d, 64, 3);
    MinibatchSampler c = MinibatchSampler.withReplacement(d, 64, 4);
    for (int step = 0; step < 5; step++) {
      int[] x = drawn(a, buf);
      assertThat(drawn(b, buf)).isEqualTo(x);
      assertThat(drawn(c, buf)).isNotEqualTo(x);
    }
    assertThat(a.steps()).isEqualTo(5);
    assertThat(a.completedEpochs()).isZero();
  }

  @Test
  @DisplayName("with replacement: draws repeat rows and cover all of them (seed 7)")
  void withReplacementDrawsUniformly() {
    int n = 10;
    MinibatchSampler s = MinibatchSampler.withReplacement(rows(n), 1000, 7);
    int[] counts = new int[n];
    for (int i : drawn(s, Tensor.zeros(1000, 2))) {
      counts[i]++;
    }
    // Binomial(1000, 0.1): mean 100, sd 9.5; 60..140 is beyond 4 sd.
    assertThat(Arrays.stream(counts).min().orElseThrow()).isGreaterThanOrEqualTo(60);
    assertThat(Arrays.stream(counts).max().orElseThrow()).isLessThanOrEqualTo(140);
  }

  @Test
  @DisplayName("shuffled epochs: every row once per epoch, batches straddle epochs (seed 8)")
  void shuffledEpochsVisitEveryRowOnce() {
    int n = 10;
    MinibatchSampler s = MinibatchSampler.shuffledEpochs(rows(n), 4, 8);
    Tensor buf = Tensor.zeros(4, 2);
    int[] stream = new int[20];
    for (int step = 0; step < 5; step++) {
      System.arraycopy(drawn(s, buf), 0, stream, 4 * step, 4);
    }
    int[] first = Arrays.copyOfRange(stream, 0, 10);
    int[] second = Arrays.copyOfRange(stream, 10, 20);
    assertThat(Arrays.stream(first).sorted().toArray()).isEqualTo(IntStream.range(0, n).toArray());
    assertThat(Arrays.stream(second).sorted().toArray()).isEqualTo(IntStream.range(0, n).toArray());
    assertThat(first).isNotEqualTo(second);
    assertThat(s.completedEpochs()).isEqualTo(2);
    MinibatchSampler same = MinibatchSampler.shuffledEpochs(rows(n), 4, 8);
    assertThat(drawn(same, buf)).isEqualTo(Arrays.copyOfRange(stream, 0, 4));
    MinibatchSampler other = MinibatchSampler.shuffledEpochs(rows(n), 10, 9);
    assertThat(drawn(other, Tensor.zeros(10, 2))).isNotEqualTo(first);
  }

  @Test
  void labelsFollowTheRows() {
    MinibatchSampler s = MinibatchSampler.withReplacement(rows(50), 8, 1);
    Tensor buf = Tensor.zeros(8, 2);
    int[] labels = new int[8];
    s.next(buf, labels);
    for (int k = 0; k < 8; k++) {
      assertThat(labels[k]).isEqualTo((int) buf.get(k, 0));
    }
  }

  @Test
  void fillsImageShapedBuffersAndViews() {
    Dataset d = Dataset.fromTensor(Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 2, 1, 2, 2));
    MinibatchSampler s = MinibatchSampler.shuffledEpochs(d, 2, 0);
    Tensor big = Tensor.full(io.flows4j.tensor.Shape.of(4, 1, 2, 2), -1f);
    Tensor view = big.rows(1, 3);
    s.next(view);
    assertThat(big.rows(0, 1).toArray()).containsOnly(-1f);
    assertThat(big.rows(3, 4).toArray()).containsOnly(-1f);
    float[] filled = view.toArray();
    Arrays.sort(filled);
    assertThat(filled).containsExactly(1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f);
  }

  @Test
  void refusesWrongBuffers() {
    MinibatchSampler s = MinibatchSampler.withReplacement(rows(5), 4, 1);
    assertThatThrownBy(() -> s.next(Tensor.zeros(3, 2)))
        .isInstanceOf(ShapeMismatchException.class)
        .hasMessage(
            "MinibatchSampler.next: the buffer must hold 4 rows of 2 values, but was [3, 2]");
    assertThatThrownBy(() -> MinibatchSampler.withReplacement(rows(5), 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("MinibatchSampler: batch must be > 0, but was 0");
    MinibatchSampler unlabelled = MinibatchSampler.withReplacement(rows(5).withoutLabels(), 4, 1);
    assertThatThrownBy(() -> unlabelled.next(Tensor.zeros(4, 2), new int[4]))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("MinibatchSampler.next: the dataset has no labels");
  }
}
