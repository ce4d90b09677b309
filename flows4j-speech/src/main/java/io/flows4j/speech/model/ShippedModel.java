package io.flows4j.speech.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The trained model that ships with flows4j: a classpath resource of this module, so that it is in
 * every build of the command-line jar and {@code speak} works on a fresh clone without training. It
 * is a model file written by {@code speech train}, copied to {@link #SOURCE_PATH} (not trained
 * there: the checkpoint written beside it would end up in the jar); the command is in {@code
 * docs/design-notes.md}.
 */
public final class ShippedModel {
  /** The model's classpath resource. */
  public static final String RESOURCE = "/io/flows4j/speech/glow-tts-tiny.flows4j";

  /** Where the resource lives in the repository, relative to its root. */
  public static final String SOURCE_PATH =
      "flows4j-speech/src/main/resources/io/flows4j/speech/glow-tts-tiny.flows4j";

  private ShippedModel() {}

  /** Whether this build holds a shipped model. */
  public static boolean present() {
    return ShippedModel.class.getResource(RESOURCE) != null;
  }

  /**
   * Loads the shipped model, or nothing when this build holds none.
   *
   * @throws io.flows4j.io.FileFormatException if the resource is not a valid model
   * @throws UncheckedIOException if it cannot be read
   */
  public static Optional<GlowTts> load() {
    try (InputStream in = ShippedModel.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return Optional.empty();
      }
      // The model reader works on files; a copy costs a few milliseconds for a 6 MB model.
      Path tmp = Files.createTempFile("flows4j-shipped-", ".flows4j");
      try {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        return Optional.of(GlowTts.load(tmp));
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the shipped model " + RESOURCE + ": cannot read", e);
    }
  }
}
