package io.flows4j.speech.audio;

import io.flows4j.tensor.Checks;
import io.flows4j.tensor.Tensor;

/**
 * The log-mel analysis of the speech kit (that of Glow-TTS and Tacotron 2 on LJSpeech): {@code
 * logmel = ln(max(M·|X|, 1e-5))} of shape {@code [80, T]}, with |X| the {@link Stft} magnitude
 * {@code [513, T]} and M the Slaney mel filterbank {@code [80, 513]} (80 bands, 0–8000 Hz, area
 * normalised). Computed in double precision and stored as float32.
 */
public final class LogMel {
  /** Mel bands (rows of a log-mel). */
  public static final int MELS = MelFilterbank.MELS;

  /** The sample rate the analysis is defined for, in Hz. */
  public static final int SAMPLE_RATE = MelFilterbank.SAMPLE_RATE;

  /** The floor inside the logarithm; ln(1e-5) = −11.51 is the value of digital silence. */
  public static final double FLOOR = 1e-5;

  private LogMel() {}

  /**
   * The log-mel of a 22050 Hz signal.
   *
   * @param samples the signal (16-bit samples / 32768), length L ≥ 1
   * @return a tensor of shape {@code [80, T]}, T = 1 + ⌊L/256⌋
   * @throws IllegalArgumentException if the signal is empty
   */
  public static Tensor compute(float[] samples) {
    double[] x = Stft.toDouble(samples, "LogMel.compute");
    int t = Stft.frames(x.length);
    double[] re = new double[t * Stft.BINS];
    double[] im = new double[t * Stft.BINS];
    Stft.forward(x, re, im, RealFft.of(Stft.N_FFT));
    for (int i = 0; i < re.length; i++) {
      re[i] = Math.hypot(re[i], im[i]);
    }
    return fromFrameMajorMagnitude(re, t);
  }

  /**
   * The log-mel of a WAV's samples.
   *
   * @throws IllegalArgumentException if the sample rate is not 22050 Hz (the message names it; the
   *     analysis does not resample: convert the file first, e.g. with {@code sox in.wav -r 22050
   *     out.wav}) or the signal is empty
   */
  public static Tensor compute(Wav wav) {
    Checks.requireArgument(
        wav.sampleRate() == SAMPLE_RATE,
        "LogMel.compute: sample rate must be %d Hz, but was %d Hz (resample the audio first)",
        SAMPLE_RATE,
        wav.sampleRate());
    return compute(wav.samples());
  }

  /**
   * The log-mel of a linear magnitude: {@code ln(max(M·magnitude, 1e-5))}.
   *
   * @param magnitude of shape {@code [513, T]}
   * @return a tensor of shape {@code [80, T]}
   * @throws io.flows4j.tensor.ShapeMismatchException if the magnitude is not {@code [513, T]}
   */
  public static Tensor fromMagnitude(Tensor magnitude) {
    Stft.requireSpectrum("LogMel.fromMagnitude", magnitude);
    return fromFrameMajorMagnitude(Stft.fromFrequencyMajor(magnitude), magnitude.dim(1));
  }

  /** The mel filterbank M as a tensor of shape {@code [80, 513]}. */
  public static Tensor filterbank() {
    return MelFilterbank.get().toTensor();
  }

  static Tensor fromFrameMajorMagnitude(double[] magnitude, int t) {
    MelFilterbank bank = MelFilterbank.get();
    double[] mel = new double[t * MELS];
    for (int f = 0; f < t; f++) {
      bank.apply(magnitude, f * Stft.BINS, mel, f * MELS);
    }
    for (int i = 0; i < mel.length; i++) {
      mel[i] = Math.log(Math.max(mel[i], FLOOR));
    }
    return Stft.toFrequencyMajor(mel, t);
  }
}
