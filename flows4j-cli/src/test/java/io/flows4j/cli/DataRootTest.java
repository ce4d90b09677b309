package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataRootTest {
  @Test
  void aGivenFolderIsTakenAndAMissingOneRefused(@TempDir Path dir) {
    assertThat(DataRoot.find(dir, List.of())).isEqualTo(dir);
    assertThatThrownBy(() -> DataRoot.find(dir.resolve("nope"), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--data-dir " + dir.resolve("nope") + ": no such folder");
  }

  @Test
  void sharedDataIsFoundInAParentOfTheStart(@TempDir Path dir) throws IOException {
    Path data = Files.createDirectories(dir.resolve("shared/data"));
    Path deep = Files.createDirectories(dir.resolve("wt/cli/module"));
    assertThat(DataRoot.find(null, List.of(deep))).isEqualTo(data.toAbsolutePath());
  }

  @Test
  void withoutDataTheMessageSaysWhereItLookedAndWhatToDo(@TempDir Path dir) throws IOException {
    Path deep = Files.createDirectories(dir.resolve("a/b"));
    // The search walks up to the file-system root: a shared/data above the temporary folder (a
    // checkout under /tmp with its data beside it) would be found, legitimately.
    for (Path p = deep.toAbsolutePath(); p != null; p = p.getParent()) {
      Assumptions.assumeFalse(
          Files.isDirectory(p.resolve("shared/data")), "no shared/data above " + deep);
    }
    assertThatThrownBy(() -> DataRoot.find(null, List.of(deep)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "the benchmark data sets were not found (looked for shared/data in " + deep + ", ")
        .hasMessageEndingWith("); give their folder with --data-dir");
  }
}
