package io.flows4j.spark.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * The options that make the {@link SparkSession} of a command: the master and the number of
 * partitions. For a master other than local mode, the jar holding these classes (the module's
 * shaded jar) is given to the executors through {@code spark.jars}.
 */
final class SessionOptions {
  @Option(
      names = "--master",
      paramLabel = "URL",
      description =
          "Spark master (default: local[*], local mode in this process, or the master"
              + " spark-submit was given; e.g. spark://host:7077).")
  String master;

  /** {@code --master}, else the one spark-submit set ({@code spark.master}), else local mode. */
  String master() {
    return master != null ? master : System.getProperty("spark.master", "local[*]");
  }

  @Option(
      names = "--partitions",
      paramLabel = "N",
      description = "Repartition the input into N partitions (default: as read).")
  Integer partitions;

  /** A session, and whether this command made it (and so stops it at the end). */
  record Session(SparkSession spark, boolean owned) implements AutoCloseable {
    @Override
    public void close() {
      if (owned) {
        spark.stop();
      }
    }
  }

  /**
   * The session of a command: the one already running in this JVM (when the command is called from
   * a program that has one; {@code --master} is then not used), else a new one.
   */
  Session start(String appName) {
    if (partitions != null && partitions < 1) {
      throw new IllegalArgumentException("--partitions must be >= 1, but was " + partitions);
    }
    scala.Option<SparkSession> existing = SparkSession.getActiveSession();
    if (existing.isEmpty()) {
      existing = SparkSession.getDefaultSession();
    }
    if (existing.isDefined() && !existing.get().sparkContext().isStopped()) {
      return new Session(existing.get(), false);
    }
    return new Session(newSession(appName), true);
  }

  private SparkSession newSession(String appName) {
    SparkSession.Builder b =
        SparkSession.builder()
            .appName(appName)
            .master(master())
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            // Input splits of 32 MB instead of 128 MB: a 300 MB file then gives 10 tasks, not 3,
            // so the last wave does not leave all but one core idle (measured: design notes).
            .config("spark.sql.files.maxPartitionBytes", "32m");
    if (!master().startsWith("local[") && !master().equals("local")) {
      Path jar = ownJar();
      if (jar != null) {
        b = b.config("spark.jars", jar.toString());
      }
    }
    return b.getOrCreate();
  }

  /** The jar these classes were loaded from, or null when they come from a folder (tests). */
  private static Path ownJar() {
    try {
      Path p =
          Path.of(SessionOptions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(p) ? p : null;
    } catch (URISyntaxException | SecurityException e) {
      return null;
    }
  }
}
