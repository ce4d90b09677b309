/**
 * Bijectors over images {@code [batch, channels, height, width]}, the layers of Glow (Kingma and
 * Dhariwal 2018) and multi-scale RealNVP (Dinh, Sohl-Dickstein and Bengio 2017): the invertible 1x1
 * convolution in LU form ({@link io.flows4j.bijectors.image.InvertibleConv1x1}) and the affine
 * coupling whose conditioner is a small convolutional network, with channel or checkerboard masks
 * and an optional context ({@link io.flows4j.bijectors.image.ConvAffineCoupling}). {@link
 * io.flows4j.bijectors.image.ImageLayers} is the facade that builds them; ActNorm (which accepts
 * images already) lives in {@code io.flows4j.bijectors}. The multi-scale machinery: the squeeze
 * (space-to-depth, {@link io.flows4j.bijectors.image.Squeeze}) and the composition in levels that
 * factors out half of the channels after each ({@link io.flows4j.bijectors.image.MultiScale}).
 */
package io.flows4j.bijectors.image;
