package io.flows4j.speech.audio;

import io.flows4j.tensor.Checks;

/**
 * Discrete Fourier transform of a real signal of power-of-two length n, in double precision.
 *
 * <p>Forward: {@code X[k] = Σ_{j<n} x[j] e^{−2πijk/n}} for {@code k = 0..n/2} (no normalisation;
 * the other half follows from {@code X[n−k] = conj(X[k])}). Inverse: {@code x[j] = (1/n) Σ_{k<n}
 * X[k] e^{+2πijk/n}} with the missing half filled in by conjugate symmetry and the imaginary parts
 * of {@code X[0]} and {@code X[n/2]} ignored (as numpy's {@code irfft} does).
 *
 * <p>The real signal of length n is packed into a complex one of length m = n/2 ({@code z[j] =
 * x[2j] + i·x[2j+1]}), transformed by an iterative radix-2 decimation-in-time FFT of size m (Cooley
 * and Tukey 1965), and split into the spectra of the even and odd samples: {@code X[k] = E[k] +
 * e^{−2πik/n} O[k]}, {@code E[k] = (Z[k] + conj Z[m−k])/2}, {@code O[k] = (Z[k] − conj
 * Z[m−k])/(2i)}. The inverse runs the same steps backwards. Why our own and not a library: see
 * docs/design-notes.md ("FFT"): for n = 1024 it was as fast as JTransforms on the STFT workload.
 *
 * <p>An instance holds its scratch buffer, so it is not thread-safe: use one per thread (they are
 * cheap: three tables of n/2 + 1 doubles).
 */
public final class RealFft {
  private final int n;
  private final int m;

  /** cos(2πk/n), sin(2πk/n) for k = 0..m. */
  private final double[] cos;

  private final double[] sin;
  private final int[] bitReverse;
  private final double[] work;

  private RealFft(int n) {
    this.n = n;
    this.m = n / 2;
    cos = new double[m + 1];
    sin = new double[m + 1];
    for (int k = 0; k <= m; k++) {
      double angle = 2 * Math.PI * k / n;
      cos[k] = Math.cos(angle);
      sin[k] = Math.sin(angle);
    }
    bitReverse = new int[m];
    int bits = Integer.numberOfTrailingZeros(m);
    for (int j = 0; j < m; j++) {
      bitReverse[j] = bits == 0 ? 0 : Integer.reverse(j) >>> (32 - bits);
    }
    work = new double[2 * m];
  }

  /**
   * A transform of length {@code n}.
   *
   * @throws IllegalArgumentException if {@code n} is not a power of two of at least 8
   */
  public static RealFft of(int n) {
    Checks.requireArgument(
        n >= 8 && Integer.bitCount(n) == 1,
        "RealFft.of: n must be a power of two >= 8, but was %d",
        n);
    return new RealFft(n);
  }

  /** The transform length n. */
  public int size() {
    return n;
  }

  /**
   * Forward transform of {@code x[xOffset .. xOffset+n)} into {@code re[outOffset .. outOffset +
   * n/2]} and {@code im[...]} (n/2 + 1 bins each).
   */
  public void forward(double[] x, int xOffset, double[] re, double[] im, int outOffset) {
    double[] z = work;
    for (int j = 0; j < m; j++) {
      int r = bitReverse[j];
      z[2 * r] = x[xOffset + 2 * j];
      z[2 * r + 1] = x[xOffset + 2 * j + 1];
    }
    butterflies(z);
    re[outOffset] = z[0] + z[1];
    im[outOffset] = 0;
    re[outOffset + m] = z[0] - z[1];
    im[outOffset + m] = 0;
    for (int k = 1; k < m; k++) {
      double a = z[2 * k];
      double b = z[2 * k + 1];
      double c = z[2 * (m - k)];
      double d = z[2 * (m - k) + 1];
      double er = 0.5 * (a + c);
      double ei = 0.5 * (b - d);
      double or = 0.5 * (b + d);
      double oi = -0.5 * (a - c);
      // e^{-iθ} · O
      double wr = cos[k];
      double ws = sin[k];
      re[outOffset + k] = er + wr * or + ws * oi;
      im[outOffset + k] = ei + wr * oi - ws * or;
    }
  }

  /**
   * Inverse transform of the n/2 + 1 bins {@code re/im[inOffset ..]} into {@code x[xOffset ..
   * xOffset+n)}, including the 1/n factor.
   */
  public void inverse(double[] re, double[] im, int inOffset, double[] x, int xOffset) {
    double[] z = work;
    for (int k = 0; k < m; k++) {
      double p = re[inOffset + k];
      double q = k == 0 ? 0 : im[inOffset + k];
      double r = re[inOffset + m - k];
      double s = k == 0 ? 0 : im[inOffset + m - k];
      double er = 0.5 * (p + r);
      double ei = 0.5 * (q - s);
      double dr = 0.5 * (p - r);
      double di = 0.5 * (q + s);
      // O = D · e^{+iθ}
      double wr = cos[k];
      double ws = sin[k];
      double or = dr * wr - di * ws;
      double oi = dr * ws + di * wr;
      // Z = E + i·O, stored conjugated so that the forward butterflies compute the inverse
      int t = bitReverse[k];
      z[2 * t] = er - oi;
      z[2 * t + 1] = -(ei + or);
    }
    butterflies(z);
    double scale = 1.0 / m;
    for (int j = 0; j < m; j++) {
      x[xOffset + 2 * j] = z[2 * j] * scale;
      x[xOffset + 2 * j + 1] = -z[2 * j + 1] * scale;
    }
  }

  /**
   * In-place forward radix-2 butterflies over the bit-reversed complex array {@code z} (interleaved
   * re, im) of length m, with twiddles e^{−2πi·j/size}.
   */
  private void butterflies(double[] z) {
    // sizes 2 and 4 together: twiddles 1 and −i need no multiplication
    for (int a = 0; a < 2 * m; a += 8) {
      double r0 = z[a] + z[a + 2];
      double i0 = z[a + 1] + z[a + 3];
      double r1 = z[a] - z[a + 2];
      double i1 = z[a + 1] - z[a + 3];
      double r2 = z[a + 4] + z[a + 6];
      double i2 = z[a + 5] + z[a + 7];
      double r3 = z[a + 4] - z[a + 6];
      double i3 = z[a + 5] - z[a + 7];
      z[a] = r0 + r2;
      z[a + 1] = i0 + i2;
      z[a + 4] = r0 - r2;
      z[a + 5] = i0 - i2;
      // (r3 + i·i3)·(−i) = i3 − i·r3
      z[a + 2] = r1 + i3;
      z[a + 3] = i1 - r3;
      z[a + 6] = r1 - i3;
      z[a + 7] = i1 + r3;
    }
    for (int size = 8; size <= m; size <<= 1) {
      int half = size >>> 1;
      // twiddle e^{-2πi j/size} = table index j·(n/size) of cos/sin(2πk/n)
      int stride = n / size;
      for (int j = 0; j < half; j++) {
        double wr = cos[j * stride];
        double wi = -sin[j * stride];
        for (int a = 2 * j; a < 2 * m; a += 2 * size) {
          int b = a + 2 * half;
          double br = z[b] * wr - z[b + 1] * wi;
          double bi = z[b] * wi + z[b + 1] * wr;
          z[b] = z[a] - br;
          z[b + 1] = z[a + 1] - bi;
          z[a] += br;
          z[a + 1] += bi;
        }
      }
    }
  }
}
