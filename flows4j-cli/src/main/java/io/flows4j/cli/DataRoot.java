package io.flows4j.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the folder of the benchmark data sets: {@code --data-dir} if given, else {@code
 * shared/data} beside the repository ({@code ../shared/data} from its root, where CI puts it), else
 * the first {@code shared/data} in the working directory or one of its parents.
 */
final class DataRoot {
  private DataRoot() {}

  /**
   * The data folder.
   *
   * @param given the folder given with {@code --data-dir}, or {@code null}
   * @throws IllegalArgumentException if {@code given} is not a folder, or none is found (the
   *     message lists where it looked)
   */
  static Path find(Path given) {
    return find(given, defaultStarts());
  }

  /** As {@link #find(Path)}, looking for {@code shared/data} in each start and its parents. */
  static Path find(Path given, List<Path> starts) {
    if (given != null) {
      if (!Files.isDirectory(given)) {
        throw new IllegalArgumentException("--data-dir " + given + ": no such folder");
      }
      return given;
    }
    Set<Path> tried = new LinkedHashSet<>();
    for (Path start : starts) {
      for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
        Path candidate = dir.resolve("shared").resolve("data");
        if (Files.isDirectory(candidate)) {
          return candidate;
        }
        tried.add(candidate);
      }
    }
    throw new IllegalArgumentException(
        "the benchmark data sets were not found (looked for shared/data in "
            + String.join(
                ", ", tried.stream().map(p -> p.getParent().getParent().toString()).toList())
            + "); give their folder with --data-dir");
  }

  /**
   * The first file {@code relative} (e.g. {@code shared/speech/wer.sh}) found in the parent of the
   * repository root or the working directory, or one of their parents.
   */
  static java.util.Optional<Path> findShared(String relative) {
    for (Path start : defaultStarts()) {
      for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
        Path candidate = dir.resolve(relative);
        if (Files.isRegularFile(candidate)) {
          return java.util.Optional.of(candidate);
        }
      }
    }
    return java.util.Optional.empty();
  }

  /** The parent of the repository root (from where the classes were loaded), then the cwd. */
  private static List<Path> defaultStarts() {
    List<Path> starts = new ArrayList<>();
    try {
      // .../flows4j-cli/target/flows4j.jar or .../flows4j-cli/target/classes
      Path code =
          Path.of(DataRoot.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path module = code.getParent() == null ? null : code.getParent().getParent();
      Path root = module == null ? null : module.getParent();
      if (root != null && root.getParent() != null) {
        starts.add(root.getParent());
      }
    } catch (URISyntaxException | RuntimeException e) {
      // No usable code source (an unusual class loader): search from the working directory only.
    }
    starts.add(Path.of(""));
    return starts;
  }
}
