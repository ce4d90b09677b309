/**
 * Reading, holding and preparing users' numeric data.
 *
 * <ul>
 *   <li>{@link io.flows4j.data.Dataset}: an immutable table of {@code N} rows by {@code D} float
 *       columns with column names and optional integer labels; column selection, row subsets, a
 *       seeded train/validation split, concatenation.
 *   <li>{@link io.flows4j.data.CsvReader} and {@link io.flows4j.data.CsvWriter}: CSV in and out,
 *       plain or gzipped; the writer replaces its file atomically ({@link
 *       io.flows4j.data.AtomicFiles}) and writes float32 values so that they read back exactly.
 *   <li>{@link io.flows4j.data.IdxReader}: the IDX format of MNIST and Fashion-MNIST, as {@link
 *       io.flows4j.data.IdxData}, image tensors {@code [N, 1, H, W]} or labels.
 *   <li>{@link io.flows4j.data.Standardizer}: per-column standardization with its log-determinant,
 *       so that a density of standardized data converts exactly into a density of the raw data.
 *   <li>{@link io.flows4j.data.MinibatchSampler}: seeded minibatches into a reused buffer.
 * </ul>
 *
 * <p>Bad data is refused where it enters, with a {@link io.flows4j.data.DataFormatException} whose
 * one-line message names the file, the 1-based line and the column. Input and output failures
 * surface as {@link java.io.UncheckedIOException} with a message of the same shape ({@code
 * data.csv: no such file}).
 */
package io.flows4j.data;
