/**
 * Bijectors over images {@code [batch, channels, height, width]} and the multi-scale architecture
 * built from them (Dinh, Sohl-Dickstein and Bengio 2017, "Density estimation using Real NVP";
 * Kingma and Dhariwal 2018, "Glow: Generative Flow with Invertible 1x1 Convolutions"): the squeeze
 * (space-to-depth) and the multi-scale composition that factors out half of the channels after each
 * level.
 */
package io.flows4j.bijectors.image;
