package io.flows4j.spark;

import io.flows4j.model.FittedModel;
import io.flows4j.tensor.Threads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The models loaded in this JVM, by the SHA-256 of their file: each model file is written once to a
 * temporary file and parsed there; a task borrows a loaded instance for the duration of a partition
 * and gives it back, so a JVM holds one instance per task that ran at the same time (a flows4j
 * model keeps scratch buffers and is not shared between threads), and later tasks reuse them.
 *
 * <p>The first use in a JVM also sets the engine to one thread ({@link Threads#setCount}) unless
 * {@value Threads#PROPERTY} is set: Spark runs one task per core already, and kernels splitting
 * each block over the same cores would only compete with the other tasks.
 */
final class ModelCache {
  private static final Map<String, Entry> ENTRIES = new ConcurrentHashMap<>();
  private static volatile boolean threadsSet;

  private ModelCache() {}

  /** A borrowed model, returned on {@link #close()}. */
  static final class Lease implements AutoCloseable {
    private final Entry entry;
    private final FittedModel model;

    private Lease(Entry entry, FittedModel model) {
      this.entry = entry;
      this.model = model;
    }

    FittedModel model() {
      return model;
    }

    @Override
    public void close() {
      entry.idle.add(model);
    }
  }

  private static final class Entry {
    final Path file;
    final String name;
    final ConcurrentLinkedQueue<FittedModel> idle = new ConcurrentLinkedQueue<>();

    Entry(Path file, String name) {
      this.file = file;
      this.name = name;
    }

    FittedModel load() {
      try {
        return FittedModel.load(file);
      } catch (IOException e) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        // The temporary file's name means nothing to the user; name the original file.
        throw new UncheckedIOException(name + ": " + reason.replace(file.toString() + ": ", ""), e);
      }
    }
  }

  /**
   * Borrows a loaded instance of {@code bytes}' model (loading one if none is idle).
   *
   * @throws UncheckedIOException if the model cannot be loaded ({@code <file>: <what is wrong>})
   */
  static Lease borrow(ModelBytes bytes) {
    configureThreads();
    Entry e = ENTRIES.computeIfAbsent(bytes.sha256(), k -> new Entry(spill(bytes), bytes.name()));
    FittedModel m = e.idle.poll();
    return new Lease(e, m != null ? m : e.load());
  }

  /** Loads {@code bytes}' model once (so a bad file fails here) and keeps it for later tasks. */
  static void borrowAndReturn(ModelBytes bytes) {
    borrow(bytes).close();
  }

  private static Path spill(ModelBytes bytes) {
    try {
      Path tmp = Files.createTempFile("flows4j-" + bytes.sha256().substring(0, 12), ".flows4j");
      tmp.toFile().deleteOnExit();
      Files.write(tmp, bytes.content());
      return tmp;
    } catch (IOException e) {
      throw new UncheckedIOException(
          bytes.name() + ": cannot write a temporary copy (" + e.getMessage() + ")", e);
    }
  }

  private static void configureThreads() {
    if (!threadsSet) {
      synchronized (ModelCache.class) {
        if (!threadsSet) {
          if (System.getProperty(Threads.PROPERTY) == null) {
            Threads.setCount(1);
          }
          threadsSet = true;
        }
      }
    }
  }
}
