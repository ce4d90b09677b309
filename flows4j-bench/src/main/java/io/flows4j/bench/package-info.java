/**
 * Benchmarks: JMH micro-benchmarks of the engine (run them with {@code scripts/jmh.sh}) and the
 * workload harnesses of BENCHMARKS.md that the {@code flows4j bench} command runs, each printing
 * one JSON line per case.
 */
package io.flows4j.bench;
