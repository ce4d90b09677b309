package io.flows4j.bench;

import io.flows4j.speech.audio.RealFft;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jtransforms.fft.DoubleFFT_1D;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * flows4j-speech's own radix-2 real FFT against JTransforms 3.1 ({@code DoubleFFT_1D.realForward} /
 * {@code realInverse}) on the STFT workload of the speech model: 3 s of audio at 22050 Hz, hop 256,
 * n_fft 1024, i.e. 259 frames, each Hann-windowed and transformed ({@code stft}), and the inverse
 * of each frame's 513 bins ({@code istft}, the other half of a Griffin-Lim iteration). JTransforms
 * runs single-threaded here (below its threading threshold for n = 1024; it is also forced with
 * {@code ConcurrencyUtils.setNumberOfThreads(1)}).
 *
 * <p>Run from the repository root: {@code scripts/jmh.sh FftBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 6, time = 1)
@Fork(value = 1)
public class FftBenchmark {
  private static final int N = 1024;
  private static final int HOP = 256;
  private static final int SAMPLES = 3 * 22050;

  /** {@code own} or {@code jtransforms}. */
  @Param({"own", "jtransforms"})
  public String impl;

  private double[] signal;
  private double[] window;
  private int frames;
  private RealFft own;
  private DoubleFFT_1D jt;
  private double[] frame;
  private double[] re;
  private double[] im;
  private double[] packed;

  /** Fills a seeded random signal (seed 1) padded to whole frames. */
  @Setup
  public void setUp() {
    pl.edu.icm.jlargearrays.ConcurrencyUtils.setNumberOfThreads(1);
    frames = 1 + SAMPLES / HOP;
    signal = new double[(frames - 1) * HOP + N];
    Random r = new Random(1);
    for (int i = 0; i < signal.length; i++) {
      signal[i] = r.nextGaussian() * 0.1;
    }
    window = new double[N];
    for (int i = 0; i < N; i++) {
      window[i] = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / N);
    }
    own = RealFft.of(N);
    jt = new DoubleFFT_1D(N);
    frame = new double[N];
    re = new double[frames * (N / 2 + 1)];
    im = new double[frames * (N / 2 + 1)];
    packed = new double[frames * N];
    // bins to invert: the forward result of the signal
    stft();
  }

  /** Windowed forward transforms of every frame; returns a checksum. */
  @Benchmark
  public double stft() {
    double sum = 0;
    for (int t = 0; t < frames; t++) {
      if (impl.equals("own")) {
        for (int n = 0; n < N; n++) {
          frame[n] = signal[t * HOP + n] * window[n];
        }
        own.forward(frame, 0, re, im, t * (N / 2 + 1));
        sum += re[t * (N / 2 + 1) + 7];
      } else {
        int o = t * N;
        for (int n = 0; n < N; n++) {
          packed[o + n] = signal[t * HOP + n] * window[n];
        }
        jt.realForward(packed, o);
        sum += packed[o + 14];
      }
    }
    return sum;
  }

  /** Inverse transforms of every frame's bins; returns a checksum. */
  @Benchmark
  public double istft() {
    double sum = 0;
    for (int t = 0; t < frames; t++) {
      if (impl.equals("own")) {
        own.inverse(re, im, t * (N / 2 + 1), frame, 0);
        sum += frame[3];
      } else {
        System.arraycopy(packed, t * N, frame, 0, N);
        jt.realInverse(frame, true);
        sum += frame[3];
      }
    }
    return sum;
  }
}
