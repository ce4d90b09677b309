package io.flows4j.io;

import java.io.IOException;

/**
 * Thrown when a file is truncated, corrupted or not in the expected format. The message is one line
 * that names the file and says what is wrong, e.g. {@code model.safetensors: file is truncated: the
 * header describes 1024 bytes of tensor data, but the file holds 512}.
 */
public class FileFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message of the form {@code <file>: <what is wrong>}. */
  public FileFormatException(String message) {
    super(message);
  }
}
