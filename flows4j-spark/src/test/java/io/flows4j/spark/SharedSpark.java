package io.flows4j.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The one {@code local[2]} session of the test JVM (the first session costs seconds, later ones
 * little; see ../shared/SPARK.md). Never stopped by a test: the JVM's exit stops it.
 */
public final class SharedSpark {
  private static SparkSession session;

  private SharedSpark() {}

  public static synchronized SparkSession session() {
    if (session == null) {
      session =
          SparkSession.builder()
              .appName("flows4j-spark tests")
              .master("local[2]")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.driver.host", "127.0.0.1")
              .getOrCreate();
    }
    return session;
  }
}
