/**
 * Neural-network building blocks: {@link io.flows4j.nn.Module} trees with named parameters, state
 * dictionaries and safetensors files; dense layers ({@link io.flows4j.nn.Linear}, {@link
 * io.flows4j.nn.MLP}), masked autoregressive networks ({@link io.flows4j.nn.MaskedLinear}, {@link
 * io.flows4j.nn.MADE}), {@link io.flows4j.nn.Sequential} and {@link io.flows4j.nn.ResidualBlock}
 * compositions, and seeded initialisers ({@link io.flows4j.nn.Init}).
 */
package io.flows4j.nn;
