package io.flows4j.speech.model;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;

/** Sequence masks {@code [batch, 1, length]} (1 inside each sequence, 0 beyond) and their uses. */
final class Masks {
  private Masks() {}

  /**
   * The mask of sequences with the given lengths, padded to {@code length}.
   *
   * @throws IllegalArgumentException if a length is negative or exceeds {@code length}
   */
  static Tensor fromLengths(int[] lengths, int length) {
    Tensor m = Tensor.zeros(lengths.length, 1, length);
    for (int b = 0; b < lengths.length; b++) {
      Checks.requireArgument(
          lengths[b] >= 0 && lengths[b] <= length,
          "mask: lengths must be in [0, %d], but item %d has %d",
          length,
          b,
          lengths[b]);
      for (int t = 0; t < lengths[b]; t++) {
        m.setFlat(b * length + t, 1f);
      }
    }
    return m;
  }

  /** The number of valid positions of each row; the full length for a null mask. */
  static double[] lengths(Tensor mask, int batch, int length) {
    double[] n = new double[batch];
    for (int b = 0; b < batch; b++) {
      if (mask == null) {
        n[b] = length;
      } else {
        double s = 0;
        for (int t = 0; t < length; t++) {
          s += mask.getFlat(b * length + t);
        }
        n[b] = s;
      }
    }
    return n;
  }

  /**
   * The mask of the squeezed sequence: squeezed position {@code s} is valid when frame {@code 2 s +
   * 1} (and so the whole pair) is valid.
   *
   * @param mask of shape {@code [batch, 1, 2 S]}, or {@code null}
   * @return of shape {@code [batch, 1, S]}, or {@code null}
   */
  static Tensor squeeze(Tensor mask) {
    if (mask == null) {
      return null;
    }
    int batch = mask.dim(0);
    int half = mask.dim(2) / 2;
    Tensor m = Tensor.zeros(batch, 1, half);
    for (int b = 0; b < batch; b++) {
      for (int s = 0; s < half; s++) {
        m.setFlat(b * half + s, mask.getFlat(b * mask.dim(2) + 2 * s + 1));
      }
    }
    return m;
  }
}
