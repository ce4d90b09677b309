package io.flows4j.speech.model;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Shape;
import io.flows4j.tensor.ShapeMismatchException;
import io.flows4j.tensor.Tensor;
import io.flows4j.tensor.Threads;
import io.flows4j.tensor.kernels.Kernels;

/**
 * Monotonic alignment search (Kim et al. 2020, "Glow-TTS", section 2.3): the most likely hard,
 * monotonic alignment of {@code M} frames to {@code N} tokens, by a Viterbi-style dynamic programme
 * in {@code O(N M)} time.
 *
 * <p>An alignment gives every frame {@code j} exactly one token {@code a[j]}, with {@code a[0] =
 * 0}, {@code a[M - 1] = N - 1} and {@code a[j + 1] - a[j] in {0, 1}}: tokens are visited in order,
 * none is skipped, so every token gets at least one frame (which needs {@code M >= N}). The search
 * maximises {@code sum_j L[a[j], j]} over all such alignments, with the recurrence
 *
 * <pre>
 * Q[0, 0] = L[0, 0],   Q[i, 0] = -inf for i > 0,
 * Q[i, j] = L[i, j] + max(Q[i, j - 1], Q[i - 1, j - 1]),
 * </pre>
 *
 * and backtracks from {@code Q[N - 1, M - 1]}. Sums run in double; where both predecessors tie, the
 * path stays on the same token.
 */
public final class MonotonicAlignment {
  private MonotonicAlignment() {}

  /**
   * The best alignment of one item.
   *
   * @param logLikelihood {@code L[i, j]} at {@code logLikelihood[offset + i * stride + j]}, for
   *     {@code i < tokens}, {@code j < frames}
   * @param offset index of {@code L[0, 0]}
   * @param stride distance between rows, at least {@code frames}
   * @param tokens {@code N}, at least 1
   * @param frames {@code M}, at least {@code N}
   * @return the token of each frame, length {@code frames}
   * @throws IllegalArgumentException if {@code tokens < 1}, {@code frames < tokens}, or the stride
   *     is shorter than a row
   */
  public static int[] search(
      float[] logLikelihood, int offset, int stride, int tokens, int frames) {
    Checks.requirePositive(tokens, "MonotonicAlignment.search", "tokens");
    Checks.requireArgument(
        frames >= tokens,
        "MonotonicAlignment.search: frames must be >= tokens (every token needs a frame), but"
            + " were %d frames for %d tokens",
        frames,
        tokens);
    Checks.requireArgument(
        stride >= frames,
        "MonotonicAlignment.search: stride must be >= frames (%d), but was %d",
        frames,
        stride);
    // Only cells with i <= j (enough frames before) and N - i <= M - j (enough after) can lie on a
    // complete path; row i spans j in [i, M - N + i], a band of M - N + 1 cells.
    int band = frames - tokens + 1;
    double[] q = new double[tokens * band];
    for (int i = 0; i < tokens; i++) {
      int row = offset + i * stride;
      for (int k = 0; k < band; k++) {
        int j = i + k;
        double l = logLikelihood[row + j];
        double best;
        if (i == 0) {
          best = k == 0 ? 0 : q[k - 1]; // only "stay" is possible in the first row
        } else {
          double diag = q[(i - 1) * band + k]; // Q[i - 1, j - 1]
          double stay = k == 0 ? Double.NEGATIVE_INFINITY : q[i * band + k - 1]; // Q[i, j - 1]
          best = stay >= diag ? stay : diag;
        }
        q[i * band + k] = best + l;
      }
    }
    int[] a = new int[frames];
    int i = tokens - 1;
    for (int j = frames - 1; j >= 0; j--) {
      a[j] = i;
      if (j == 0) {
        break;
      }
      int k = j - i;
      if (i > 0) {
        double diag = q[(i - 1) * band + k];
        double stay = k == 0 ? Double.NEGATIVE_INFINITY : q[i * band + k - 1];
        if (!(stay >= diag)) {
          i--;
        }
      }
    }
    return a;
  }

  /**
   * The number of frames each token gets, {@code d[i] = |{j : a[j] = i}|}.
   *
   * @param alignment the token of each frame, as from {@link #search}
   * @param tokens the number of tokens
   */
  public static int[] durations(int[] alignment, int tokens) {
    int[] d = new int[tokens];
    for (int i : alignment) {
      d[i]++;
    }
    return d;
  }

