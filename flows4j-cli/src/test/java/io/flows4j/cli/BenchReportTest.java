package io.flows4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
  /** A piece of BENCHMARKS.md in its layout: marked tables, two libraries, a missing figure. */
  static final String PEERS =
      String.join(
          "\n",
          "## W1",
          "<!-- W1 -->",
          "| model | data | normflows s/step | normflows NLL | zuko s/step | zuko NLL |",
          "| --- | --- | --- | --- | --- | --- |",
          "| maf | moons | 0.0196 | 2.602 | 0.0202 | 2.443 |",
          "| resflow | moons | 0.0581 | 3.799 | — | — |",
          "<!-- /W1 -->",
          "| maf | outside | 1 | 1 | 1 | 1 |",
          "<!-- W2 -->",
          "| model | data | normflows s/step | normflows KL |",
          "| --- | --- | --- | --- |",
          "| planarK32 | U1 | 0.0175 | 0.03118 |",
          "<!-- /W2 -->",
          "<!-- W4 -->",
          "| model | data | normflows s/step | normflows bpd |",
          "| --- | --- | --- | --- |",
          "| glow L=2 K=8 hidden=128 | fashion-mnist | 1.14 | 4.75 |",
          "<!-- /W4 -->");

  static final List<String> RESULTS =
      List.of(
          "{\"workload\":\"W1\",\"model\":\"maf\",\"dataset\":\"moons\",\"threads\":1,\"seed\":0,"
              + "\"sec_per_step_median\":0.00056,\"test_nll_nats\":2.447,\"peak_rss_mb\":300,"
              + "\"efficiency\":0.54}",
          "{\"workload\":\"W1\",\"model\":\"maf\",\"dataset\":\"moons\",\"threads\":1,\"seed\":1,"
              + "\"sec_per_step_median\":0.00099,\"test_nll_nats\":9.9,\"peak_rss_mb\":300}",
          "{\"workload\":\"W1\",\"model\":\"maf\",\"dataset\":\"moons\",\"threads\":2,\"seed\":0,"
              + "\"sec_per_step_median\":0.0004,\"test_nll_nats\":2.45,\"peak_rss_mb\":310}",
          "",
          "{\"workload\":\"novelty\",\"auroc_flow\":0.7}",
          "{\"workload\":\"W1\",\"model\":\"residual\",\"dataset\":\"moons\",\"threads\":1,"
              + "\"sec_per_step_median\":0.0065,\"test_nll_nats\":2.5,\"peak_rss_mb\":200}",
          "{\"workload\":\"W2\",\"model\":\"planar\",\"dataset\":\"U1\",\"threads\":1,"
              + "\"sec_per_step_median\":0.0009,\"kl_nats\":0.0385,\"peak_rss_mb\":150}",
          "{\"workload\":\"W4\",\"model\":\"glow\",\"dataset\":\"fashion-mnist\",\"threads\":1,"
              + "\"sec_per_step_median\":0.6,\"test_bpd\":4.5,\"test_nll_nats\":-1900,"
              + "\"peak_rss_mb\":900}",
          "{\"workload\":\"W1\",\"model\":\"residual\",\"dataset\":\"moons\",\"threads\":1,"
              + "\"sec_per_step_median\":0.0065,\"test_nll_nats\":2.5,\"peak_rss_mb\":180}");

  @Test
  @DisplayName("peers come from the marked tables only, keyed by workload, model and data")
  void parsesPeers() {
    Map<String, List<BenchReport.PeerFigure>> p = BenchReport.parsePeers(PEERS);
    assertThat(p.keySet())
        .containsExactly(
            "W1/maf/moons",
            "W1/resflow/moons",
            "W2/planarK32/U1",
            "W4/glow L=2 K=8 hidden=128/fashion-mnist");
    assertThat(p.get("W1/maf/moons"))
        .containsExactly(
            new BenchReport.PeerFigure("normflows", 0.0196, 2.602),
            new BenchReport.PeerFigure("zuko", 0.0202, 2.443));
    assertThat(p.get("W1/resflow/moons")).hasSize(1);
  }

  @Test
  @DisplayName("one row per model and data set: seed 0, both thread counts, speed-up, best peer")
  void table() {
    String t =
        BenchReport.table(BenchReport.parseRuns(RESULTS, "r.jsonl"), BenchReport.parsePeers(PEERS));
    List<String> rows = t.lines().toList();
    assertThat(rows).hasSize(2 + 4);
    // 0.0196 / 0.00056 = 35.0; the best NLL is zuko's, the fastest time normflows'.
    assertThat(rows.get(2))
        .isEqualTo(
            "| W1 | maf | moons | 0.00056 | 0.0004 | 0.54 | 0.0196 normflows | 35.0x |"
                + " 2.447 NLL | 2.443 zuko | 300 |");
    assertThat(rows.get(3)).startsWith("| W1 | residual | moons | 0.0065 | — | — |");
    assertThat(rows.get(3)).contains("| 8.9x |", "| 3.799 normflows |", "| 180 |");
    assertThat(rows.get(4)).contains("| 0.0385 KL | 0.03118 normflows |");
    assertThat(rows.get(5))
        .isEqualTo(
            "| W4 | glow | fashion-mnist | 0.6 | — | — | 1.14 normflows | 1.9x | 4.500 bpd |"
                + " 4.750 normflows | 900 |");
  }

  @Test
  @DisplayName("--update replaces only the marked section; a file without markers is refused")
  void updatesTheMarkedSection(@TempDir Path dir) throws IOException {
    Path results = dir.resolve("r.jsonl");
    Files.write(results, RESULTS, StandardCharsets.UTF_8);
    Path peers = dir.resolve("BENCHMARKS.md");
    Files.writeString(peers, PEERS, StandardCharsets.UTF_8);
    Path doc = dir.resolve("benchmarks.md");
    Files.writeString(
        doc,
        "# Title\n\nbefore\n" + BenchReport.BEGIN + "\nold table\n" + BenchReport.END + "\nafter\n",
        StandardCharsets.UTF_8);
    StringWriter err = new StringWriter();
    int status =
        Main.run(
            CommandsTest.args("bench report", results, "--benchmarks", peers, "--update", doc),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertThat(status).as(err.toString()).isZero();
    String updated = Files.readString(doc);
    assertThat(updated)
        .startsWith("# Title\n\nbefore\n" + BenchReport.BEGIN + "\n")
        .endsWith(BenchReport.END + "\nafter\n")
        .doesNotContain("old table")
        .contains("| W1 | maf | moons |", "Generated by `./flows4j bench report` on ");

    Path plain = dir.resolve("plain.md");
    Files.writeString(plain, "no markers\n", StandardCharsets.UTF_8);
    assertThatThrownBy(() -> BenchReport.replaceSection("no markers\n", "x", "plain.md"))
        .hasMessage(
            "plain.md has no section to update: it needs the lines <!-- bench:summary --> and"
                + " <!-- /bench:summary -->");
    err = new StringWriter();
    status =
        Main.run(
            CommandsTest.args("bench report", results, "--benchmarks", peers, "--update", plain),
            new PrintWriter(new StringWriter()),
            new PrintWriter(err));
    assertThat(status).isEqualTo(2);
    assertThat(Files.readString(plain)).isEqualTo("no markers\n");
  }

  @Test
  @DisplayName("a result file with a broken line is named with the line number")
  void brokenLine() {
    assertThatThrownBy(() -> BenchReport.parseRuns(List.of("{}", "{oops"), "r.jsonl"))
        .hasMessageStartingWith("r.jsonl line 2: not a JSON result line");
  }
}
