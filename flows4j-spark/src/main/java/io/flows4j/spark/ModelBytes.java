package io.flows4j.spark;

import io.flows4j.model.FittedModel;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The bytes of a flows4j model file, as they travel to executors in a broadcast: {@code name} (for
 * messages), the file's content and its SHA-256 (the key under which each JVM keeps the loaded
 * model, see {@link ModelCache}).
 */
public final class ModelBytes implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final byte[] content;
  private final String sha256;

  private ModelBytes(String name, byte[] content) {
    this.name = name;
    this.content = content;
    this.sha256 = sha256(content);
  }

  /**
   * Reads a model file and checks, here, that it loads: a missing, truncated or corrupted file is
   * refused before any Spark task runs, with the message the command-line tool gives.
   *
   * @throws UncheckedIOException {@code <file>: no such file} or {@code <file>: <what is wrong>}
   */
  public static ModelBytes read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new UncheckedIOException(file + ": no such file", e);
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": cannot read (" + e.getMessage() + ")", e);
    }
    ModelBytes m = new ModelBytes(file.toString(), bytes);
    ModelCache.borrowAndReturn(m);
    return m;
  }

  /**
   * The bytes of {@code model} as its model file would hold them.
   *
   * @throws UncheckedIOException if the temporary file cannot be written
   */
  public static ModelBytes of(FittedModel model, String name) {
    try {
      Path tmp = Files.createTempFile("flows4j-model", ".flows4j");
      try {
        model.save(tmp);
        return new ModelBytes(name, Files.readAllBytes(tmp));
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          name + ": cannot serialize the model (" + e.getMessage() + ")", e);
    }
  }

  /**
   * Bytes read elsewhere (e.g. through Hadoop's file system), checked as {@link #read} does.
   *
   * @throws UncheckedIOException if they are not a model file this library can load
   */
  static ModelBytes of(byte[] content, String name) {
    ModelBytes m = new ModelBytes(name, content);
    ModelCache.borrowAndReturn(m);
    return m;
  }

  /** The file name the bytes came from (for messages). */
  public String name() {
    return name;
  }

  /** The file's content (not copied: do not modify). */
  byte[] content() {
    return content;
  }

  /** The SHA-256 of the content, in hex. */
  public String sha256() {
    return sha256;
  }

  /**
   * Writes the content to {@code file} atomically.
   *
   * @throws UncheckedIOException if the file cannot be written; it is then unchanged
   */
  public void writeTo(Path file) {
    io.flows4j.data.AtomicFiles.write(file, out -> out.write(content));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
