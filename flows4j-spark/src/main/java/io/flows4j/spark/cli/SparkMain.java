package io.flows4j.spark.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code flows4j spark}: scoring and training on Spark. Every error is one line on standard error
 * ({@code error: ...}): exit 2 for bad input or options, 1 for other failures.
 */
@Command(
    name = "flows4j spark",
    mixinStandardHelpOptions = true,
    version = "flows4j-spark 0.1.0-SNAPSHOT",
    subcommands = {ScoreCommand.class, FitCommand.class},
    description = {
      "Scores rows with a flows4j model, or trains one, on Apache Spark: local mode in this"
          + " process by default (--master local[*]), or a cluster (--master spark://host:7077)."
    })
public final class SparkMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    PrintWriter out =
        new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    PrintWriter err =
        new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    int status = run(args, out, err);
    // Spark's non-daemon threads would keep the JVM alive.
    System.exit(status);
  }

  /** Runs the command line with the given streams and returns the exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new SparkMain());
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          err.println("error: " + message(ex));
          err.flush();
          return 2;
        });
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          err.println("error: " + message(ex));
          err.flush();
          return ex instanceof IllegalArgumentException ? 2 : 1;
        });
    int status = cli.execute(args);
    out.flush();
    err.flush();
    return status;
  }

  /** The first line of the deepest message Spark wrapped around the cause. */
  static String message(Throwable ex) {
    Throwable t = ex;
    String m = t.getMessage();
    // Spark wraps a task's exception in a SparkException whose message holds the stack trace;
    // the cause carries the one line that says what is wrong.
    while (t.getCause() != null
        && (m == null || t.getClass().getName().startsWith("org.apache.spark"))) {
      t = t.getCause();
      m = t.getMessage();
    }
    if (m == null || m.isBlank()) {
      return t.getClass().getName();
    }
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }
}
