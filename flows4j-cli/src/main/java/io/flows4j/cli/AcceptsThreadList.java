package io.flows4j.cli;

/**
 * Marks a command that runs once per value of a list given to {@code --threads} (the benchmarks);
 * every other command takes a single value.
 */
interface AcceptsThreadList {}
