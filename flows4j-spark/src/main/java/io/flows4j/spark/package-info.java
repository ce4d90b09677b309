/**
 * flows4j on Apache Spark: {@link io.flows4j.spark.FlowModel} scores the rows of a {@code
 * DataFrame} with a flows4j model file (a Spark ML {@code Transformer}; blocks of rows per engine
 * call, the model broadcast once and loaded once per JVM), {@link io.flows4j.spark.FlowSql}
 * registers the same scoring as a SQL function, and {@link io.flows4j.spark.FlowEstimator} trains a
 * flow data-parallel on a cluster.
 *
 * <p>Spark itself is a {@code provided} dependency: the cluster (or the {@code flows4j spark}
 * launcher in local mode) supplies it.
 */
package io.flows4j.spark;
