package io.flows4j.speech.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.flows4j.tensor.Rng;
import io.flows4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Monotonic alignment search against brute-force enumeration of every monotonic alignment. */
class MonotonicAlignmentTest {
  /** Tolerance on a path's summed log-likelihood (float inputs summed in double). */
  private static final double SCORE_TOL = 1e-9;

  /** Every alignment of {@code frames} frames to {@code tokens} tokens (each token >= 1 frame). */
  private static List<int[]> allAlignments(int tokens, int frames) {
    List<int[]> out = new ArrayList<>();
    extend(new int[frames], 0, 0, tokens, out);
    return out;
  }

  private static void extend(int[] a, int j, int token, int tokens, List<int[]> out) {
    a[j] = token;
    if (j == a.length - 1) {
      if (token == tokens - 1) {
        out.add(a.clone());
      }
      return;
    }
    extend(a, j + 1, token, tokens, out);
    if (token + 1 < tokens) {
      extend(a, j + 1, token + 1, tokens, out);
    }
  }

  private static double score(float[] ll, int offset, int stride, int[] a) {
    double s = 0;
    for (int j = 0; j < a.length; j++) {
      s += ll[offset + a[j] * stride + j];
    }
    return s;
  }

  @ParameterizedTest(name = "{0} tokens x {1} frames, seed {2}")
  @CsvSource({"3, 6, 1", "3, 6, 2", "4, 7, 3", "1, 5, 4", "5, 5, 5", "2, 9, 6", "4, 10, 7"})
  @DisplayName("the search finds the best alignment that brute force finds")
  void matchesBruteForce(int tokens, int frames, long seed) {
    Rng rng = new Rng(seed);
    for (int trial = 0; trial < 20; trial++) {
      int stride = frames + 2;
      float[] ll = new float[3 + tokens * stride];
      for (int i = 0; i < ll.length; i++) {
        ll[i] = (float) (3 * rng.nextGaussian());
      }
      int[] found = MonotonicAlignment.search(ll, 3, stride, tokens, frames);
      double best = Double.NEGATIVE_INFINITY;
      int[] bestPath = null;
      for (int[] a : allAlignments(tokens, frames)) {
        double s = score(ll, 3, stride, a);
        if (s > best) {
          best = s;
          bestPath = a;
        }
      }
      assertThat(score(ll, 3, stride, found)).isCloseTo(best, within(SCORE_TOL));
      assertThat(found).containsExactly(bestPath);
      int[] d = MonotonicAlignment.durations(found, tokens);
      int sum = 0;
      for (int x : d) {
        assertThat(x).isPositive();
        sum += x;
      }
      assertThat(sum).isEqualTo(frames);
    }
  }

  @Test
  @DisplayName("a batch with padding aligns each item as if alone; padding values are ignored")
  void batchWithPadding() {
    Rng rng = new Rng(11);
    int[] tokens = {3, 2, 4};
    int[] frames = {6, 7, 4};
    Tensor ll = rng.fillNormal(Tensor.zeros(3, 4, 8), 0, 2);
    int[][] a = MonotonicAlignment.searchBatch(ll, tokens, frames);
    for (int b = 0; b < 3; b++) {
      float[] alone = new float[tokens[b] * frames[b]];
      for (int i = 0; i < tokens[b]; i++) {
        for (int j = 0; j < frames[b]; j++) {
          alone[i * frames[b] + j] = ll.get(b, i, j);
        }
      }
      assertThat(a[b]).hasSize(frames[b]);
      assertThat(a[b])
          .containsExactly(MonotonicAlignment.search(alone, 0, frames[b], tokens[b], frames[b]));
    }
    // Huge values in the padding change nothing.
    Tensor noisy = ll.copy();
    for (int j = frames[0]; j < 8; j++) {
      for (int i = 0; i < 4; i++) {
        noisy.set(1e6f, 0, i, j);
      }
    }
    noisy.set(1e6f, 0, 3, 0);
    assertThat(MonotonicAlignment.searchBatch(noisy, tokens, frames)[0]).containsExactly(a[0]);
  }

  @Test
  @DisplayName("logLikelihood equals the Gaussian log-density summed over channels")
  void logLikelihood() {
    Rng rng = new Rng(12);
    Tensor mu = rng.fillNormal(Tensor.zeros(2, 5, 3), 0, 1);
    Tensor z = rng.fillNormal(Tensor.zeros(2, 5, 4), 0, 1);
    Tensor ll = MonotonicAlignment.logLikelihood(mu, z);
    for (int b = 0; b < 2; b++) {
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 4; j++) {
          double e = 0;
          for (int c = 0; c < 5; c++) {
            double d = z.get(b, c, j) - mu.get(b, c, i);
            e += -0.5 * d * d - 0.5 * Math.log(2 * Math.PI);
          }
          assertThat((double) ll.get(b, i, j)).isCloseTo(e, within(1e-4));
        }
      }
    }
  }

  @Test
  @DisplayName("fewer frames than tokens is refused with a message naming both counts")
  void tooFewFrames() {
    assertThatThrownBy(() -> MonotonicAlignment.search(new float[20], 0, 5, 4, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 frames for 4 tokens");
    assertThatThrownBy(
            () ->
                MonotonicAlignment.searchBatch(Tensor.zeros(1, 4, 5), new int[] {4}, new int[] {3}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("3 frames for 4 tokens");
  }
}
