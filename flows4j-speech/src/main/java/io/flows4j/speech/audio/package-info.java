/**
 * Audio for the speech model: WAV reading and writing ({@link io.flows4j.speech.audio.Audio}), the
 * kit's STFT and log-mel analysis ({@link io.flows4j.speech.audio.Stft}, {@link
 * io.flows4j.speech.audio.LogMel}), mel → linear magnitude ({@link
 * io.flows4j.speech.audio.MelInversion}) and the Griffin-Lim vocoder ({@link
 * io.flows4j.speech.audio.GriffinLim}, {@link io.flows4j.speech.audio.Vocoder}). Arrays are
 * frequency-major: magnitudes {@code [513, T]}, log-mels {@code [80, T]}.
 */
package io.flows4j.speech.audio;
