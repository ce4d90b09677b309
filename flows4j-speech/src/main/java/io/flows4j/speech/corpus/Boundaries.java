package io.flows4j.speech.corpus;

import io.flows4j.tensor.Checks;
import java.util.ArrayList;
import java.util.List;

/**
 * Phone boundaries from token durations, and how close they are to a reference alignment, as the
 * speech kit measures them.
 *
 * <p>The tokens are {@code [blank, p_0, blank, p_1, ..., p_{n-1}, blank]}. The boundary after phone
 * {@code k}, in frames, is {@code c_k + b_k / 2 - 0.5}, with {@code c_k} the frames of all tokens
 * up to and including phone {@code k} and {@code b_k} those of the blank after it: the blank is
 * shared between its two neighbours, and frame {@code t} is centred at sample {@code 256 t}. A
 * reference boundary at time {@code s} seconds is at frame {@code s * 22050 / 256}.
 */
public final class Boundaries {
  /** Samples per frame (the STFT hop). */
  public static final int HOP = 256;

  /** Sample rate of the corpus, Hz. */
  public static final int SAMPLE_RATE = 22050;

  private Boundaries() {}

  /**
   * The boundaries after phones {@code 0 .. n-2} (the internal ones), in frames.
   *
   * @param tokenFrames frames of each of the {@code 2n + 1} tokens
   * @throws IllegalArgumentException if the count is not odd and at least 3
   */
  public static double[] fromDurations(int[] tokenFrames) {
    Checks.requireArgument(
        tokenFrames.length >= 3 && tokenFrames.length % 2 == 1,
        "Boundaries: durations must be given for 2n + 1 tokens, n >= 1, but there were %d",
        tokenFrames.length);
    int n = (tokenFrames.length - 1) / 2;
    double[] out = new double[n - 1];
    int c = 0;
    for (int k = 0; k < n - 1; k++) {
      c += tokenFrames[2 * k] + tokenFrames[2 * k + 1];
      out[k] = c + tokenFrames[2 * k + 2] / 2.0 - 0.5;
    }
    return out;
  }

  /** The internal boundaries of a reference alignment, in frames ({@code end * 22050 / 256}). */
  public static double[] fromLab(List<LabFile.Segment> segments) {
    double[] out = new double[Math.max(0, segments.size() - 1)];
    for (int k = 0; k < out.length; k++) {
      out[k] = segments.get(k).end() * SAMPLE_RATE / HOP;
    }
    return out;
  }

  /**
   * The fraction of boundaries within {@code tolerance} frames of the reference's.
   *
   * @throws IllegalArgumentException if the counts differ or there is none
   */
  public static double fractionWithin(double[] predicted, double[] reference, double tolerance) {
    Checks.requireArgument(
        predicted.length == reference.length && predicted.length > 0,
        "Boundaries: %d predicted and %d reference boundaries; they must be the same, non-zero"
            + " number",
        predicted.length,
        reference.length);
    int within = 0;
    for (int i = 0; i < predicted.length; i++) {
      if (Math.abs(predicted[i] - reference[i]) <= tolerance) {
        within++;
      }
    }
    return (double) within / predicted.length;
  }

  /**
   * The alignment as {@code .lab} segments: phone {@code k} spans from the boundary before it to
   * the boundary after it (the first from 0, the last to the end of the audio, {@code (T - 1) 256 /
   * 22050} seconds for {@code T} frames); blank frames go half to each neighbouring phone.
   *
   * @param phones the {@code n} phones
   * @param tokenFrames frames of each of the {@code 2n + 1} tokens
   * @throws IllegalArgumentException if the counts do not agree
   */
  public static List<LabFile.Segment> toSegments(List<String> phones, int[] tokenFrames) {
    Checks.requireArgument(
        tokenFrames.length == 2 * phones.size() + 1,
        "Boundaries: %d phones need %d token durations, but there were %d",
        phones.size(),
        2 * phones.size() + 1,
        tokenFrames.length);
    int total = 0;
    for (int f : tokenFrames) {
      total += f;
    }
    double end = Math.max(0, total - 1) * (double) HOP / SAMPLE_RATE;
    double[] b = phones.size() > 1 ? fromDurations(tokenFrames) : new double[0];
    List<LabFile.Segment> out = new ArrayList<>();
    double start = 0;
    for (int k = 0; k < phones.size(); k++) {
      double stop = k < b.length ? Math.max(start, b[k] * HOP / SAMPLE_RATE) : end;
      out.add(new LabFile.Segment(start, Math.max(start, stop), phones.get(k)));
      start = Math.max(start, stop);
    }
    return out;
  }
}
