package io.flows4j.cli;

import io.flows4j.tensor.Threads;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Entry point of the {@code flows4j} command. */
@Command(
    name = "flows4j",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Normalizing flows for the JVM: fit, evaluate, sample, benchmark.",
    subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @Option(
      names = "--threads",
      description = "Compute threads (default: number of cores).",
      scope = CommandLine.ScopeType.INHERIT)
  void setThreads(int threads) {
    Threads.setCount(threads);
  }

  @Option(
      names = "--verbose",
      description = "Print stack traces with errors.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs the command line and exits with its status (2 usage error, 1 failure). */
  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /** Runs the command line with the given streams and returns the exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    Main main = new Main();
    CommandLine cli = new CommandLine(main);
    cli.setOut(out);
    cli.setErr(err);
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          err.println("error: " + ex.getMessage());
          return 2;
        });
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (main.verbose) {
            ex.printStackTrace(err);
          }
          err.println("error: " + ex.getMessage());
          return ex instanceof IllegalArgumentException ? 2 : 1;
        });
    return cli.execute(args);
  }
}
