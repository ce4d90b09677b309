/**
 * The {@code flows4j} command (picocli): fitting flows to CSV data, evaluating, sampling, encoding,
 * plotting, the built-in demo and the benchmarks. Standard output carries only results (JSON lines,
 * CSV); progress and messages go to standard error; every error is one line {@code error: ...}.
 */
package io.flows4j.cli;
