package io.flows4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the shipped data sets, which live outside the repository in a {@code shared/data} folder
 * beside the clone (CI puts it at {@code ../shared} from the repository root). The search walks up
 * from the working directory, so it works from the module, the repository root or a worktree nested
 * deeper; the system property {@code flows4j.shared} names the {@code shared} folder explicitly.
 */
final class SharedData {
  private SharedData() {}

  /** The file {@code shared/data/<relative>}, if it can be found. */
  static Optional<Path> find(String relative) {
    String explicit = System.getProperty("flows4j.shared");
    if (explicit != null) {
      Path p = Path.of(explicit, "data").resolve(relative);
      return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path p = dir.resolve("shared").resolve("data").resolve(relative);
      if (Files.isRegularFile(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
