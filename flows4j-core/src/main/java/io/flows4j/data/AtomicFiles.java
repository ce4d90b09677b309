package io.flows4j.data;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files atomically: the content goes to a temporary file in the target's directory, which is
 * flushed to disk and then renamed over the target in one step ({@link
 * StandardCopyOption#ATOMIC_MOVE}). A reader of the target sees the old file or the complete new
 * one, never a half-written file; if writing fails, the temporary file is deleted and the old
 * target, if any, is untouched.
 */
public final class AtomicFiles {
  /** Something that writes a file's content to a stream. */
  @FunctionalInterface
  public interface Content {
    /** Writes the content; the stream is buffered and must not be closed here. */
    void writeTo(OutputStream out) throws IOException;
  }

  private AtomicFiles() {}

  /**
   * Writes {@code target} atomically with the bytes that {@code content} produces.
   *
   * @throws UncheckedIOException if the file cannot be written ({@code out.csv: cannot write
   *     (reason)}) or {@code content} throws an {@link IOException}; the target is then unchanged
   *     and no temporary file remains
   */
  public static void write(Path target, Content content) {
    try (Output out = Output.create(target)) {
      try {
        content.writeTo(out.stream());
      } catch (IOException e) {
        throw failure(target, e);
      }
      out.commit();
    }
  }

  /** The message for an {@link IOException} met while writing {@code target}. */
  static UncheckedIOException failure(Path target, IOException e) {
    String name = target.toString();
    if (e instanceof NoSuchFileException) {
      return new UncheckedIOException(
          name + ": cannot write (the directory " + directoryOf(target) + " does not exist)", e);
    }
    if (e instanceof AccessDeniedException) {
      return new UncheckedIOException(name + ": cannot write (permission denied)", e);
    }
    String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new UncheckedIOException(name + ": cannot write (" + reason + ")", e);
  }

  private static Path directoryOf(Path target) {
    Path parent = target.toAbsolutePath().getParent();
    return parent == null ? target.toAbsolutePath() : parent;
  }

  /**
   * An open temporary file that becomes {@code target} on {@link #commit()}; closing it without a
   * commit deletes it.
   */
  static final class Output implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final FileChannel channel;
    private final OutputStream stream;
    private boolean finished;

    private Output(Path target, Path temp, FileChannel channel) {
      this.target = target;
      this.temp = temp;
      this.channel = channel;
      this.stream = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    }

    /**
     * Creates the temporary file beside {@code target}, named {@code .<name>.<random>.tmp}, with
     * the permissions a new file normally gets.
     *
     * @throws UncheckedIOException if the target is a directory or the file cannot be created
     */
    static Output create(Path target) {
      if (Files.isDirectory(target)) {
        throw new UncheckedIOException(
            target + ": is a directory", new IOException(target + " is a directory"));
      }
      Path dir = directoryOf(target);
      String random = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
      Path temp = dir.resolve("." + target.getFileName() + "." + random + ".tmp");
      try {
        FileChannel channel =
            FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        return new Output(target, temp, channel);
      } catch (IOException e) {
        throw failure(target, e);
      }
    }

    /** The buffered stream to the temporary file. */
    OutputStream stream() {
      return stream;
    }

    /**
     * Flushes the content to disk and renames the temporary file over the target.
     *
     * @throws UncheckedIOException if that fails; the temporary file is then deleted
     * @throws IllegalStateException if the output was already committed or aborted
     */
    void commit() {
      if (finished) {
        throw new IllegalStateException(target + ": the file was already committed or discarded");
      }
      try {
        stream.flush();
        channel.force(true);
        stream.close();
        try {
          Files.move(
              temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          // Only on file systems without an atomic rename in one directory; still never partial
          // content under the target's name on the ones flows4j runs on.
          Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        finished = true;
      } catch (IOException e) {
        UncheckedIOException failure = failure(target, e);
        abort(failure);
        throw failure;
      }
    }

    /** Discards the temporary file unless committed. */
    @Override
    public void close() {
      if (!finished) {
        abort(null);
      }
    }

    private void abort(Throwable primary) {
      finished = true;
      try {
        channel.close();
      } catch (IOException e) {
        if (primary != null) {
          primary.addSuppressed(e);
        }
      }
      try {
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        if (primary != null) {
          primary.addSuppressed(e);
        }
      }
    }
  }
}
