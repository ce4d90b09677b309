/**
 * The {@code flows4j spark} commands ({@code score}, {@code fit}), run by the launcher with Spark
 * on the class path (local mode in the same process by default) or by {@code spark-submit} of the
 * module's shaded jar.
 */
package io.flows4j.spark.cli;
