package io.flows4j.cli;

import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long loop (training steps) on standard error: a progress bar redrawn in place when
 * standard error is a terminal, otherwise one compact line every few seconds (logs and CI), or
 * nothing. Standard output is never touched.
 *
 * <p>The mode comes from the environment: {@code FLOWS4J_PROGRESS=bar|lines|none} forces one; the
 * launcher sets {@code FLOWS4J_STDERR_TTY=1} (and {@code COLUMNS}) when its standard error is a
 * terminal, since the JVM's own standard error is then a pipe.
 */
final class Progress implements AutoCloseable {
  /** How progress is shown. */
  enum Mode {
    /** A bar redrawn with carriage returns (a terminal). */
    BAR,
    /** A full line every {@link #LINE_INTERVAL_SECONDS} seconds (a log). */
    LINES,
    /** Nothing. */
    NONE
  }

  /** Seconds between two progress lines in {@link Mode#LINES}. */
  static final double LINE_INTERVAL_SECONDS = 5;

  private final String task;
  private final long total;
  private final Mode mode;
  private final PrintWriter err;
  private final LongSupplier nanoClock;
  private final long start;
  private final ProgressBar bar;
  private long lastLine;
  private long done;
  private String message = "";
  private boolean closed;

  private Progress(String task, long total, Mode mode, PrintWriter err, LongSupplier nanoClock) {
    this.task = task;
    this.total = total;
    this.mode = mode;
    this.err = err;
    this.nanoClock = nanoClock;
    this.start = nanoClock.getAsLong();
    this.lastLine = start;
    this.bar = mode == Mode.BAR ? newBar(task, total, err) : null;
  }

  /**
   * Starts showing the progress of {@code total} units of work (steps) in the mode chosen by the
   * environment ({@link #detectMode()}).
   */
  static Progress start(String task, long total, PrintWriter err) {
    return start(task, total, err, detectMode(), System::nanoTime);
  }

  /** Starts showing progress in the given mode with the given clock (tests). */
  static Progress start(
      String task, long total, PrintWriter err, Mode mode, LongSupplier nanoClock) {
    return new Progress(task, total, mode, err, nanoClock);
  }

  /**
   * The mode for this process: {@code FLOWS4J_PROGRESS} if set, a bar when the launcher reports a
   * terminal or (run without the launcher) when the JVM sees one, lines otherwise.
   */
  static Mode detectMode() {
    String forced = System.getenv("FLOWS4J_PROGRESS");
    if (forced != null && !forced.isBlank()) {
      for (Mode m : Mode.values()) {
        if (m.name().equalsIgnoreCase(forced.trim())) {
          return m;
        }
      }
    }
    if ("1".equals(System.getenv("FLOWS4J_STDERR_TTY"))) {
      return Mode.BAR;
    }
    return jvmSeesTerminal() ? Mode.BAR : Mode.LINES;
  }

  /**
   * Whether the JVM is attached to a terminal: before Java 22 a console exists only then; from 22
   * on the console exists anyway and {@code Console.isTerminal()} tells (looked up by reflection,
   * since the code is compiled for Java 21).
   */
  @SuppressWarnings("SystemConsoleNull") // handled: isTerminal() is asked where it exists
  private static boolean jvmSeesTerminal() {
    java.io.Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = java.io.Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (ReflectiveOperationException e) {
      return true; // Java 21: a console means a terminal.
    }
  }

  /** Reports that {@code done} units are complete, with a short status such as the loss. */
  void update(long done, String message) {
    this.done = done;
    this.message = message == null ? "" : message;
    switch (mode) {
      case BAR -> {
        bar.stepTo(done);
        bar.setExtraMessage(this.message);
      }
      case LINES -> {
        long now = nanoClock.getAsLong();
        if ((now - lastLine) * 1e-9 >= LINE_INTERVAL_SECONDS) {
          lastLine = now;
          err.println(line(now));
          err.flush();
        }
      }
      case NONE -> {}
    }
  }

  /** The compact line of {@link Mode#LINES}: task, count, percentage, status, rate and ETA. */
  String line(long now) {
    double seconds = Math.max((now - start) * 1e-9, 1e-9);
    double rate = done / seconds;
    StringBuilder sb = new StringBuilder(task).append(": ").append(done);
    if (total > 0) {
      sb.append('/')
          .append(total)
          .append(String.format(Locale.ROOT, " (%.0f%%)", 100.0 * done / total));
    }
    if (!message.isBlank()) {
      sb.append(", ").append(message.strip());
    }
    sb.append(String.format(Locale.ROOT, ", %.1f/s", rate));
    if (total > 0 && rate > 0) {
      sb.append(", ETA ").append(duration((total - done) / rate));
    } else {
      sb.append(", elapsed ").append(duration(seconds));
    }
    return sb.toString();
  }

  /** {@code 1:05:09} or {@code 5:09}. */
  static String duration(double seconds) {
    long s = Math.round(Math.max(seconds, 0));
    long h = s / 3600;
    long m = (s / 60) % 60;
    return h > 0
        ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", m, s % 60);
  }

  /** Stops showing progress; a bar is drawn a last time and its line ended. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (bar != null) {
      bar.close();
      err.println();
      err.flush();
    }
  }

  private static ProgressBar newBar(String task, long total, PrintWriter err) {
    int width = terminalWidth();
    boolean utf8 = System.err.charset().equals(StandardCharsets.UTF_8);
    return new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setStyle(utf8 ? ProgressBarStyle.UNICODE_BLOCK : ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(250)
        .showSpeed()
        .setSpeedUnit(ChronoUnit.SECONDS)
        .setConsumer(
            new DelegatingProgressBarConsumer(
                s -> {
                  err.print('\r');
                  err.print(s);
                  err.flush();
                },
                width))
        .startsFrom(0, Duration.ZERO)
        .build();
  }

  /** The terminal's width from {@code COLUMNS} (set by the launcher), else 100. */
  private static int terminalWidth() {
    String columns = System.getenv("COLUMNS");
    if (columns != null) {
      try {
        int c = Integer.parseInt(columns.trim());
        if (c >= 40) {
          return c - 1; // the last column would wrap on some terminals
        }
      } catch (NumberFormatException e) {
        // Not a number: fall through to the default.
      }
    }
    return 100;
  }
}
