package io.flows4j.cli;

import io.flows4j.tensor.Threads;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Entry point of the {@code flows4j} command. */
@Command(
    name = "flows4j",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description =
        "Normalizing flows for the JVM: fit, variational inference, evaluate, sample, benchmark.",
    subcommands = {
      CommandLine.HelpCommand.class,
      DemoCommand.class,
      FitCommand.class,
      ViCommand.class,
      EvalCommand.class,
      LogprobCommand.class,
      AnomaliesCommand.class,
      CalibrateCommand.class,
      SampleCommand.class,
      EncodeCommand.Encode.class,
      EncodeCommand.Decode.class,
      InfoCommand.class,
      PlotCommand.class,
      BenchCommand.class,
      SpeakCommand.class,
      SpeechCommand.class,
      SparkCommand.class
    })
public final class Main implements Runnable {

  /** Thread counts given with {@code --threads}, or {@code null} when the option is absent. */
  private List<Integer> threadCounts;

  @Option(
      names = "--verbose",
      description = "Print stack traces with errors.",
      scope = CommandLine.ScopeType.INHERIT)
  boolean verbose;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--threads",
      paramLabel = "T",
      description =
          "Compute threads (default: the number of cores, or the system property flows4j.threads)."
              + " The bench commands take a list, e.g. 1,2.",
      scope = CommandLine.ScopeType.INHERIT)
  void setThreads(String value) {
    threadCounts = ThreadCounts.parseList(spec, "--threads", value, 1);
    if (threadCounts.size() == 1) {
      Threads.setCount(threadCounts.get(0));
    }
  }

  /** The values given to {@code --threads}, or {@code null} if it was not given. */
  List<Integer> threadCounts() {
    return threadCounts;
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** Runs the command line and exits with its status (2 usage error, 1 failure). */
  public static void main(String[] args) {
    // Plots are drawn off-screen; a machine without a display must not need one.
    System.setProperty("java.awt.headless", "true");
    System.exit(
        run(
            args,
            new PrintWriter(System.out, true, System.out.charset()),
            new PrintWriter(System.err, true, System.err.charset())));
  }

  /**
   * Runs the command line with the given streams and returns the exit status: 0 on success, 2 for a
   * usage error (bad option or value), 1 for a failure. Errors are one line {@code error:
   * <message>} on {@code err}, with the stack trace first under {@code --verbose}.
   */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    Main main = new Main();
    CommandLine cli = new CommandLine(main);
    cli.setOut(out);
    cli.setErr(err);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    // --verbose may come after the bad argument, so look for it in the raw arguments.
    boolean verboseArg = Arrays.asList(args).contains("--verbose");
    cli.setParameterExceptionHandler(
        (ex, a) -> {
          if (verboseArg || main.verbose) {
            ex.printStackTrace(err);
          }
          err.println("error: " + message(ex));
          err.flush();
          return 2;
        });
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          if (main.verbose) {
            ex.printStackTrace(err);
          }
          err.println("error: " + message(ex));
          err.flush();
          return ex instanceof IllegalArgumentException ? 2 : 1;
        });
    cli.setExecutionStrategy(
        parseResult -> {
          List<Integer> counts = main.threadCounts;
          CommandLine leaf = leaf(parseResult).commandSpec().commandLine();
          if (counts != null
              && counts.size() > 1
              && !(leaf.getCommand() instanceof AcceptsThreadList)) {
            throw new ParameterException(
                leaf,
                "--threads takes one value for '"
                    + leaf.getCommandSpec().qualifiedName()
                    + "', but was "
                    + joined(counts));
          }
          return new CommandLine.RunLast().execute(parseResult);
        });
    int status = cli.execute(args);
    out.flush();
    err.flush();
    return status;
  }

  private static CommandLine.ParseResult leaf(CommandLine.ParseResult r) {
    while (r.hasSubcommand()) {
      r = r.subcommand();
    }
    return r;
  }

  static String joined(List<Integer> values) {
    StringBuilder sb = new StringBuilder();
    for (int v : values) {
      sb.append(sb.length() == 0 ? "" : ",").append(v);
    }
    return sb.toString();
  }

  /** The exception's message, or its type when it has none (a bug rather than bad input). */
  private static String message(Throwable ex) {
    String m = ex.getMessage();
    if (m == null || m.isBlank()) {
      return ex.getClass().getName();
    }
    // Some picocli messages start with their own "Error: ", which would read "error: Error: ".
    return m.startsWith("Error: ") ? m.substring("Error: ".length()) : m;
  }
}