  /**
   * The Gaussian log-likelihood of every frame under every token's prior with unit variance, {@code
   * L[b, i, j] = -0.5 sum_c (z[b, c, j] - mu[b, c, i])^2 - C/2 log(2 pi)}, computed as {@code mu^T
   * z - |z|^2 / 2 - |mu|^2 / 2} by one matrix product per item.
   *
   * @param mu prior means of shape {@code [batch, C, tokens]}
   * @param z latent frames of shape {@code [batch, C, frames]}
   * @return of shape {@code [batch, tokens, frames]}
   * @throws ShapeMismatchException if batch or channels differ
   */
  public static Tensor logLikelihood(Tensor mu, Tensor z) {
    Shape sm = mu.shape();
    Shape sz = z.shape();
    if (sm.rank() != 3 || sz.rank() != 3 || sm.dim(0) != sz.dim(0) || sm.dim(1) != sz.dim(1)) {
      throw new ShapeMismatchException(
          "MonotonicAlignment.logLikelihood: mu and z must be [batch, channels, *] with equal"
              + " batch and channels, but were "
              + sm
              + " and "
              + sz);
    }
    int batch = sm.dim(0);
    int ch = sm.dim(1);
    int tokens = sm.dim(2);
    int frames = sz.dim(2);
    Tensor out = Tensor.zeros(batch, tokens, frames);
    double constant = 0.5 * ch * Math.log(2 * Math.PI);
    Threads.parallelRange(
        batch,
        1,
        (from, to) -> {
          float[] zz = new float[frames];
          float[] mm = new float[tokens];
          for (int b = from; b < to; b++) {
            int mo = mu.offset() + b * ch * tokens;
            int zo = z.offset() + b * ch * frames;
            int oo = out.offset() + b * tokens * frames;
            Kernels.gemm()
                .sgemm(
                    true,
                    false,
                    tokens,
                    frames,
                    ch,
                    1f,
                    mu.data(),
                    mo,
                    tokens,
                    z.data(),
                    zo,
                    frames,
                    0f,
                    out.data(),
                    oo,
                    frames);
            java.util.Arrays.fill(zz, 0f);
            java.util.Arrays.fill(mm, 0f);
            for (int c = 0; c < ch; c++) {
              for (int j = 0; j < frames; j++) {
                float v = z.data()[zo + c * frames + j];
                zz[j] += v * v;
              }
              for (int i = 0; i < tokens; i++) {
                float v = mu.data()[mo + c * tokens + i];
                mm[i] += v * v;
              }
            }
            for (int i = 0; i < tokens; i++) {
              for (int j = 0; j < frames; j++) {
                int k = oo + i * frames + j;
                out.data()[k] = (float) (out.data()[k] - 0.5 * (zz[j] + mm[i]) - constant);
              }
            }
          }
        });
    return out;
  }

  /**
   * The best alignment of every item of a padded batch: item {@code b} aligns its first {@code
   * frameLengths[b]} frames to its first {@code tokenLengths[b]} tokens; padding is ignored.
   *
   * @param logLikelihood of shape {@code [batch, maxTokens, maxFrames]}
   * @param tokenLengths valid tokens per item
   * @param frameLengths valid frames per item
   * @return per item, the token of each valid frame
   * @throws IllegalArgumentException if a length is out of range or an item has fewer frames than
   *     tokens
   */
  public static int[][] searchBatch(Tensor logLikelihood, int[] tokenLengths, int[] frameLengths) {
    Shape s = logLikelihood.shape();
    Checks.requireShape(
        s.rank() == 3 && tokenLengths.length == s.dim(0) && frameLengths.length == s.dim(0),
        "MonotonicAlignment.searchBatch: log-likelihoods must be [%d, tokens, frames], but were"
            + " %s",
        tokenLengths.length,
        s);
    int batch = s.dim(0);
    int[][] out = new int[batch][];
    for (int b = 0; b < batch; b++) {
      Checks.requireArgument(
          tokenLengths[b] <= s.dim(1) && frameLengths[b] <= s.dim(2),
          "MonotonicAlignment.searchBatch: item %d has %d tokens and %d frames, more than %s",
          b,
          tokenLengths[b],
          frameLengths[b],
          s);
      Checks.requireArgument(
          tokenLengths[b] >= 1 && frameLengths[b] >= tokenLengths[b],
          "MonotonicAlignment.searchBatch: item %d must have at least one token and frames >="
              + " tokens (every token needs a frame), but has %d frames for %d tokens",
          b,
          frameLengths[b],
          tokenLengths[b]);
    }
    Threads.parallelRange(
        batch,
        1,
        (from, to) -> {
          for (int b = from; b < to; b++) {
            out[b] =
                search(
                    logLikelihood.data(),
                    logLikelihood.offset() + b * s.dim(1) * s.dim(2),
                    s.dim(2),
                    tokenLengths[b],
                    frameLengths[b]);
          }
        });
    return out;
  }
}
