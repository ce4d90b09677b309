/**
 * The Glow-TTS text-to-speech model (Kim et al. 2020, "Glow-TTS: A Generative Flow for
 * Text-to-Speech via Monotonic Alignment Search"): a text encoder that gives every token a Gaussian
 * prior over mel frames, monotonic alignment search between tokens and frames, a duration
 * predictor, and an invertible flow decoder between log-mel frames and the latent space. The entry
 * point is {@link io.flows4j.speech.model.GlowTts}.
 */
package io.flows4j.speech.model;
